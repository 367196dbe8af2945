"""What a tool works through: an AsyncOpenBay client and the sessions it has looked up.

A tool names its session by id; the first use of an id fetches it (which also checks
that the caller owns it), later uses reuse the Session object, so a `run_command`
costs one request to the server, not two.
"""
from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Annotated

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from openbay.sdk import AsyncOpenBay, AsyncSession, OpenBayError

MAX_SESSIONS_KEPT = 256


class Bay:
    def __init__(self, client: AsyncOpenBay):
        self.client = client
        self._sessions: OrderedDict[str, AsyncSession] = OrderedDict()

    async def session(self, session_id: str) -> AsyncSession:
        session = self._sessions.get(session_id)
        if session is not None:
            self._sessions.move_to_end(session_id)
            return session
        session = (await self.client.get(session_id)).session
        self._sessions[session_id] = session
        while len(self._sessions) > MAX_SESSIONS_KEPT:
            self._sessions.popitem(last=False)
        return session

    def forget(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    async def close(self) -> None:
        await self.client.close()


BayFor = Callable[[Context], Awaitable[Bay]]
SessionId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$",
                                 description="the session's id, as create_session or list_sessions gave it")]


def tool(server: MCPServer, name: str, description: str, **kwargs):
    """Register an async tool function; the SDK's exceptions (auth, transport, API)
    reach the client as tool errors with their reason."""
    def register(fn):
        @functools.wraps(fn)
        async def run(*args, **kw):
            try:
                return await fn(*args, **kw)
            except OpenBayError as e:
                raise ToolError(str(e)) from None
        kwargs.setdefault("structured_output", False)  # JSON text content: what every client reads
        server.add_tool(run, name=name, description=description, **kwargs)
        return fn
    return register
