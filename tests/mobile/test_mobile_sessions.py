"""Mobile sessions: bound to an adb device; without one, create fails at once and says how to attach."""
import asyncio
import tempfile
from pathlib import Path

import httpx
import pytest

from openbay import CreateSessionParams
from openbay.sandbox.android.adb import AdbClient
from tests.helpers.errors import raised
from tests.helpers.server import thread_server

from .test_adb_layer import free_port, pytestmark  # noqa: F401 (skip without adb)


def test_no_device_configured_fails_at_once_with_how_to_attach(server):
    if server.services.mobile.serials:
        pytest.skip("this machine has OPENBAY_ADB_SERIAL set")
    bay = server.client()
    try:
        result = raised(lambda: bay.create(CreateSessionParams(image_id="mobile", labels={"kind": "phone"})))
        assert result.code == "unavailable"
        assert "OPENBAY_ADB_SERIAL" in result.message and "adb devices" in result.message
        assert bay.list(labels={"kind": "phone"}).sessions == []  # nothing half-made is left
    finally:
        bay.close()


def test_a_configured_device_that_is_not_attached_fails_at_once():
    client = AdbClient(port=free_port())
    asyncio.run(client.run(["start-server"], timeout_s=30))
    try:
        home = Path(tempfile.mkdtemp(prefix="obtest-mobile-"))
        with thread_server(home, adb_serial="emulator-5554, emulator-5556",
                           adb_server_port=client.port) as srv:
            bay = srv.client()
            result = raised(lambda: bay.create(CreateSessionParams(image_id="mobile")))
            assert result.code == "unavailable"
            assert "emulator-5554" in result.message and "emulator-5556" in result.message
            assert "not found" in result.message and "OPENBAY_ADB_SERIAL" in result.message
            # other images are not held up by the missing device
            linux = bay.create()
            linux.session.delete()
            bay.close()
    finally:
        asyncio.run(client.kill_server())


def test_a_session_without_a_device_has_no_mobile_api(server, session):
    tap = raised(lambda: session.mobile.tap(10, 10))
    assert tap.code == "conflict"  # the wrong kind of session
    assert "mobile" in tap.message
    # another owner cannot even learn that the session exists
    stranger = server.new_owner_key("mobile-stranger")
    r = httpx.post(f"{server.base_url}/v1/sessions/{session.session_id}/mobile/tap",
                   json={"x": 1, "y": 1}, headers={"Authorization": f"Bearer {stranger}"})
    assert r.status_code == 404
