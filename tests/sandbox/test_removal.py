"""A deleted session's container is deleted once its processes have exited.

runc's `delete --force` on a container whose init still runs signals it again and sleeps
100 ms before it looks again: a process with much memory takes a few ms to die after the
kill (Chromium's did), and every browser session's delete paid those 100 ms.
"""
from pathlib import Path


def _running(pid: int) -> bool:
    """The process is there and not yet a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def test_the_container_is_deleted_after_its_init_has_exited(server, make_session):
    s = make_session()
    # 300 MiB of touched memory: freeing it makes the session's processes slow to die
    s.command.execute_command("nohup python3 -c 'import time; b = bytearray(300 << 20); time.sleep(600)' "
                              ">/dev/null 2>&1 & sleep 1")
    runc = server.services.backend.runc
    init = runc.init_pid(s.session_id)
    assert init is not None and _running(init)
    seen: list[tuple[str, bool]] = []
    original = runc._run

    async def watching(*args, **kw):
        seen.append((args[0], _running(init)))
        return await original(*args, **kw)

    runc._run = watching
    try:
        s.delete()
    finally:
        del runc._run
    assert seen == [("kill", True), ("delete", False)]
    assert runc.init_pid(s.session_id) is None and s.session_id not in runc.containers()
