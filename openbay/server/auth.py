"""Who is asking: the Bearer key on every request, resolved to a Principal."""
import math

from fastapi import Depends, Request

from openbay.protocol import ErrorCode

from .console_sessions import COOKIE, visit_of
from .errors import ApiError
from .services.keys import Principal

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def bearer_secret(authorization: str) -> str:
    scheme, _, secret = authorization.partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def throttled(wait: float) -> ApiError:
    return ApiError(ErrorCode.RATE_LIMITED, f"too many failed sign-ins; retry in {math.ceil(wait)} s",
                    {"Retry-After": str(math.ceil(wait))})


async def authenticate(request_app, secret: str, client: str = "") -> Principal | None:
    """The key's principal, or None (counted against the client and the key's prefix); 429
    when either has failed too often of late."""
    throttle = request_app.state.services.auth_throttle
    wait = throttle.wait(client, secret)
    if wait:
        raise throttled(wait)
    principal = await request_app.state.services.keys.authenticate(secret)
    if principal is None:
        throttle.failed(client, secret)
    return principal


async def principal_for(conn, secret: str) -> Principal:
    """The key's principal for a request or WebSocket; bad keys count against its client address."""
    if not secret:
        raise ApiError(ErrorCode.UNAUTHORIZED, "missing API key: send 'Authorization: Bearer ob_...'",
                       _CHALLENGE)
    principal = await authenticate(conn.app, secret, client_of(conn))
    if principal is None:
        raise ApiError(ErrorCode.UNAUTHORIZED, "invalid or revoked API key", _CHALLENGE)
    wait = conn.app.state.services.rate_limiter.check(principal.key_id)
    if wait:
        raise ApiError(ErrorCode.RATE_LIMITED, f"too many requests; retry in {wait:.2f} s",
                       {"Retry-After": str(math.ceil(wait))})
    return principal


async def require_principal(request: Request) -> Principal:
    """The Bearer key; without one, a signed-in console visit (cookie, CSRF header, same origin)."""
    secret = bearer_secret(request.headers.get("authorization", ""))
    if not secret and COOKIE in request.cookies:
        visit = visit_of(request)
        if visit is None:
            raise ApiError(ErrorCode.UNAUTHORIZED, "the console visit is signed out, expired, or this "
                           "request lacks its CSRF header or comes from another origin")
        return visit.principal
    return await principal_for(request, secret)


def client_of(conn) -> str:
    return conn.client.host if conn.client else ""


async def require_admin(principal: Principal = Depends(require_principal)) -> Principal:
    if not principal.admin:
        raise ApiError(ErrorCode.FORBIDDEN, "this needs an admin key")
    return principal
