"""Large files stream through upload_file / download_file; the size limit answers 413."""
import hashlib
import os
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.helpers.errors import raised
from tests.helpers.server import thread_server
from tests.helpers.sessions import new_session

SIZE = 48 * 1024 * 1024 + 123  # several chunks and an odd tail


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def test_upload_and_download_a_large_file_with_progress(session, tmp_path):
    src = tmp_path / "big.bin"
    with open(src, "wb") as f:
        f.write(os.urandom(SIZE))
    sent = []
    up = session.file_system.upload_file(src, "/home/user/big.bin",
                                         progress=lambda done, total: sent.append((done, total)))
    assert up.bytes_sent == SIZE
    assert sent[-1] == (SIZE, SIZE) and len(sent) > 10
    assert [d for d, _ in sent] == sorted(d for d, _ in sent)

    remote = session.command.execute_command("sha256sum /home/user/big.bin").output.split()[0]
    assert remote == _sha(src)

    dst = tmp_path / "back.bin"
    got = []
    down = session.file_system.download_file("/home/user/big.bin", dst,
                                             progress=lambda done, total: got.append((done, total)))
    assert down.bytes_received == SIZE and got[-1] == (SIZE, SIZE)
    assert _sha(dst) == _sha(src)
    assert not (tmp_path / "back.bin.part").exists()


def test_download_of_a_missing_file_leaves_nothing(session, tmp_path):
    dst = tmp_path / "nothing.bin"
    r = raised(lambda: session.file_system.download_file("/home/user/missing.bin", dst))
    assert r.code == "not_found"
    assert not dst.exists() and not (tmp_path / "nothing.bin.part").exists()


def test_upload_bypasses_the_json_body_cap(server, session):
    # the global body cap (16 MiB) does not apply to file content
    cap = server.app.state.settings.max_body_bytes
    data = b"z" * (cap + 1024)
    session.file_system.write_file("over-cap.bin", data)
    assert session.file_system.get_file_info("over-cap.bin").file_info.size == len(data)


@pytest.fixture(scope="module")
def small_limit_server():
    with thread_server(Path(tempfile.mkdtemp(prefix="obtest-limit-")),
                       max_file_bytes=1024 * 1024) as running:
        yield running


def test_over_the_file_limit_is_413_with_the_limit(small_limit_server, tmp_path):
    with new_session(small_limit_server) as s:
        fs = s.file_system
        fs.write_file("ok.bin", b"x" * (1024 * 1024))
        too_big = raised(lambda: fs.write_file("big.bin", b"x" * (1024 * 1024 + 1)))
        assert too_big.code == "payload_too_large"
        assert "1048576" in too_big.message

        # a chunked body (no length given up front) is cut off at the limit as well
        def chunks():
            for _ in range(3):
                yield b"y" * (512 * 1024)
        r = httpx.put(f"{small_limit_server.base_url}/v1/sessions/{s.session_id}/files/content",
                      params={"path": "chunked.bin"}, content=chunks(),
                      headers={"Authorization": f"Bearer {small_limit_server.admin_key}"})
        assert r.status_code == 413 and "1048576" in r.json()["error"]["message"]
        # and nothing of the refused uploads was kept
        listing = {e.name for e in fs.list_directory("/home/user").entries}
        assert "ok.bin" in listing and "big.bin" not in listing and "chunked.bin" not in listing
        assert not any(name.endswith(".part") for name in listing)
