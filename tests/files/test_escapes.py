"""Symlinks and host paths must never reach a file outside the session."""
import pytest

from tests.helpers.errors import raised
from tests.helpers.sessions import new_session


@pytest.fixture
def neighbour(bay):
    with new_session(bay) as s:
        s.file_system.write_file("/home/user/neighbour-secret.txt", "TOP-SECRET")
        yield s


def _host_home(server, session_id: str) -> str:
    return str(server.services.backend.root / session_id / "disk" / "upper" / "home" / "user")


def test_symlink_to_the_server_store_is_not_readable(server, session):
    store = server.home / "openbay.db"
    assert store.exists()  # the target is real on the host
    session.command.execute_command(f"ln -s {store} /home/user/store-link")
    for path in ("/home/user/store-link", str(store)):
        r = raised(lambda: session.file_system.read_file(path, format="bytes"))
        assert r.code == "not_found", path
    info = session.file_system.get_file_info("/home/user/store-link").file_info
    assert info.is_symlink and info.size < 200  # the link itself, not the 100 KB store


def test_symlink_to_another_sessions_home_is_not_readable(server, session, neighbour):
    target = _host_home(server, neighbour.session_id) + "/neighbour-secret.txt"
    with open(target) as f:  # the host can see it: the path is right
        assert f.read() == "TOP-SECRET"
    session.command.execute_command(f"ln -s {target} /home/user/peek")
    fs = session.file_system
    assert raised(lambda: fs.read_file("/home/user/peek")).code == "not_found"
    assert raised(lambda: fs.read_file(target)).code == "not_found"
    assert raised(lambda: fs.read_file("../../.." + target)).code == "not_found"
    many = fs.read_multiple_files(["/home/user/peek", target])
    assert many.contents == {} and len(many.errors) == 2
    raised(lambda: fs.list_directory(_host_home(server, neighbour.session_id)))
    found = fs.search_files("/home", "neighbour-secret")
    assert found.matches == []
    # and writing through the link does not reach the neighbour either
    fs.write_file("/home/user/peek", "overwritten")
    with open(target) as f:
        assert f.read() == "TOP-SECRET"


def test_move_and_edit_cannot_reach_out(server, session, neighbour):
    target = _host_home(server, neighbour.session_id) + "/neighbour-secret.txt"
    fs = session.file_system
    raised(lambda: fs.move_file(target, "/home/user/stolen.txt"))
    raised(lambda: fs.edit_file(target, [{"old_text": "TOP", "new_text": "NOT"}]))
    raised(lambda: fs.delete_file(target))
    with open(target) as f:
        assert f.read() == "TOP-SECRET"
