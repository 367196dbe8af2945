"""Sessions that sleep and sessions that end on their own: pause and resume (processes frozen,
memory kept), and the reaper (idle sessions paused or ended, dead sandboxes noticed, kept disks
past their grace forgotten). A part of SessionService (a base), apart for size."""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from openbay.protocol import ErrorCode, SessionStatus
from openbay.sandbox import SandboxError
from openbay.sandbox.backend import KeptDisks, Pausable
from openbay.store.tables import SessionRow, utcnow

from ..errors import ApiError
from .keys import Principal
from .session_handover import PAUSED, LiveSession

log = logging.getLogger("openbay.sessions")


class SessionPausing:
    """SessionService's pause and reaping part; the attributes are SessionService's (see its __init__)."""
    live: dict[str, LiveSession]
    replicated: bool
    max_paused_s: float
    dead_grace_s: float

    async def pause(self, who: Principal, session_id: str) -> SessionRow:
        """Freeze every process of the session (memory kept, no CPU); it does not expire while
        paused, up to max_paused_s. Pausing a paused session changes nothing."""
        live = self._live_of(who, session_id)
        if live.row.status != PAUSED:
            await self._freeze(live)
        return live.row

    async def resume(self, who: Principal, session_id: str) -> SessionRow:
        """Thaw a paused session; its idle timeout starts again. A running one is left as it is."""
        live = self._live_of(who, session_id)
        async with live.lock:
            if live.row.status == PAUSED:
                await self._thaw(session_id)
                now = utcnow()
                live.row.status, live.row.paused_at = SessionStatus.RUNNING.value, None
                live.row.last_active_at, live.row.expires_at = now, now + timedelta(seconds=live.row.timeout_s)
                live.persisted_at = now
                await self.repo.set_paused(session_id, None, live.row.last_active_at, live.row.expires_at)
                await self._announce(session_id)
                self.metrics.count("sessions_resumed")
                log.info("session resumed", extra={"fields": {"session_id": session_id}})
        return live.row

    async def _freeze(self, live: LiveSession) -> None:
        async with live.lock:
            if live.row.status == PAUSED:
                return
            pausable = self.abilities.require(Pausable, "pause sessions")
            await self._sandbox_call("pause", live.row.id, pausable.pause(live.row.id))
            live.row.status, live.row.paused_at = PAUSED, utcnow()
            await self.repo.set_paused(live.row.id, live.row.paused_at, live.row.last_active_at,
                                       live.row.expires_at)
            await self._announce(live.row.id)
            self.metrics.count("sessions_paused")
            log.info("session paused", extra={"fields": {"session_id": live.row.id}})

    async def _thaw(self, session_id: str) -> None:
        pausable = self.abilities.require(Pausable, "resume sessions")
        await self._sandbox_call("resume", session_id, pausable.resume(session_id))

    @staticmethod
    async def _sandbox_call(doing: str, session_id: str, call) -> None:
        try:
            await call
        except SandboxError as e:
            raise ApiError(ErrorCode.SANDBOX_ERROR, f"could not {doing} session {session_id!r}: {e}") from None

    async def reap_once(self) -> list[str]:
        """End sessions past their idle lifetime and sessions whose sandbox died; forget the
        kept disks of dead sessions past their grace period."""
        if (kept_disks := self.abilities.get(KeptDisks)) is not None:
            await asyncio.to_thread(kept_disks.sweep_kept, self.dead_grace_s)
        now = utcnow()
        ended = []
        if self.replicated:  # sessions no replica has in hand (theirs died) are reaped as well
            for session_id in await self.repo.due(now, now - timedelta(seconds=self.max_paused_s)):
                await self.adopt(session_id)  # one held by a live replica stays that one's to reap
        for session_id, live in list(self.live.items()):
            if not self.backend.is_alive(session_id):
                await self.end(session_id, SessionStatus.DEAD, "sandbox exited")
            elif live.row.status == PAUSED:
                if (now - live.row.paused_at).total_seconds() < self.max_paused_s:
                    continue
                await self.end(session_id, SessionStatus.EXPIRED,
                               f"paused longer than max_paused_s ({self.max_paused_s:g}s)")
            elif live.row.expires_at <= now:
                if live.row.on_idle == "pause" and await self._pause_idle(live):
                    continue
                await self.end(session_id, SessionStatus.EXPIRED, "idle past its timeout", idle_at=now)
                if session_id in self.live:  # another replica had it in use: not idle
                    continue
            else:
                continue
            ended.append(session_id)
        return ended

    async def _pause_idle(self, live: LiveSession) -> bool:
        """lifecycle.on_idle == "pause": pause instead of ending; False when the backend cannot."""
        try:
            await self._freeze(live)
            return True
        except ApiError as e:
            log.warning("could not pause idle session %s, ending it: %s", live.row.id, e.message)
            return False

    async def reap_forever(self, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.reap_once()
            except Exception:
                log.exception("reaper pass failed")
