"""Files as E2B's documentation writes them, and uploads and downloads by URL."""
import httpx
import pytest
from e2b import FileType, NotFoundException


def test_write_read_text_and_bytes(sandbox):
    info = sandbox.files.write("/home/user/hello.txt", "Hello, world!")
    assert info.path == "/home/user/hello.txt" and info.name == "hello.txt"
    assert sandbox.files.read("/home/user/hello.txt") == "Hello, world!"
    sandbox.files.write("/home/user/blob.bin", bytes(range(256)))
    assert bytes(sandbox.files.read("/home/user/blob.bin", format="bytes")) == bytes(range(256))


def test_write_files_list_exists_info(sandbox):
    sandbox.files.write_files([{"path": "/tmp/many/a.txt", "data": "A"},
                               {"path": "/tmp/many/b.txt", "data": b"BB"}])
    entries = sandbox.files.list("/tmp/many")
    assert sorted((e.name, e.type, e.size) for e in entries) == [("a.txt", FileType.FILE, 1),
                                                                  ("b.txt", FileType.FILE, 2)]
    assert sandbox.files.exists("/tmp/many/a.txt")
    assert not sandbox.files.exists("/tmp/many/zzz.txt")
    info = sandbox.files.get_info("/tmp/many")
    assert info.type == FileType.DIR and info.name == "many"


def test_make_dir_rename_remove(sandbox):
    assert sandbox.files.make_dir("/tmp/new/deeper") is True
    assert sandbox.files.make_dir("/tmp/new/deeper") is False
    sandbox.files.write("/tmp/new/old.txt", "x")
    moved = sandbox.files.rename("/tmp/new/old.txt", "/tmp/new/renamed.txt")
    assert moved.path == "/tmp/new/renamed.txt"
    assert not sandbox.files.exists("/tmp/new/old.txt")
    sandbox.files.remove("/tmp/new")
    assert not sandbox.files.exists("/tmp/new")


def test_list_with_depth(sandbox):
    sandbox.files.write("/tmp/tree/sub/leaf.txt", "leaf")
    assert {e.path for e in sandbox.files.list("/tmp/tree", depth=2)} == {"/tmp/tree/sub", "/tmp/tree/sub/leaf.txt"}


def test_reading_a_missing_file_is_not_found(sandbox):
    with pytest.raises(NotFoundException):
        sandbox.files.read("/no/such/file")


def test_upload_and_download_by_url(sandbox):
    upload = sandbox.upload_url("/home/user/uploaded.txt")
    r = httpx.post(upload, files={"file": ("uploaded.txt", b"sent by URL")})
    assert r.status_code == 200, r.text
    assert sandbox.files.read("/home/user/uploaded.txt") == "sent by URL"
    download = sandbox.download_url("/home/user/uploaded.txt")
    assert httpx.get(download).content == b"sent by URL"
    tampered = download.replace("uploaded.txt", "other.txt")
    assert httpx.get(tampered).status_code == 401


def test_uploads_over_the_server_limit_are_refused(tmp_path, monkeypatch):
    """OPENBAY_MAX_FILE_BYTES holds for E2B's uploads too, raw and multipart alike."""
    from e2b import Sandbox, SandboxException

    from openbay.e2b import mount
    from tests.helpers.server import thread_server
    with thread_server(tmp_path, extend=mount, max_file_bytes=1000) as small:
        for name, value in (("E2B_API_KEY", small.admin_key), ("E2B_API_URL", small.base_url),
                            ("E2B_SANDBOX_URL", small.base_url)):
            monkeypatch.setenv(name, value)
        sbx = Sandbox.create()
        try:
            sbx.files.write("/tmp/small.txt", "x" * 1000)
            for big in ("y" * 1001, iter([b"z" * 600, b"z" * 600])):  # multipart, then a streamed raw body
                with pytest.raises(SandboxException) as caught:
                    sbx.files.write("/tmp/big.txt", big)
                assert "OPENBAY_MAX_FILE_BYTES" in str(caught.value)
            assert not sbx.files.exists("/tmp/big.txt")
            assert sbx.files.read("/tmp/small.txt") == "x" * 1000
        finally:
            sbx.kill()
