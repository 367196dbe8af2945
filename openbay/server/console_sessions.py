"""Signed-in console visitors: a random cookie id mapped to who they are, kept in memory.

The cookie is HttpOnly and SameSite=Strict, so no script reads it and no other site's
page makes the browser send it. On top of that, a request that changes something must
carry the visit's CSRF token in a header (a script of our own pages reads it from
/console/api/me) and, like every WebSocket, come from our own origin. A visit that
came through a get_link() URL is scoped to that one session, and ends when that link does.
"""
from __future__ import annotations

import dataclasses
import hmac
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from .services.keys import Principal

COOKIE = "openbay_console"
CSRF_HEADER = "x-openbay-csrf"
VISIT_TTL_S = 12 * 3600
MAX_VISITS = 10_000
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass
class Visit:
    principal: Principal
    csrf: str
    expires: float
    scope: str | None = None  # a session id: the visitor came through that session's link


class ConsoleVisits:
    def __init__(self, ttl_s: float = VISIT_TTL_S):
        self.ttl_s = ttl_s
        self._visits: dict[str, Visit] = {}

    def open(self, principal: Principal, scope: str | None = None,
             until: float | None = None) -> tuple[str, Visit]:
        """A new visit; `until`: the end of the link that opened it (a visit never outlives it)."""
        self._forget_expired()
        visit_id = secrets.token_urlsafe(32)
        expires = time.time() + self.ttl_s if until is None else min(until, time.time() + self.ttl_s)
        visit = Visit(principal, secrets.token_urlsafe(24), expires, scope)
        self._visits[visit_id] = visit
        return visit_id, visit

    def get(self, visit_id: str) -> Visit | None:
        visit = self._visits.get(visit_id) if visit_id else None
        if visit is None or visit.expires < time.time():
            return None
        return visit

    def close(self, visit_id: str) -> None:
        self._visits.pop(visit_id, None)

    def update_key(self, key_id: str, max_sessions: int | None) -> None:
        """A key's quota changed: its visitors act under the new one."""
        for visit in self._visits.values():
            if visit.principal.key_id == key_id:
                visit.principal = dataclasses.replace(visit.principal, max_sessions=max_sessions)

    def close_key(self, key_id: str) -> None:
        """A revoked key signs its visitors out."""
        self._visits = {k: v for k, v in self._visits.items() if v.principal.key_id != key_id}

    def _forget_expired(self) -> None:
        now = time.time()
        if len(self._visits) >= MAX_VISITS // 2:
            self._visits = {k: v for k, v in self._visits.items() if v.expires >= now}
        while len(self._visits) >= MAX_VISITS:  # the oldest go first
            self._visits.pop(next(iter(self._visits)))


def same_origin(conn: HTTPConnection) -> bool:
    """The Origin (or, lacking it, the Referer) names this server's host."""
    origin = conn.headers.get("origin") or conn.headers.get("referer") or ""
    if not origin:
        return False
    return urlsplit(origin).netloc == conn.headers.get("host", "")


def visit_of(conn: HTTPConnection) -> Visit | None:
    """The console visit behind this request's cookie, when the request may act as it."""
    visits: ConsoleVisits = conn.app.state.services.console_visits
    visit = visits.get(conn.cookies.get(COOKIE, ""))
    if visit is None:
        return None
    if conn.scope["type"] == "websocket" or conn.scope.get("method") not in SAFE_METHODS:
        if not same_origin(conn):
            return None
        if conn.scope["type"] != "websocket" and not hmac.compare_digest(
                conn.headers.get(CSRF_HEADER, ""), visit.csrf):
            return None
    if visit.scope is not None and not _in_scope(conn.scope["path"], visit.scope):
        return None
    return visit


def _in_scope(path: str, session_id: str) -> bool:
    prefix = f"/v1/sessions/{session_id}"
    return path == prefix or path.startswith(prefix + "/")
