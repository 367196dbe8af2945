"""envd's channel cannot be redirected by the session: a session that swaps what it can see
of envd's socket for a link to another owner's socket reaches nothing of the other session."""
import pytest

from openbay import OpenBayError
from tests.security.conftest import run


def _socket_paths(backend, session_id: str) -> list[str]:
    """Every host path another session's envd socket has had (before and after it moved)."""
    paths = [str(backend.root / session_id / "run" / "envd.sock")]
    if hasattr(backend, "sockets"):
        paths.append(str(backend.sockets / f"{session_id}.sock"))
    return paths


def test_a_session_cannot_swap_its_envd_socket_for_another_owners(server, two_owners):
    a, b = two_owners
    run(b, "echo b-secret > /root/secret")
    run(a, "echo a-own > /root/secret")
    for target in _socket_paths(server.services.backend, b.session_id):
        # the attack: whatever of envd's socket the session can see becomes a link to B's socket
        run(a, f"mkdir -p /run/envd; rm -f /run/envd/envd.sock; ln -s {target} /run/envd/envd.sock; "
               "ls -la /run/envd")
        out = a.command.execute_command("cat /root/secret; echo $OPENBAY_SESSION_ID")
        assert "b-secret" not in out.output
        assert out.output.split()[-1] == a.session_id  # A's commands still run in A
        assert a.file_system.read_file("/root/secret").content == "a-own\n"
    # nothing envd listens on is a path inside the session
    assert "envd.sock" not in run(a, "cat /proc/net/unix")


def test_envd_socket_lives_where_no_session_reaches(server, session):
    """The socket is the server's, in a folder only root may enter, never mounted in a session;
    a link put in its place is refused, not followed."""
    import os
    import stat
    backend = server.services.backend
    folder = backend.sockets
    st = os.stat(folder)
    assert st.st_uid == 0 and stat.S_IMODE(st.st_mode) == 0o700
    sock = folder / f"{session.session_id}.sock"
    assert stat.S_ISSOCK(os.lstat(sock).st_mode)
    assert str(folder) not in run(session, "cat /proc/self/mountinfo")
    # if the host path ever became a link, the server would refuse it rather than follow it
    other = folder / "elsewhere.sock"
    os.rename(sock, other)
    try:
        os.symlink(other, sock)
        with pytest.raises(OpenBayError) as refused:
            session.command.execute_command("echo hi")
        assert "not the server's envd socket" in str(refused.value)
    finally:
        os.unlink(sock)
        os.rename(other, sock)
    assert run(session, "echo back") == "back\n"
