"""What one sandbox must not see or touch: the host, the server's store, other sessions."""
import os

from openbay import CreateSessionParams


def run(s, cmd: str) -> str:
    out = s.command.execute_command(cmd)
    return out.output + out.stderr


def test_sandbox_identity_and_view(session):
    assert run(session, "id -u; hostname").split() == ["1000", "sandbox"]
    root = set(run(session, "ls /").split())
    assert root <= {"bin", "dev", "etc", "home", "lib", "lib64", "opt", "proc", "run", "sbin",
                    "tmp", "usr", "var"}
    assert "root" not in root and "work" not in root
    assert "shadow" not in run(session, "ls /etc")


def test_system_is_read_only_and_home_is_writable(session):
    assert "Read-only file system" in run(session, "touch /usr/x")
    assert run(session, "echo hi > /home/user/f && cat /home/user/f") == "hi\n"


def test_cannot_see_other_processes(session, bay):
    other = bay.create().session
    try:
        run(other, "nohup sleep 123 >/dev/null 2>&1 &")
        procs = run(session, "ps -eo comm=").split()
        assert "sleep" not in procs and "uvicorn" not in procs and "python" not in procs[2:]
        assert len(procs) < 10
    finally:
        other.delete()


def test_cannot_read_server_store_or_another_home(server, bay):
    store = server.home / "openbay.db"
    assert store.exists()
    a = bay.create().session
    b = bay.create().session
    try:
        run(b, "echo b-secret > /home/user/secret.txt")
        b_home = server.app.state.backend.root / b.session_id / "home"
        assert (b_home / "secret.txt").exists()
        # every way we can think of to name those host paths from inside a
        for path in (str(store), str(b_home / "secret.txt"), f"/proc/1/root{store}",
                     f"/proc/1/root{b_home}/secret.txt", "/home/user/../../" + str(store)):
            out = a.command.execute_command(f"cat {path}")
            assert out.exit_code != 0 and "b-secret" not in out.output and "SQLite" not in out.output
        # a symlink planted in the home points nowhere useful
        run(a, f"ln -s {store} /home/user/db && ln -s {b_home} /home/user/other")
        assert "SQLite" not in run(a, "cat /home/user/db")
        assert "b-secret" not in run(a, "cat /home/user/other/secret.txt")
        # and the host side is protected as well: the home belongs to another uid, 0700
        st_a = os.stat(server.app.state.backend.root / a.session_id / "home")
        st_b = os.stat(b_home)
        assert st_a.st_uid != st_b.st_uid and oct(st_b.st_mode & 0o777) == "0o700"
    finally:
        a.delete()
        b.delete()


def test_network_none_has_only_loopback(bay):
    s = bay.create(CreateSessionParams(network="none")).session
    try:
        links = run(s, "cat /proc/net/dev | tail -n +3 | cut -d: -f1").split()
        assert links == ["lo"]
        out = s.command.execute_command("exec 3<>/dev/tcp/1.1.1.1/53", timeout_ms=5000)
        assert out.exit_code != 0
    finally:
        s.delete()


def test_deleted_session_leaves_nothing_behind(server, bay):
    s = bay.create().session
    run(s, "nohup sleep 300 >/dev/null 2>&1 &")
    directory = server.app.state.backend.root / s.session_id
    assert directory.exists()
    s.delete()
    assert not directory.exists()
    assert s.session_id not in os.popen("ps -eo args").read()
