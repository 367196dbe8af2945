"""Sessions across restarts and replicas: reattaching the sandboxes a previous run left (or
another replica holds), letting go of them at shutdown, and keeping in step with the other
replicas on one store. A part of SessionService (its base), apart for size."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime

from openbay.protocol import ErrorCode, SessionStatus
from openbay.sandbox import Sandbox, SandboxError
from openbay.sandbox.backend import Reattach
from openbay.store.tables import SessionRow, utcnow

from ..errors import ApiError, not_found

log = logging.getLogger("openbay.sessions")
PAUSED = SessionStatus.PAUSED.value


@dataclass
class LiveSession:
    row: SessionRow
    sandbox: Sandbox
    persisted_at: datetime
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # pause and resume, one at a time
    kind: str = ""  # the built-in image the session's image descends from
    image_ref: str = ""  # the image store's name of it (templates: "<owner>/<name>")


class SessionHandover:
    """SessionService's handover part; the attributes are SessionService's (see its __init__)."""
    live: dict[str, LiveSession]
    replicated: bool
    held: dict[str, str]  # replicas: session id -> owner, of sessions another live replica holds
    unreachable: set[str]  # of those: the ones whose sandbox the backend could not tell of (its API down)

    async def recover(self, cleanup: bool = True) -> list[str]:
        """At startup: reattach every sandbox the store lists that is still alive (and proves it);
        mark dead, with the reason, only the sessions whose sandbox really died. The ids marked dead.
        `cleanup`: remove the sandboxes no session is for (not while other replicas run: theirs)."""
        reattach = self.abilities.get(Reattach)
        if reattach is None and self.replicated:  # the other replicas' sessions, which it cannot check
            return []
        rows = await self.repo.live_rows()
        gate = asyncio.Semaphore(32)  # envd answers in parallel; 200 sandboxes in well under 2 s

        async def one(row: SessionRow):
            async with gate:
                return row, (await reattach.reattach(row.id) if reattach is not None else None)

        dead = []
        for row, sandbox in await asyncio.gather(*(one(r) for r in rows)):
            if sandbox is None and await self._held_elsewhere(row):
                continue  # another live replica runs it where this one cannot see
            if sandbox is None:
                await self.repo.end(row.id, SessionStatus.DEAD.value,
                                    "its sandbox was gone when the server restarted")
                dead.append(row.id)
                continue
            self.live[row.id] = LiveSession(row, sandbox, utcnow(),
                                            kind=self.images.kind_of(row.owner_id, row.image_id),
                                            image_ref=self.images.ref_of(row.owner_id, row.image_id))
        if cleanup:
            await self.backend.cleanup_stale()
        return dead

    async def shutdown(self, stop_sandboxes: bool = False) -> None:
        """Server shutdown: by default sandboxes keep running for the next server to reattach."""
        reattach = self.abilities.get(Reattach)
        if not stop_sandboxes and reattach is not None:
            self.live.clear()
            await reattach.detach()
            return
        for session_id in list(self.live):
            await self.end(session_id, SessionStatus.DEAD, "server shut down")

    # -- replicas on one store -------------------------------------------------------------

    async def adopt(self, session_id: str) -> LiveSession | None:
        """Replicas: a live session another replica made (or had), taken in hand here by
        reattaching its sandbox (which proves its identity); None when it is not live. A sandbox
        that is gone marks its session dead, as at a restart."""
        live = self.live.get(session_id)
        if live is not None or not self.replicated:
            return live
        lock = self._adopting.setdefault(session_id, asyncio.Lock())
        try:
            async with lock:
                if session_id in self.live:
                    return self.live[session_id]
                self.held.pop(session_id, None)
                self.unreachable.discard(session_id)
                row = await self.repo.get(session_id)
                if row is None or row.status not in (SessionStatus.RUNNING.value, PAUSED):
                    return None
                reattach = self.abilities.get(Reattach)
                if reattach is None:  # this backend cannot take over a sandbox it did not start
                    return None
                try:
                    sandbox = await reattach.reattach(session_id)
                except SandboxError as e:  # not dead, not here: its owner's calls answer 503, others 404
                    log.warning("session %s not taken over: %s", session_id, e)
                    self.held[session_id] = row.owner_id
                    self.unreachable.add(session_id)
                    return None
                if sandbox is None and await self._held_elsewhere(row):
                    self.held[session_id] = row.owner_id  # its owner's calls that need the sandbox: 503
                    return None
                if sandbox is None:  # gone for every replica: the one that held it is gone too
                    if await self.repo.end(session_id, SessionStatus.DEAD.value,
                                           "its sandbox was gone for every server replica"):
                        await self._announce(session_id)
                    return None
                live = self.live[session_id] = LiveSession(
                    row, sandbox, utcnow(), kind=self.images.kind_of(row.owner_id, row.image_id),
                    image_ref=self.images.ref_of(row.owner_id, row.image_id))
                return live
        finally:
            if not lock.locked():
                self._adopting.pop(session_id, None)

    def not_here(self, owner_id: str, session_id: str) -> ApiError:
        """Why a session of this owner is not in hand here: held by another replica or behind a
        backend that cannot be reached now (503, only to its owner: nobody learns of another
        owner's sessions), or not running (404)."""
        if self.held.get(session_id) == owner_id and session_id in self.unreachable:
            return ApiError(ErrorCode.UNAVAILABLE, "the sandbox backend cannot be reached now; try again shortly",
                            headers={"Retry-After": "1"})
        if self.held.get(session_id) == owner_id:
            return ApiError(ErrorCode.HELD_ELSEWHERE, f"session {session_id!r} runs on another server replica "
                            "whose sandboxes this one cannot reach; retry (through that replica)",
                            headers={"Retry-After": "1"})
        return not_found("running session", session_id)

    async def _held_elsewhere(self, row: SessionRow) -> bool:
        """Replicas: the sandbox this replica could not find is held by another that is alive."""
        return (self.holder_alive is not None and row.holder is not None and row.holder != self.replica_id
                and await self.holder_alive(row.holder))

    async def refresh(self, session_id: str) -> None:
        """Another replica changed the session: take its row as the store has it now; one that
        ended is let go here (the replica that ended it stopped its sandbox)."""
        live = self.live.get(session_id)
        if live is None:
            return
        row = await self.repo.get(session_id)
        if row is None or row.status not in (SessionStatus.RUNNING.value, PAUSED):
            if self.live.get(session_id) is live:
                self.live.pop(session_id)
                self._let_go(session_id)
            return
        self._merged(live, row)

    @staticmethod
    def _merged(live: LiveSession, row: SessionRow) -> SessionRow:
        """The store's row of a live session, with its use here since it was last written."""
        if live.row.expires_at > row.expires_at:
            row.last_active_at, row.expires_at = live.row.last_active_at, live.row.expires_at
        live.row = row
        return row

    def _let_go(self, session_id: str) -> None:
        if (reattach := self.abilities.get(Reattach)) is not None:
            reattach.forget(session_id)

    async def _announce(self, session_id: str) -> None:
        if self.announce is not None:
            try:
                await self.announce(session_id)
            except Exception as e:  # the others read it from the store the next time they look
                log.warning("could not tell the other replicas about session %s: %s", session_id, e)
