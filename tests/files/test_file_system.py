"""The file system API through the SDK, against a real server and sandbox."""
import pytest

from tests.helpers.errors import raised


def test_write_and_read_text_and_bytes(session):
    fs = session.file_system
    w = fs.write_file("/home/user/notes/a.txt", "héllo\n")
    assert w.bytes_written == len("héllo\n".encode())
    assert fs.read_file("/home/user/notes/a.txt").content == "héllo\n"
    fs.write_file("notes/a.txt", "more\n", mode="append")  # relative: from the home
    assert fs.read_file("~/notes/a.txt").content == "héllo\nmore\n"

    blob = bytes(range(256)) * 10
    fs.write_file("bin.dat", blob)
    got = fs.read_file("bin.dat", format="bytes")
    assert got.content == blob and got.file_size == len(blob)
    part = fs.read_file("bin.dat", offset=250, length=10, format="bytes")
    assert part.content == blob[250:260]
    assert fs.read_file("bin.dat", offset=10_000, format="bytes").content == b""


def test_overwrite_replaces_content(session):
    fs = session.file_system
    fs.write_file("f.txt", "a long first version\n")
    fs.write_file("f.txt", "short\n")
    assert fs.read_file("f.txt").content == "short\n"


def test_list_info_mkdir_move_delete(session):
    fs = session.file_system
    fs.create_directory("/home/user/d/e/f")
    fs.write_file("d/one.txt", "1")
    listing = fs.list_directory("/home/user/d")
    by_name = {e.name: e for e in listing.entries}
    assert by_name["e"].is_directory and not by_name["one.txt"].is_directory
    assert by_name["one.txt"].size == 1 and by_name["one.txt"].mtime > 0

    info = fs.get_file_info("d/one.txt").file_info
    assert info.is_file and info.size == 1 and info.path == "/home/user/d/one.txt"

    fs.move_file("d/one.txt", "d/e/two.txt")
    raised(lambda: fs.get_file_info("d/one.txt"))
    assert fs.read_file("d/e/two.txt").content == "1"

    fs.write_file("d/three.txt", "3")
    clash = raised(lambda: fs.move_file("d/three.txt", "d/e/two.txt"))
    assert clash.code == "conflict"
    fs.move_file("d/three.txt", "d/e/two.txt", overwrite=True)
    assert fs.read_file("d/e/two.txt").content == "3"

    not_empty = raised(lambda: fs.delete_file("d"))
    assert "not empty" in not_empty.message
    fs.delete_file("d/e/two.txt")
    fs.delete_file("d", recursive=True)
    assert raised(lambda: fs.get_file_info("d")).code == "not_found"


def test_read_multiple_files(session):
    fs = session.file_system
    fs.write_file("m/a.txt", "A")
    fs.write_file("m/b.txt", "B")
    r = fs.read_multiple_files(["m/a.txt", "/home/user/m/b.txt", "m/missing.txt"])
    assert r.contents == {"m/a.txt": "A", "/home/user/m/b.txt": "B"}
    assert "m/missing.txt" in r.errors


def test_edit_file_dry_run_and_apply(session):
    fs = session.file_system
    fs.write_file("code.py", "x = 1\ny = 2\n")
    dry = fs.edit_file("code.py", [{"old_text": "y = 2", "new_text": "y = 3"}], dry_run=True)
    assert not dry.applied
    assert "-y = 2" in dry.diff and "+y = 3" in dry.diff
    assert fs.read_file("code.py").content == "x = 1\ny = 2\n"
    done = fs.edit_file("code.py", [{"old_text": "x = 1", "new_text": "x = 10"},
                                    {"old_text": "y = 2", "new_text": "y = 20"}])
    assert done.applied
    assert fs.read_file("code.py").content == "x = 10\ny = 20\n"
    missing = raised(lambda: fs.edit_file("code.py", [{"old_text": "nowhere", "new_text": "z"}]))
    assert "not found" in missing.message
    assert fs.read_file("code.py").content == "x = 10\ny = 20\n"


def test_search_files_with_excludes(session):
    fs = session.file_system
    for p in ("proj/a.py", "proj/sub/b.py", "proj/node_modules/c.py", "proj/readme.md"):
        fs.write_file(p, "")
    found = fs.search_files("proj", "*.py", exclude_patterns=["node_modules"])
    assert sorted(found.matches) == ["/home/user/proj/a.py", "/home/user/proj/sub/b.py"]
    assert fs.search_files("proj", "READ").matches == ["/home/user/proj/readme.md"]


def test_clear_errors(session):
    fs = session.file_system
    missing = raised(lambda: fs.read_file("/home/user/nope.txt"))
    assert missing.code == "not_found"
    assert "nope.txt" in missing.message
    fs.create_directory("adir")
    is_dir = raised(lambda: fs.read_file("adir"))
    assert is_dir.code == "bad_request"
    assert "is a directory" in is_dir.message
    write_dir = raised(lambda: fs.write_file("adir", "x"))
    assert "is a directory" in write_dir.message
    assert raised(lambda: fs.list_directory("nope-dir")).code == "not_found"
    assert raised(lambda: fs.list_directory("/dev/null")).code == "bad_request"
    assert raised(lambda: fs.read_file("/dev/zero")).code == "bad_request"  # not a regular file: no endless read
    read_only = raised(lambda: fs.write_file("/sys/planted", "x"))  # root inside, but /sys is the host's, read-only
    assert read_only.code == "bad_request"
    assert "/sys" in read_only.message
    assert raised(lambda: fs.delete_file("/home/user", recursive=True)).code == "bad_request"
    bad = raised(lambda: fs.read_file("a\0b"))
    assert bad.code in ("validation_error", "bad_request")


def test_other_owner_cannot_touch_files(server, session):
    session.file_system.write_file("secret.txt", "mine")
    other = server.client(server.new_owner_key("files-stranger"))
    try:
        raised(lambda: other.get(session.session_id))
        from openbay.sdk.session import Session
        foreign = Session(other._runner, session.info())
        r = raised(lambda: foreign.file_system.read_file("secret.txt"))
        assert r.code == "not_found"
        raised(lambda: foreign.file_system.write_file("x.txt", "y"))
        raised(lambda: foreign.file_system.list_directory("/home/user"))
    finally:
        other.close()


@pytest.mark.parametrize("path", ["../../../etc/passwd", "/home/user/../../etc/passwd"])
def test_dotdot_stays_inside_the_sandbox(session, path):
    r = session.file_system.read_file(path)
    # /etc/passwd of the sandbox is its image's own, never the host's
    assert "root:x:0:0:root:/root:/bin/bash" in r.content and "_apt:x:42" in r.content
    host = open("/etc/passwd").read()
    assert r.content != host
