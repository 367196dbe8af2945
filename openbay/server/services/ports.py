"""Ports inside sessions reached through the server: which ports an owner opened, the signed
links to them, who may pass, and the envd channels that carry the traffic.

Only ports the owner asked for (a link or `expose`) are reachable. A private port needs a
link token (bound to session, port and owner; from the URL or the cookie the first visit
sets) or the owner's API key; a public one needs nothing. Ending a session, or unexposing
a port, closes every connection through it at once.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

from openbay.protocol import ErrorCode
from openbay.protocol.ports import ExposedPort
from openbay.sandbox.envd.channel import EnvdChannel, open_channel
from openbay.sandbox.envd.client import EnvdError
from openbay.store.network_repository import NetworkRepository

from ..auth import authenticate, bearer_secret, client_of
from ..errors import ApiError
from ..link_origins import LinkOrigins
from ..links import LinkSigner
from .keys import Principal
from .sessions import SessionService

LINK_PURPOSE = "port"
TOKEN_NAME = "openbay_token"  # query parameter and cookie; apps keep `token` for themselves
OPEN_TIMEOUT_S = 10.0  # a sandbox that cannot answer (frozen, overloaded) must not hold the client forever


def check_port(port: int) -> int:
    if not 1 <= port <= 65535:
        raise ApiError(ErrorCode.VALIDATION, f"port {port} is out of range: a port is 1 to 65535")
    return port


def _port_op(port: int, first: bytes) -> dict:
    # a whole request goes with the op, and envd's "ok" comes with the answer's first bytes
    return {"op": "port", "port": port, **({"ok_with_answer": True} if first else {})}


@dataclass
class Access:
    """Who passed, and the cookie to set when the token came in the URL."""
    owner_id: str
    token: str = ""


@dataclass
class _SessionPorts:
    public: dict[int, bool] = field(default_factory=dict)  # exposed port -> public
    open: set[tuple[int, EnvdChannel]] = field(default_factory=set)


class PortService:
    def __init__(self, sessions: SessionService, signer: LinkSigner, origins: LinkOrigins,
                 repo: NetworkRepository | None = None):
        self.sessions = sessions
        self.repo = repo  # keeps exposed ports for a restarted server that reattaches its sessions
        self.signer = signer
        self.origins = origins
        self._ports: dict[str, _SessionPorts] = {}

    # -- what the owner opened ------------------------------------------------------------
    async def restore(self) -> None:
        """At startup: the exposed ports of the sessions the server reattached."""
        if self.repo is None:
            return
        for row in await self.repo.ports(list(self.sessions.live)):
            self._ports.setdefault(row.session_id, _SessionPorts()).public[row.port] = row.public

    async def _record(self, session_id: str, port: int, public: bool | None) -> None:
        if self.repo is not None:
            await self.repo.set_port(session_id, port, public)

    def listed(self, session_id: str) -> list[ExposedPort]:
        ports = self._ports.get(session_id)
        return [ExposedPort(port=p, public=pub, url=self.origins.url(session_id, p))
                for p, pub in sorted(ports.public.items())] if ports else []

    async def expose(self, who: Principal, session_id: str, port: int, public: bool) -> ExposedPort:
        await self.sessions.require_running(who, session_id)
        self._ports.setdefault(session_id, _SessionPorts()).public[check_port(port)] = public
        await self._record(session_id, port, public)
        return ExposedPort(port=port, public=public, url=self.origins.url(session_id, port))

    async def unexpose(self, who: Principal, session_id: str, port: int) -> list[ExposedPort]:
        await self.sessions.require_running(who, session_id)
        ports = self._ports.get(session_id)
        if ports is None or ports.public.pop(check_port(port), None) is None:
            raise ApiError(ErrorCode.NOT_FOUND, f"port {port} of session {session_id!r} is not exposed")
        await self._record(session_id, port, None)
        await self._close(ports, lambda p: p == port)
        return self.listed(session_id)

    async def link(self, who: Principal, session_id: str, port: int, ttl_s: int, websocket: bool) -> str:
        """A URL for the port that works for ttl_s without the API key; opens the port (private)
        unless the owner opened it already."""
        await self.sessions.require_running(who, session_id)
        exposed = self._ports.setdefault(session_id, _SessionPorts()).public
        if check_port(port) not in exposed:
            exposed[port] = False
            await self._record(session_id, port, False)
        token = self.sign(session_id, port, who.owner_id, ttl_s)
        url = f"{self.origins.url(session_id, port)}?{TOKEN_NAME}={token}"
        return url.replace("http", "ws", 1) if websocket else url

    def sign(self, session_id: str, port: int, owner_id: str, ttl_s: int) -> str:
        return self.signer.sign(f"{session_id}|{port}|{owner_id}", LINK_PURPOSE, ttl_s)

    # -- who may pass ---------------------------------------------------------------------
    async def authorize(self, conn: HTTPConnection, session_id: str, port: int) -> Access:
        check_port(port)
        given = conn.query_params.get(TOKEN_NAME, "")
        token = given or conn.cookies.get(TOKEN_NAME, "")
        live = self.sessions.live.get(session_id)
        if live is None:
            await self._refuse_ended(session_id, port, token)
        owner = live.row.owner_id
        ports = self._ports.get(session_id)
        public = ports.public.get(port) if ports else None
        if public:
            return Access(owner)
        if not (token and self._valid(token, session_id, port, owner)) and not await self._is_owner(conn, owner):
            raise ApiError(ErrorCode.FORBIDDEN, "this link needs a valid token for this session and port "
                           "(ask for one with session.get_link(port=...)); it may have expired")
        if public is None:
            raise ApiError(ErrorCode.FORBIDDEN, f"port {port} of session {session_id!r} is not exposed; "
                           "session.get_link(port=...) or session.expose_port(...) opens it")
        return Access(owner, given if given and self._valid(given, session_id, port, owner) else "")

    def _valid(self, token: str, session_id: str, port: int, owner_id: str) -> bool:
        return self.signer.verify(token, f"{session_id}|{port}|{owner_id}", LINK_PURPOSE)

    async def _is_owner(self, conn: HTTPConnection, owner_id: str) -> bool:
        secret = bearer_secret(conn.headers.get("authorization", ""))
        who = await authenticate(conn.app, secret, client_of(conn)) if secret else None  # the owner's key: no token
        return who is not None and who.owner_id == owner_id

    async def _refuse_ended(self, session_id: str, port: int, token: str) -> None:
        row = await self.sessions.repo.get(session_id)
        if row is not None and token and self._valid(token, session_id, port, row.owner_id):
            raise ApiError(ErrorCode.GONE, f"session {session_id!r} has ended ({row.status}); its links are closed")
        raise ApiError(ErrorCode.FORBIDDEN, "this link needs a valid token for a running session")

    def cookie(self, response_headers: list, path: str, token: str) -> None:
        """Set-Cookie for the link's host (and path), so the app's own assets and XHRs pass too."""
        expires, _, _ = token.partition(".")
        max_age = max(0, int(expires) - int(time.time()))
        secure = "; Secure" if (self.origins.scheme or self.origins.public_url).startswith("https") else ""
        value = (f"{TOKEN_NAME}={token}; Path={path}; Max-Age={max_age}; "
                 f"HttpOnly; SameSite=Lax{secure}")
        response_headers.append((b"set-cookie", value.encode()))

    # -- the connections --------------------------------------------------------------------
    async def open(self, access: Access, session_id: str, port: int, first: bytes = b"") -> EnvdChannel:
        """A TCP connection to the port inside the session (`first`: what to send at once);
        502 when nothing listens there."""
        sandbox = self.touch(access, session_id)
        try:
            channel = await asyncio.wait_for(open_channel(sandbox.envd, _port_op(port, first), first),
                                             OPEN_TIMEOUT_S)
        except asyncio.TimeoutError:
            raise ApiError(ErrorCode.SANDBOX_ERROR, f"session {session_id!r} did not answer within "
                           f"{OPEN_TIMEOUT_S:g} s") from None
        except EnvdError as e:
            if e.code == "port_closed":
                raise ApiError(ErrorCode.SANDBOX_ERROR, f"nothing listens on port {port} in session "
                               f"{session_id!r}; start the server inside the session first") from None
            raise ApiError(ErrorCode.SANDBOX_ERROR, f"session {session_id!r} is not reachable: {e}") from None
        ports = self._ports.get(session_id)
        if ports is None or port not in ports.public:  # closed while the channel opened
            await channel.close()
            raise ApiError(ErrorCode.GONE, f"port {port} of session {session_id!r} was just closed")
        ports.open.add((port, channel))
        return channel

    def touch(self, access: Access, session_id: str):
        """The session's sandbox; traffic through a link keeps the session alive."""
        return self.sessions.sandbox(Principal(access.owner_id, key_id="", name="link", admin=False), session_id)

    def release(self, session_id: str, port: int, channel: EnvdChannel) -> None:
        ports = self._ports.get(session_id)
        if ports is not None:
            ports.open.discard((port, channel))

    async def _close(self, ports: _SessionPorts, which) -> None:
        for item in [i for i in ports.open if which(i[0])]:
            ports.open.discard(item)
            await item[1].close()

    async def session_ending(self, session_id: str, _sandbox) -> None:
        ports = self._ports.pop(session_id, None)
        if ports is not None:
            await self._close(ports, lambda _: True)
            if self.repo is not None:
                await self.repo.forget_ports(session_id)
