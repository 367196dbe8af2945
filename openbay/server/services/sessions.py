"""Sessions: their lifecycle in the store and in the sandbox backend.

A running session lives in two places: its row (the truth for list/info) and
`live` (owner and sandbox, so the hot paths such as commands never touch the
store). Activity is written back at most every few seconds.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from openbay.protocol import (
    CreateSessionParams,
    ErrorCode,
    SessionInfo,
    SessionLifecycle,
    SessionMetrics,
    SessionStatus,
)
from openbay.protocol.network import NetworkPolicyParams
from openbay.sandbox import ResourceLimits, Sandbox, SandboxError, SandboxFull, SandboxSpec
from openbay.sandbox.backend import (
    DiskUsage,
    KeptDisks,
    OomReports,
    human_bytes,
)
from openbay.store import SessionRepository
from openbay.store.tables import SessionRow, utcnow

from ..abilities import BackendAbilities
from ..errors import ApiError, not_found
from ..metrics import Metrics
from ..request_context import auto_resume_allowed
from .keys import Principal
from .network_policies import backend_policy
from .session_handover import PAUSED, LiveSession, SessionHandover
from .session_metrics import sandbox_metrics
from .session_pausing import SessionPausing

log = logging.getLogger("openbay.sessions")
TOUCH_PERSIST_S = 5.0
MAX_PAGE = 100
DEFAULT_MAX_PAUSED_S = 7 * 86400


@dataclass(frozen=True)
class DiskSettings:
    """Each session's disk quota: a default, and the most an owner may ask for."""
    default_mb: int = 10 * 1024
    max_mb: int = 100 * 1024

    def bytes_for(self, asked_mb: int | None) -> int:
        mb = self.default_mb if asked_mb is None else asked_mb
        if mb > self.max_mb:
            raise ApiError(ErrorCode.VALIDATION, f"disk_quota_mb {mb} is over this server's maximum of "
                           f"{self.max_mb} MB")
        return mb * 1024 * 1024


def _token(seq: int) -> str:
    return str(seq)  # the list is newest first: the next page starts below this seq


