"""A replica whose sandbox backend cannot be reached (a Kubernetes API that is down) answers a
request for another replica's session with 503 to retry, never a bare 500, and says nothing of
the session before any key is checked. The backend is a stand-in here: what it stands for is an
API server that does not answer, which cannot be arranged for a real one on this machine."""
from types import SimpleNamespace

import httpx
import pytest

from openbay.sandbox import SandboxError
from openbay.server.replicas import SessionAdoption


class _SessionsWhoseBackendIsDown:
    live: dict = {}

    async def adopt(self, session_id: str):
        raise SandboxError("the Kubernetes API at https://10.0.0.1 cannot be reached")


async def _app(scope, receive, send):  # the routes: never reached
    raise AssertionError("the request went on without its session")


@pytest.mark.asyncio
async def test_an_unreachable_backend_is_a_503_to_retry():
    state = SimpleNamespace(services=SimpleNamespace(sessions=_SessionsWhoseBackendIsDown()))
    transport = httpx.ASGITransport(app=SessionAdoption(_app, state=state))
    async with httpx.AsyncClient(transport=transport, base_url="http://replica") as client:
        r = await client.get("/v1/sessions/s-0123456789ab/files?path=/")
    assert r.status_code == 503
    error = r.json()["error"]
    assert error["code"] == "unavailable" and "try again" in error["message"]
    assert "10.0.0.1" not in r.text and "s-0123456789ab" not in r.text
