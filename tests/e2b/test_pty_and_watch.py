"""Terminals, directory watches and the async SDK, as E2B's documentation writes them."""
import asyncio

from e2b import AsyncSandbox, FilesystemEventType, PtySize


def test_pty_runs_a_shell_of_the_asked_size(sandbox):
    terminal = sandbox.pty.create(PtySize(cols=80, rows=24))
    sandbox.pty.send_stdin(terminal.pid, b"stty size; echo pty-$((20 + 22)); exit\n")
    shown = []
    result = terminal.wait(on_pty=shown.append)
    screen = b"".join(shown)
    assert result.exit_code == 0
    assert b"24 80" in screen and b"pty-42" in screen


def test_pty_resize_and_kill(sandbox):
    terminal = sandbox.pty.create(PtySize(cols=80, rows=24))
    sandbox.pty.resize(terminal.pid, PtySize(cols=132, rows=43))
    sandbox.pty.send_stdin(terminal.pid, b"stty size\n")
    shown, killed = b"", False
    for _, _, pty in terminal:  # until the shell ends: killed once it showed its new size
        shown += pty or b""
        if b"43 132" in shown and not killed:
            killed = sandbox.pty.kill(terminal.pid)
    assert killed
    assert b"43 132" in shown
    assert sandbox.pty.kill(terminal.pid) is False


def test_watch_dir_sees_writes_and_removals(sandbox):
    sandbox.files.make_dir("/tmp/watched")
    handle = sandbox.files.watch_dir("/tmp/watched")
    sandbox.files.write("/tmp/watched/new.txt", "content")
    events = {(e.name, e.type) for e in handle.get_new_events()}
    assert ("new.txt", FilesystemEventType.CREATE) in events
    assert ("new.txt", FilesystemEventType.WRITE) in events
    sandbox.files.remove("/tmp/watched/new.txt")
    assert [(e.name, e.type) for e in handle.get_new_events()] == [("new.txt", FilesystemEventType.REMOVE)]
    handle.stop()


def test_async_sandbox_commands_files_and_watch(sandbox):
    async def main():
        sbx = await AsyncSandbox.connect(sandbox.sandbox_id)
        assert (await sbx.commands.run("echo async")).stdout == "async\n"
        seen = asyncio.Queue()
        handle = await sbx.files.watch_dir("/tmp", on_event=seen.put_nowait, recursive=True)
        await sbx.files.write("/tmp/async-watch/file.txt", "x")
        names = set()
        while "async-watch/file.txt" not in names:
            names.add((await asyncio.wait_for(seen.get(), 60)).name)
        await handle.stop()
        chunks = []
        background = await sbx.commands.run("echo one; echo two", background=True, on_stdout=chunks.append)
        assert (await background.wait()).stdout == "one\ntwo\n"
        assert "".join(chunks) == "one\ntwo\n"

    asyncio.run(main())
