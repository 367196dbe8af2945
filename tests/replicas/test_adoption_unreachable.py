"""A replica whose sandbox backend cannot be reached (a Kubernetes API that is down) lets a
request for another replica's session go on to its key check: the session's owner gets 503 to
retry (never a bare 500), anyone else 404, and the session is not marked dead. The backend and
the store are stand-ins here: what they stand for is an API server that does not answer, which
cannot be arranged for a real one on this machine; the adoption, the answer and the middleware
are OpenBay's own."""
from types import SimpleNamespace

import httpx
import pytest

from openbay.protocol import ErrorCode, SessionStatus
from openbay.sandbox import SandboxError
from openbay.sandbox.backend import Reattach
from openbay.server.errors import ApiError, error_response
from openbay.server.replicas import SessionAdoption
from openbay.server.services.session_handover import SessionHandover

SID = "s-0123456789ab"
KEYS = {"key-of-a": "o-a", "key-of-b": "o-b"}


class _Rows:
    ended: list = []

    async def get(self, session_id):
        return SimpleNamespace(id=session_id, owner_id="o-a", status=SessionStatus.RUNNING.value, holder="r-1")

    async def end(self, *args):
        self.ended.append(args)
        return True


class _Sessions(SessionHandover):
    def __init__(self):
        self.live, self.held, self.unreachable, self._adopting = {}, {}, set(), {}
        self.replicated, self.repo = True, _Rows()
        self.abilities = SimpleNamespace(get=lambda ability: self if ability is Reattach else None)

    async def reattach(self, session_id):
        raise SandboxError("the Kubernetes API at https://10.0.0.1 cannot be reached")


def _routes(sessions):
    async def app(scope, receive, send):  # what every session route does: the key, then the session
        auth = dict(scope["headers"]).get(b"authorization", b"").decode().removeprefix("Bearer ")
        if auth not in KEYS:
            return await error_response(ErrorCode.UNAUTHORIZED, "a valid key is needed")(scope, receive, send)
        e: ApiError = sessions.not_here(KEYS[auth], SID)
        await error_response(e.code, e.message, headers=e.headers)(scope, receive, send)
    return app


@pytest.mark.asyncio
async def test_an_unreachable_backend_is_a_503_to_its_owner_only_after_the_key():
    sessions = _Sessions()
    state = SimpleNamespace(services=SimpleNamespace(sessions=sessions))
    adoption = SessionAdoption(_routes(sessions))

    async def app(scope, receive, send):  # Starlette puts the app, with its state, in every scope
        await adoption({**scope, "app": SimpleNamespace(state=state)}, receive, send)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://replica") as client:
        url = f"/v1/sessions/{SID}/files?path=/"
        anonymous = await client.get(url)
        owner = await client.get(url, headers={"Authorization": "Bearer key-of-a"})
        other = await client.get(url, headers={"Authorization": "Bearer key-of-b"})
    assert anonymous.status_code == 401  # nothing about the session before a key
    assert other.status_code == 404
    assert owner.status_code == 503 and owner.headers["retry-after"] == "1"
    error = owner.json()["error"]
    assert error["code"] == "unavailable" and "try again" in error["message"]
    assert "10.0.0.1" not in owner.text
    assert _Rows.ended == []  # not dead: the backend could not tell
