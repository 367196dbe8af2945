"""PostgreSQL LISTEN/NOTIFY on one dedicated connection: how server replicas on one database
tell each other what happened (a task's event, a session that changed) without a server of
its own. A notification is at most NOTIFY_MAX bytes; callers send bigger things by reference."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # asyncpg comes with the postgres extra, needed only with PostgreSQL
    import asyncpg

log = logging.getLogger("openbay.store")
NOTIFY_MAX = 7900  # PostgreSQL's limit is 8000 bytes per payload
RECONNECT_S = 1.0


def asyncpg_dsn(url: str) -> str:
    """The libpq form of a SQLAlchemy PostgreSQL URL."""
    for prefix in ("postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url.removeprefix(prefix)
    return url


class PgNotifier:
    """LISTENs on channels and NOTIFYs on them; reconnects (and listens again) when the
    connection drops. Callbacks run in the event loop with the payload text."""

    def __init__(self, url: str):
        self.dsn = asyncpg_dsn(url)
        self._listeners: dict[str, list[Callable[[str], None]]] = {}
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()  # one statement at a time on the connection
        self._closed = False

    async def start(self) -> None:
        await self._connect()

    async def _connect(self) -> None:
        import asyncpg
        conn = await asyncpg.connect(self.dsn)
        conn.add_termination_listener(self._lost)
        for channel in self._listeners:
            await conn.add_listener(channel, self._deliver)
        self._conn = conn

    def _lost(self, _conn) -> None:
        if not self._closed:
            log.warning("the LISTEN connection to PostgreSQL dropped; reconnecting")
            self._conn = None
            asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        import asyncpg
        while not self._closed and self._conn is None:
            try:
                async with self._lock:
                    await self._connect()
            except (OSError, asyncpg.PostgresError) as e:
                log.warning("PostgreSQL is not reachable for LISTEN (%s); retrying", e)
                await asyncio.sleep(RECONNECT_S)

    def _deliver(self, _conn, _pid, channel: str, payload: str) -> None:
        for callback in self._listeners.get(channel, ()):
            try:
                callback(payload)
            except Exception:
                log.exception("a %s notification could not be handled", channel)

    async def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        first = channel not in self._listeners
        self._listeners.setdefault(channel, []).append(callback)
        if first and self._conn is not None:
            async with self._lock:
                await self._conn.add_listener(channel, self._deliver)

    async def notify(self, channel: str, payload: str) -> None:
        """Send to every replica (this one included); lost, with a warning, while disconnected."""
        if len(payload.encode()) > NOTIFY_MAX:
            raise ValueError(f"a notification is at most {NOTIFY_MAX} bytes")
        conn = self._conn
        if conn is None:
            log.warning("not connected to PostgreSQL: a %s notification is lost", channel)
            return
        async with self._lock:
            await conn.execute("SELECT pg_notify($1, $2)", channel, payload)

    async def close(self) -> None:
        self._closed = True
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
