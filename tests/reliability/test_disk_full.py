"""The server's own disk nearly full: new sessions and uploads are refused with a clear error
(507 insufficient_storage), and nothing is half-written. "Nearly full" is played by raising
OPENBAY_MIN_FREE_DISK_MB above the real free space."""
import httpx
import pytest

from openbay import APIError, CreateSessionParams
from tests.helpers.sessions import new_session

MB = 1024 * 1024


@pytest.fixture
def nearly_full(server):
    """Turns the server's free-space floor above what the disk has, for the test's length."""
    disk = server.services.sessions.disk_guard
    before = disk.min_free

    def fill():
        disk.min_free = disk.free_bytes() + 1024 * MB
    yield fill
    disk.min_free = before


def test_nearly_full_disk_refuses_sessions_and_uploads_and_writes_nothing(server, bay, nearly_full):
    auth = {"Authorization": f"Bearer {server.admin_key}"}
    uploads = server.home / "uploads"
    files_before = sorted(p.name for p in uploads.rglob("*")) if uploads.exists() else []
    sessions_before = bay.list(status="all").total_count
    with new_session(bay) as s:  # a session made while there was room
        nearly_full()
        with pytest.raises(APIError) as refused:
            bay.create(CreateSessionParams())
        r = refused.value
        assert r.status == 507 and r.code == "insufficient_storage"
        assert "OPENBAY_MIN_FREE_DISK_MB" in r.message and "MB free" in r.message
        raw = httpx.post(f"{server.base_url}/v1/sessions", json={}, headers=auth)
        assert raw.status_code == 507 and raw.json()["error"]["code"] == "insufficient_storage"
        # an attachment upload: refused, no file (not even a partial one) left in the store
        up = httpx.post(f"{server.base_url}/v1/uploads", params={"file_name": "a.txt"}, content=b"x" * 100_000,
                        headers=auth)
        assert up.status_code == 507
        # a file into the running session: refused, nothing written there either
        put = httpx.put(f"{server.base_url}/v1/sessions/{s.session_id}/files/content",
                        params={"path": "/home/user/big.bin"}, content=b"y" * 100_000, headers=auth)
        assert put.status_code == 507
        assert s.command.execute_command("ls /home/user/big.bin").exit_code != 0
        # what runs keeps running: commands and reads do not need new space
        assert s.command.execute_command("echo still here").output == "still here\n"
    assert bay.list(status="all").total_count == sessions_before + 1  # only the one made before
    files_after = sorted(p.name for p in uploads.rglob("*")) if uploads.exists() else []
    assert files_after == files_before