class SessionService(SessionPausing, SessionHandover):
    def __init__(self, repo: SessionRepository, abilities: BackendAbilities, *, limits: ResourceLimits,
                 max_per_owner: int, public_url: str, metrics: Metrics, images=None,
                 disk: DiskSettings | None = None, dead_grace_s: float = 86400.0,
                 max_paused_s: float = DEFAULT_MAX_PAUSED_S, contexts=None, preflight: dict | None = None,
                 network_policies=None, disk_guard=None, pools: dict | None = None,
                 exposed_ports: Callable[[str], list] | None = None, before_end: Callable | None = None,
                 announce: Callable | None = None, replica_id: str | None = None,
                 holder_alive: Callable[[str], Awaitable[bool]] | None = None):
        self.repo = repo
        self.abilities = abilities  # what the backend declared it can do, read once at wiring
        self.backend = abilities.backend
        self.images = images  # an ImageService: which image a name means
        self.dead_grace_s = dead_grace_s  # how long a dead session's files are kept
        self.disk = disk or DiskSettings()
        self.limits = limits
        self.max_per_owner = max_per_owner
        self.public_url = public_url
        self.metrics = metrics
        self.max_paused_s = max_paused_s
        self.live: dict[str, LiveSession] = {}
        self._creating: dict[str, int] = {}
        self._ending: dict[str, asyncio.Future] = {}  # sessions being ended: done when their sandbox is
        self.pools: dict = dict(pools or {})  # image ref -> WarmPool, for the images the server keeps started
        # image id -> async check(session_id) run before its sandbox starts (mobile: claim a device)
        self.preflight: dict = dict(preflight or {})
        self.exposed_ports = exposed_ports  # session id -> the ports it exposes (the PortService's list)
        self.network_policies = network_policies  # owners' defaults joined with each session's
        self.contexts = contexts  # a ContextService: restores context_syncs, saves them at the end
        # async before_end(session_id, sandbox) runs as a session ends, before its contexts are saved
        # (the browser closes cleanly so its profile is on disk)
        self.before_end = before_end
        self.disk_guard = disk_guard  # a DiskGuard: no new session on a (nearly) full disk
        # replicas on one store (announce given): sessions other replicas made are adopted when asked
        # for, every change is announced (async announce(session_id)), ending one is claimed in the store
        self.announce = announce
        self.replicated = announce is not None
        # replicas: this one's id (the holder of the sandboxes it starts), and whether another still runs
        self.replica_id, self.holder_alive = replica_id, holder_alive
        self._adopting: dict[str, asyncio.Lock] = {}
        self.held: dict[str, str] = {}
        self.unreachable: set[str] = set()
        metrics.gauge("sessions_running", lambda: sum(s.row.status != PAUSED for s in self.live.values()))
        metrics.gauge("sessions_paused", lambda: sum(s.row.status == PAUSED for s in self.live.values()))

    def sandbox_exited(self, session_id: str, reason: str) -> None:
        """The backend's notice (ExitNotices, wired in wiring.py) that a sandbox died on its own."""
        if session_id in self.live:
            asyncio.get_running_loop().create_task(self.end(session_id, SessionStatus.DEAD, reason))

    def kind(self, session_id: str) -> str:
        """What a running session can do: the built-in image its image descends from."""
        live = self.live.get(session_id)
        return live.kind if live else ""

    def uses_image(self, ref: str) -> bool:
        return any(live.image_ref == ref for live in self.live.values())

    def info(self, row: SessionRow) -> SessionInfo:
        live = self.live.get(row.id)
        row = live.row if live else row
        used, quota = self.disk_usage(row.id)
        return SessionInfo(session_id=row.id, image_id=row.image_id, status=SessionStatus(row.status),
                           labels=row.labels, network=row.network, timeout_s=row.timeout_s,
                           created_at=row.created_at, last_active_at=row.last_active_at,
                           expires_at=row.expires_at, kind=live.kind if live else None,
                           disk_used_bytes=used, disk_quota_bytes=quota, end_reason=row.end_reason,
                           exposed_ports=self.exposed_ports(row.id) if self.exposed_ports else [],
                           network_policy=row.network_policy and NetworkPolicyParams.model_validate(row.network_policy),
                           paused_at=row.paused_at, lifecycle=SessionLifecycle(on_idle=row.on_idle or "delete"),
                           resource_url=f"{self.public_url}/console/sessions/{row.id}")

    def oom_kills(self, session_id: str) -> int:
        oom = self.abilities.get(OomReports)
        return oom.oom_kills(session_id) if oom else 0

    def explain_exit(self, session_id: str, result: dict, oom_before: int) -> dict:
        """A command killed for the session's memory limit says so (not a bare -9)."""
        oom = self.abilities.get(OomReports)
        if oom and result.get("exit_code") in (-9, 137) and oom.oom_kills(session_id) > oom_before:
            limit = oom.memory_limit(session_id)
            note = "killed: out of memory" + (f", limit {human_bytes(limit)}" if limit else "")
            result["error_message"] = "; ".join(m for m in (note, result.get("error_message")) if m)
        return result

    def disk_usage(self, session_id: str) -> tuple[int | None, int | None]:
        usage = self.abilities.get(DiskUsage)
        if session_id not in self.live or usage is None:
            return None, None
        return usage.disk_usage(session_id)

    async def create(self, who: Principal, params: CreateSessionParams) -> SessionRow:
        image, restore_disk = await self._image_and_disk(who, params)
        disk_bytes = self.disk.bytes_for(params.disk_quota_mb)
        running = (await self.repo.count_live(who.owner_id) if self.replicated  # every replica's
                   else sum(1 for s in self.live.values() if s.row.owner_id == who.owner_id))
        limit = min(self.max_per_owner, who.max_sessions or self.max_per_owner)  # the key's quota
        if running + self._creating.get(who.owner_id, 0) >= limit:
            raise ApiError(ErrorCode.RATE_LIMITED,
                           f"at most {limit} running sessions for this key; delete some first")
        policy = await self._network_policy(who, params)
        if self.disk_guard is not None:
            self.disk_guard.require("a new session")
        session_id = "s-" + secrets.token_hex(6)
        check = self.preflight.get(image.kind)
        if check is not None:
            await check(session_id)
        spec = SandboxSpec(session_id=session_id, image_id=image.ref, envs=params.envs,
                           network=params.network != "none", limits=self.limits, disk_bytes=disk_bytes,
                           restore_disk=restore_disk, network_policy=self._backend_policy(policy))
        self._creating[who.owner_id] = self._creating.get(who.owner_id, 0) + 1
        try:
            pool = self.pools.get(image.ref)
            sandbox = await pool.take(spec) if pool else None
            sandbox = sandbox or await self.backend.start(spec)
        except SandboxError as e:  # a full machine is a 503 to retry later, not a broken sandbox
            raise ApiError(ErrorCode.UNAVAILABLE if isinstance(e, SandboxFull) else ErrorCode.SANDBOX_ERROR,
                           str(e)) from None
        finally:
            self._creating[who.owner_id] -= 1
        session_id = sandbox.session_id  # a pooled sandbox came with an id of its own
        now = utcnow()
        row = SessionRow(id=session_id, owner_id=who.owner_id, image_id=image.name,
                         status=SessionStatus.RUNNING.value, network=params.network,
                         timeout_s=params.timeout_s, labels=dict(params.labels), created_at=now,
                         last_active_at=now, expires_at=now + timedelta(seconds=params.timeout_s),
                         network_policy=policy.model_dump(), on_idle=params.lifecycle.on_idle,
                         holder=self.replica_id)
        try:
            if params.context_syncs and self.contexts:
                await self.contexts.attach(who, session_id, sandbox, params.context_syncs)
            await self.repo.add(row)
        except BaseException:
            await self.backend.stop(session_id)
            raise
        self.live[session_id] = LiveSession(row, sandbox, now, kind=image.kind, image_ref=image.ref)
        self.metrics.count("sessions_created")
        log.info("session created", extra={"fields": {"session_id": session_id,
                                                       "image_id": image.name}})
        return row

    async def _image_and_disk(self, who: Principal, params: CreateSessionParams):
        """The image a create means (a name, a snapshot, or a dead session's), and the disk it
        starts with (a dead session's kept one, for restore_from)."""
        if params.snapshot_id:
            return self.images.resolve_snapshot(who, params.snapshot_id), None
        if not params.restore_from:
            return self.images.resolve(who, params.image_id), None
        kept_disks = self.abilities.require(KeptDisks, "keep a dead session's files to restore")
        dead = await self.record(who, params.restore_from)  # an ended session, by design
        if dead.id in self._ending:  # its files are being put aside right now
            await asyncio.shield(self._ending[dead.id])
        kept = await kept_disks.kept_disk(dead.id)
        if dead.id in self.live or kept is None:
            raise ApiError(ErrorCode.GONE, f"session {dead.id!r} has no files kept to restore "
                           f"({'it is still running' if dead.id in self.live else 'only a dead session has'}; "
                           "they are kept for OPENBAY_DEAD_SESSION_GRACE_S after it died)")
        return self.images.resolve(who, dead.image_id), str(kept)

    def _backend_policy(self, policy: NetworkPolicyParams):
        return self.network_policies.backend(policy) if self.network_policies else backend_policy(policy)

    async def _network_policy(self, who: Principal, params: CreateSessionParams) -> NetworkPolicyParams:
        if self.network_policies is None:
            return params.network_policy or NetworkPolicyParams()
        return await self.network_policies.effective(who.owner_id, params.network_policy, admin=who.admin)

    async def record(self, who: Principal, session_id: str) -> SessionRow:
        """The caller's session, running or ended (list with status=all shows ended ones)."""
        live = self.live.get(session_id)
        if live is not None and live.row.owner_id == who.owner_id and not self.replicated:
            return live.row
        row = await self.repo.get(session_id, owner_id=who.owner_id)
        if row is None:  # another owner's session is as invisible as a missing one
            raise not_found("session", session_id)
        if live is not None and self.live.get(session_id) is live:  # replicas: as the store has it now
            return self._merged(live, row)
        return row

    async def shown(self, who: Principal, session_id: str) -> SessionRow:
        """The caller's session as GET /v1/sessions/{id} shows it: one that ended by itself
        (expired, dead) keeps its record readable, to say why; one its owner deleted is gone (410)."""
        row = await self.record(who, session_id)
        if row.status == SessionStatus.DELETED.value:
            raise ApiError(ErrorCode.GONE, f"session {session_id!r} was deleted")
        return row

    async def get(self, who: Principal, session_id: str) -> SessionRow:
        """The caller's running session. Everything under an ended one (deleted, expired, dead)
        answers 410, saying why it ended."""
        row = await self.record(who, session_id)
        if row.status in (SessionStatus.RUNNING.value, SessionStatus.PAUSED.value):
            return row
        raise ApiError(ErrorCode.GONE, f"session {session_id!r} has ended ({row.status}"
                       + (f": {row.end_reason})" if row.end_reason else ")"))

    async def list(self, who: Principal, *, labels: dict[str, str], status: str | None,
                   limit: int, next_token: str | None,
                   image_id: str | None = None) -> tuple[list[SessionRow], str | None, int]:
        if not 1 <= limit <= MAX_PAGE:
            raise ApiError(ErrorCode.VALIDATION, f"limit must be between 1 and {MAX_PAGE}")
        statuses = [status] if status else [SessionStatus.RUNNING.value, PAUSED]  # the live ones
        if status == "all":
            statuses = []
        elif status and status not in {s.value for s in SessionStatus}:
            raise ApiError(ErrorCode.VALIDATION, "status must be one of: all, "
                           + ", ".join(s.value for s in SessionStatus))
        before = int(next_token) if next_token else None  # the route checks it is digits
        rows, total = await self.repo.list(who.owner_id, labels=labels, statuses=statuses,
                                           limit=limit + 1, before_seq=before, image_id=image_id)
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (_token(rows[-1].seq) if more else None), total

    def sandbox(self, who: Principal, session_id: str) -> Sandbox:
        """The sandbox of a running session of this owner, marking it used."""
        live = self.live.get(session_id)
        if live is None or live.row.owner_id != who.owner_id:
            raise self.not_here(who.owner_id, session_id)
        self._touch(live)
        return live.sandbox

    async def require_running(self, who: Principal, session_id: str) -> Sandbox:
        """Like `sandbox`, but says precisely why a known session cannot be used, and resumes a
        paused one first (unless the request said auto_resume=false)."""
        live = self.live.get(session_id)
        if live is not None and live.row.owner_id == who.owner_id and live.row.status == PAUSED:
            if not auto_resume_allowed():
                raise ApiError(ErrorCode.CONFLICT, f"session {session_id!r} is paused; resume it first "
                               "(or leave out auto_resume=false and it is resumed for the call)")
            await self.resume(who, session_id)
        if session_id in self.live:
            return self.sandbox(who, session_id)
        row = await self.get(who, session_id)  # 404 or 410
        if session_id in self.held:
            raise self.not_here(who.owner_id, session_id)
        raise ApiError(ErrorCode.CONFLICT, f"session {session_id!r} is {row.status}; resume it first")

    def _touch(self, live: LiveSession) -> None:
        now = utcnow()
        live.row.last_active_at = now
        live.row.expires_at = now + timedelta(seconds=live.row.timeout_s)
        if (now - live.persisted_at).total_seconds() >= TOUCH_PERSIST_S:
            live.persisted_at = now
            asyncio.get_running_loop().create_task(
                self.repo.touch(live.row.id, now, live.row.expires_at))

    async def keep_alive(self, who: Principal, session_id: str) -> SessionRow:
        await self.require_running(who, session_id)
        live = self.live[session_id]
        live.persisted_at = utcnow()
        await self.repo.touch(session_id, live.row.last_active_at, live.row.expires_at)
        return live.row

    async def set_labels(self, who: Principal, session_id: str, labels: dict[str, str]) -> SessionRow:
        await self.get(who, session_id)
        row = await self.repo.set_labels(session_id, labels)
        live = self.live.get(session_id)
        if live is not None:
            live.row.labels = dict(labels)
        await self._announce(session_id)
        return row

    async def metrics_of(self, who: Principal, session_id: str) -> SessionMetrics:
        """The session's resource use now (nulls where the backend cannot tell)."""
        live = self._live_of(who, session_id)
        return await sandbox_metrics(self.backend, live.row, self.limits)

    def _live_of(self, who: Principal, session_id: str) -> LiveSession:
        live = self.live.get(session_id)
        if live is None or live.row.owner_id != who.owner_id:
            raise self.not_here(who.owner_id, session_id)
        return live

    async def delete(self, who: Principal, session_id: str) -> SessionRow:
        """Idempotent: deleting an ended session answers its record."""
        row = await self.record(who, session_id)
        if session_id in self.live:
            await self.end(session_id, SessionStatus.DELETED, "deleted by owner")
            row = await self.repo.get(session_id)
        return row

    async def end(self, session_id: str, status: SessionStatus, reason: str, idle_at: datetime | None = None) -> None:
        """Stop the sandbox and record why; the record is committed before anyone is told.
        Replicas: only the one whose end is recorded first stops the sandbox (`idle_at`: only
        if the store too says the session was idle then)."""
        ending = self._ending[session_id] = asyncio.get_running_loop().create_future()
        try:
            await self._end(session_id, status, reason, idle_at)
        finally:
            self._ending.pop(session_id, None)
            ending.set_result(None)

    async def _end(self, session_id: str, status: SessionStatus, reason: str, idle_at: datetime | None = None) -> None:
        if self.replicated:
            if not await self.repo.end(session_id, status.value, reason, idle_at=idle_at):
                # another replica ended it (and stops its sandbox), or used it meanwhile (not idle)
                if idle_at is not None and session_id in self.live:
                    await self.refresh(session_id)
                else:
                    self.live.pop(session_id, None)
                    self._let_go(session_id)
                return
            live = self.live.pop(session_id, None)
            await self._announce(session_id)
        else:
            live = self.live.pop(session_id, None)
            await self.repo.end(session_id, status.value, reason)
        if live is not None and live.row.status == PAUSED:  # thawed, so it can close cleanly
            try:
                await self._thaw(session_id)
            except ApiError as e:
                log.warning("could not resume %s before ending it: %s", session_id, e.message)
        if live is not None:
            live.row.status = status.value
            live.row.end_reason = reason
            if self.before_end:
                await self.before_end(session_id, live.sandbox)
            if self.contexts:
                await self.contexts.detach(session_id, live.sandbox)
        kept_disks = self.abilities.get(KeptDisks)
        if status == SessionStatus.DEAD and kept_disks is not None:
            await kept_disks.keep_files(session_id)  # nothing is deleted because of a crash: restore_from
        else:
            await self.backend.stop(session_id)
        self.metrics.count(f"sessions_{status.value}")
        log.info("session ended", extra={"fields": {"session_id": session_id, "status": status.value,
                                                     "reason": reason}})
