"""Who may use an E2B sandbox on OpenBay.

The control plane takes the caller's OpenBay key as E2B's SDK sends it (`X-API-KEY`). The
data plane (envd's RPC and file routes, the code interpreter) takes the sandbox's access
token, which the create and connect answers hand out as E2B's `envdAccessToken` and
`trafficAccessToken`: an HMAC of the session id under the server's link secret, so any
replica can check it and none needs to store it.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time

from fastapi import Request

from openbay.server.auth import bearer_secret, principal_for
from openbay.server.links import load_secret
from openbay.server.services.keys import Principal

_PURPOSE = b"e2b-sandbox-access|"


def _secret(app) -> bytes:
    secret = getattr(app.state, "e2b_secret", None)
    if secret is None:
        secret = app.state.e2b_secret = load_secret(app.state.settings.home)
    return secret


def access_token(app, session_id: str) -> str:
    return hmac.new(_secret(app), _PURPOSE + session_id.encode(), hashlib.sha256).hexdigest()


def token_matches(app, session_id: str, token: str) -> bool:
    return bool(token) and hmac.compare_digest(token, access_token(app, session_id))


def signature_matches(app, session_id: str, query: dict[str, str], operation: str) -> bool:
    """E2B's signed file URLs (`download_url`/`upload_url`): v1_ + sha256 of
    path:operation:user:token[:expiration], base64 without padding."""
    given, expiration = query.get("signature", ""), query.get("signature_expiration", "")
    if not given.startswith("v1_"):
        return False
    if expiration and (not expiration.isdigit() or int(expiration) < time.time()):
        return False
    raw = f"{query.get('path', '')}:{operation}:{query.get('username', '')}:{access_token(app, session_id)}"
    if expiration:
        raw += f":{expiration}"
    digest = base64.b64encode(hashlib.sha256(raw.encode()).digest()).decode().rstrip("=")
    return hmac.compare_digest(given, "v1_" + digest)


def owner_principal(owner_id: str) -> Principal:
    """The sandbox's owner, as the data plane acts for it: the token proved the owner made it."""
    return Principal(owner_id=owner_id, key_id="", name="e2b access token", admin=False)


async def control_principal(request: Request) -> Principal:
    secret = request.headers.get("x-api-key", "") or bearer_secret(request.headers.get("authorization", ""))
    return await principal_for(request, secret)
