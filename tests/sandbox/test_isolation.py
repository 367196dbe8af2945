"""What one sandbox must not see or touch: the host, the image, the server's store, other sessions."""
import os
import secrets
import subprocess

from tests.helpers.waiting import wait_for


def run(s, cmd: str, timeout_ms: int = 60_000) -> str:
    out = s.command.execute_command(cmd, timeout_ms=timeout_ms)
    return out.output + out.stderr


def test_root_inside_on_a_root_file_system_of_its_own(session):
    assert run(session, "id -u; whoami; hostname").split() == ["0", "root", "sandbox"]
    # Debian's own root, not the host's /usr: the host's Python is 3.11.7 from pyenv
    assert "pyenv" not in run(session, "ls /root /opt 2>&1")
    assert run(session, "cat /etc/debian_version").startswith("12.")
    assert "shadow" in run(session, "ls /etc")  # the image's own, not the host's
    assert run(session, "pwd") == "/home/user\n"


def test_root_inside_is_nobody_outside(server, session):
    """The session's root is an unprivileged id on the host, with namespaced capabilities only."""
    run(session, "nohup sleep 4242 >/dev/null 2>&1 &")
    pids = subprocess.run(["pgrep", "-f", "sleep 4242"], capture_output=True, text=True).stdout.split()
    assert pids
    status = open(f"/proc/{pids[0]}/status").read()
    uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
    assert all(int(u) >= 1_000_000 for u in uid_line.split()[1:])
    # nothing of the host's kernel is within reach: no mounts, no modules, no raw devices
    assert run(session, "mount -t tmpfs x /mnt 2>&1; echo $?").strip().endswith("32") or \
        "permission denied" in run(session, "mount -t tmpfs x /mnt 2>&1").lower()
    assert "Operation not permitted" in run(session, "unshare -U true 2>&1") or \
        run(session, "unshare -U true; echo $?").strip() != "0"


def test_the_image_is_shared_but_never_written(server, make_session):
    a, b = make_session(), make_session()
    assert run(a, "echo changed > /usr/bin/openbay-marker && rm /bin/ls && echo done") == "done\n"
    assert run(a, "test -e /bin/ls; echo $?") == "1\n"
    # b sees the image as built; the change lives in a's own upper layer
    assert run(b, "test -e /usr/bin/openbay-marker; echo $?") == "1\n"
    assert run(b, "ls / >/dev/null && echo ok") == "ok\n"
    store = server.services.backend.images
    for layer in store.layer_dirs(store.get("linux")):
        assert not (layer / "usr/bin/openbay-marker").exists()
        assert (layer / "usr/bin/ls").exists() or not (layer / "usr/bin").exists()


def test_cannot_see_other_processes(session, make_session):
    other = make_session()
    run(other, "nohup sleep 123 >/dev/null 2>&1 &")
    procs = run(session, "ps -eo comm=").split()
    assert "sleep" not in procs and "uvicorn" not in procs
    assert procs[0] == "tini" and len(procs) < 10


def test_cannot_read_server_store_or_another_session(server, make_session):
    store = server.home / "openbay.db"
    assert store.exists()
    a, b = make_session(), make_session()
    run(b, "echo b-secret > /home/user/secret.txt")
    b_upper = server.services.backend.root / b.session_id / "disk" / "upper"
    assert (b_upper / "home/user/secret.txt").exists()
    for path in (str(store), str(b_upper / "home/user/secret.txt"), f"/proc/1/root{store}",
                 f"/proc/1/root{b_upper}/home/user/secret.txt", "/home/user/../../" + str(store)):
        out = a.command.execute_command(f"cat {path}")
        assert out.exit_code != 0 and "b-secret" not in out.output and "SQLite" not in out.output
    run(a, f"ln -s {store} /home/user/db && ln -s {b_upper} /home/user/other")
    assert "SQLite" not in run(a, "cat /home/user/db")
    assert "b-secret" not in run(a, "cat /home/user/other/home/user/secret.txt")
    # on the host, a session's folder is its own id block's alone, its disk root's alone
    directory = server.services.backend.root / b.session_id
    assert oct(os.stat(directory / "disk").st_mode & 0o777) == "0o700"
    assert oct(os.stat(directory).st_mode & 0o777) == "0o700"
    assert os.stat(directory).st_uid == server.services.backend._running[b.session_id].ids


def test_network_none_has_only_loopback(make_session):
    s = make_session(network="none")
    links = run(s, "cat /proc/net/dev | tail -n +3 | cut -d: -f1").split()
    assert links == ["lo"]
    out = s.command.execute_command("exec 3<>/dev/tcp/1.1.1.1/53", timeout_ms=5000)
    assert out.exit_code != 0


def test_deleted_session_leaves_nothing_behind(server, bay):
    s = bay.create().session
    marker = f"sleep 300.{secrets.randbelow(10**6):06d}"  # its own: other sessions on this machine sleep too
    run(s, f"nohup {marker} >/dev/null 2>&1 &")
    directory = server.services.backend.root / s.session_id
    assert directory.exists()
    s.delete()
    # files go in the background, after the answer
    wait_for(lambda: not directory.exists(), what="the session's folder to go")
    assert marker not in os.popen("ps -eo args").read()
    assert s.session_id not in open("/proc/self/mounts").read()
