"""Uploads (bay.file_upload): allowed kinds only, a size limit, nothing half-written
kept, placed in a session's home, invisible to other owners."""
import httpx
import pytest

from openbay import APIError, NotFoundError
from tests.helpers.errors import raised

LIMIT = 10 * 1024 * 1024


def leftovers(home):
    return sorted(p.name for p in (home / "uploads").rglob("*") if p.is_file())


def test_upload_and_fetch_and_place_in_a_session(agent_server, abay, bsession, tmp_path):
    src = tmp_path / "list.csv"
    src.write_text("name,price\nteapot,12\n")
    up = abay.file_upload.upload_file(src)
    assert up["file_name"] == "list.csv" and up["size"] == src.stat().st_size
    assert up["file_id"].startswith("f-") and up["file_url"].endswith(f"/v1/uploads/{up['file_id']}/content")
    got = httpx.get(up["file_url"], headers={"Authorization": f"Bearer {agent_server.admin_key}"})
    assert got.status_code == 200 and got.content == src.read_bytes()
    placed = abay.file_upload.upload_file(src, session_id=bsession.session_id)
    assert placed["file_id"] != up["file_id"]
    content = bsession.file_system.read_file("/home/user/attachments/list.csv")
    assert content.content == "name,price\nteapot,12\n"


def test_an_upload_at_the_limit_passes_and_one_over_it_leaves_nothing(agent_server, abay, tmp_path):
    exact = tmp_path / "exact.txt"
    exact.write_bytes(b"a" * LIMIT)
    assert abay.file_upload.upload_file(exact)["size"] == LIMIT
    before = leftovers(agent_server.home)
    big = tmp_path / "big.txt"
    big.write_bytes(b"b" * (LIMIT + 1))
    with pytest.raises(APIError) as e:
        abay.file_upload.upload_file(big)
    assert e.value.status == 413 and f"at most {LIMIT} bytes" in e.value.message
    # a body that does not say its length up front is stopped while it streams
    r = httpx.post(f"{agent_server.base_url}/v1/uploads", params={"file_name": "big.txt"},
                   content=iter([b"c" * (1024 * 1024)] * 11),
                   headers={"Authorization": f"Bearer {agent_server.admin_key}"}, timeout=60)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    assert leftovers(agent_server.home) == before  # no part file, no half upload


@pytest.mark.parametrize("name,rule", [
    ("tool.exe", "files ending in '.exe' cannot be uploaded; allowed: .txt .pdf"),
    ("Makefile", "files ending in '(no extension)' cannot be uploaded"),
    ("photo.JPEG.sh", "'.sh'"),
])
def test_wrong_extensions_are_refused_naming_the_rule(agent_server, abay, tmp_path, name, rule):
    src = tmp_path / name
    src.write_text("echo hi")
    before = leftovers(agent_server.home)
    with pytest.raises(APIError) as e:
        abay.file_upload.upload_file(src)
    assert e.value.status == 422 and rule in e.value.message
    assert leftovers(agent_server.home) == before


def test_upper_case_extensions_are_fine(abay, tmp_path):
    src = tmp_path / "SCAN.PNG"
    src.write_bytes(b"\x89PNG fake")
    assert abay.file_upload.upload_file(src)["file_name"] == "SCAN.PNG"


@pytest.mark.parametrize("name", ["../escape.txt", ".hidden.txt", "a/b.txt", "x" * 300 + ".txt"])
def test_bad_file_names(agent_server, name):
    r = httpx.post(f"{agent_server.base_url}/v1/uploads", params={"file_name": name}, content=b"x",
                   headers={"Authorization": f"Bearer {agent_server.admin_key}"})
    assert r.status_code == 422, r.text
    assert "file_name" in r.json()["error"]["message"]


def test_uploads_are_private(agent_server, abay, bsession, stranger, tmp_path):
    src = tmp_path / "secret.md"
    src.write_text("# secret")
    up = abay.file_upload.upload_file(src)
    key = stranger._runner.http.headers["authorization"]
    assert httpx.get(up["file_url"], headers={"Authorization": key}).status_code == 404
    assert httpx.get(f"{agent_server.base_url}/v1/uploads/{up['file_id']}",
                     headers={"Authorization": key}).status_code == 404
    with pytest.raises(NotFoundError):  # nor can a stranger drop files into my session
        stranger.file_upload.upload_file(src, session_id=bsession.session_id)
    raised(lambda: bsession.file_system.read_file("/home/user/attachments/secret.md"))
