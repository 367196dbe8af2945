"""Several `openbay serve` processes on one PostgreSQL (and, locally, one sandbox root) serving
the same users: any replica answers for any session, a task's events reach streams on every
replica, a task runs on exactly one replica (under a lease in the store) and another takes it
over within seconds when that one dies.

What travels between replicas (PostgreSQL LISTEN/NOTIFY, no server of its own):
- `openbay_task_events`: every task event (see openbay.tasks.shared_bus);
- `openbay_sessions`: "a session changed" (paused, resumed, labelled, ended): replicas that
  have it in hand read its row again, and let go of one that ended;
- `openbay_task_control`: terminate a task, or answer its call_for_user, on the replica
  running it.
A session another replica made is adopted on first use (its sandbox is reattached, proving
its identity). Replicas refuse to hurt each other: the store records the sandboxes the
deployment runs on (backend and root) and a replica started with others refuses to start;
a sandbox this replica cannot find while the replica holding it is alive is that one's
(503 held_elsewhere), and only a sandbox gone for every replica marks its session dead.
Ending a session is claimed in the store (the first replica to record the end stops the
sandbox; the others let go), so two replicas never reap the same session; a warm
pool's sandboxes belong to the replica that started them, so no two replicas hand out the
same one.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from typing import TYPE_CHECKING

from openbay.protocol import ErrorCode
from openbay.store import Database
from openbay.store.lease_repository import LeaseRepository
from openbay.store.pg_notify import NOTIFY_MAX, PgNotifier, asyncpg_dsn
from openbay.store.replica_repository import ReplicaRepository, application_name
from openbay.store.task_repository import TaskRepository
from openbay.tasks.leases import TaskLeases, replica_id
from openbay.tasks.shared_bus import SharedEventBus

from .errors import ApiError

if TYPE_CHECKING:  # asyncpg comes with the postgres extra, needed only with PostgreSQL
    import asyncpg

log = logging.getLogger("openbay.replicas")
SESSIONS = "openbay_sessions"
CONTROL = "openbay_task_control"
HEARTBEAT_S = 1.0  # leases are renewed, and orphaned tasks looked for, this often
CLEANUP_LOCK = 0x0B_BA_7E  # advisory lock: each live replica holds it shared; cleaning up takes it alone
SESSION_PATH = re.compile(r"^/v1/sessions/(s-[0-9a-f]{1,24})(?:/|$)")


class DeploymentMismatch(RuntimeError):
    """This replica's sandboxes are not the ones the store's deployment runs on."""


class Replicas:
    def __init__(self, db: Database):
        self.id = replica_id()
        self.db = db
        self.repo = ReplicaRepository(db)
        self.notifier = PgNotifier(db.url)
        self.alone = False
        self._lock_conn: asyncpg.Connection | None = None
        self._loops: list[asyncio.Task] = []
        self._jobs: set[asyncio.Task] = set()
        self.sessions = self.tasks = None

    async def join(self) -> bool:
        """Connect; True when no other replica is running (this one may then clean up sandboxes
        nobody owns). A replica starting while another cleans up waits for it."""
        import asyncpg
        await self.notifier.start()
        # named after this replica: while it is open, the others know this one is alive
        self._lock_conn = await asyncpg.connect(asyncpg_dsn(self.db.url),
                                                server_settings={"application_name": application_name(self.id)})
        self.alone = await self._lock_conn.fetchval("SELECT pg_try_advisory_lock($1)", CLEANUP_LOCK)
        if not self.alone:
            await self._lock_conn.execute("SELECT pg_advisory_lock_shared($1)", CLEANUP_LOCK)
        log.info("server replica %s joined%s", self.id, " (the only one running)" if self.alone else "")
        return self.alone

    async def claim_deployment(self, sandboxes: str) -> None:
        """Refuse to start on other sandboxes than the deployment's (another backend or root: this
        replica would find none of the others' sandboxes); the first replica records its own.
        A replica alone on a store without live sessions may move the deployment."""
        recorded = await self.repo.recorded()
        if recorded == sandboxes:
            return
        live = await self.repo.live_sessions() if recorded is not None else 0
        if recorded is not None and (not self.alone or live):
            who = "the other replicas on this store run" if not self.alone else f"its {live} live sessions run on"
            raise DeploymentMismatch(
                f"refusing to start: this server replica runs {sandboxes}, but {who} {recorded}; start it "
                "with the same OPENBAY_BACKEND and OPENBAY_SANDBOX_ROOT as the others")
        if recorded is not None:
            log.warning("the deployment moves from %s to %s (no replica or live session was on them)",
                        recorded, sandboxes)
        await self.repo.record(sandboxes)

    async def holder_alive(self, holder: str) -> bool:
        return holder in await self.repo.live_replicas()

    async def settled(self) -> None:
        """Cleaning up done: from now on other replicas may start alongside."""
        if self.alone:
            await self._lock_conn.execute("SELECT pg_advisory_lock_shared($1)", CLEANUP_LOCK)
            await self._lock_conn.execute("SELECT pg_advisory_unlock($1)", CLEANUP_LOCK)

    async def task_parts(self, db: Database) -> tuple[SharedEventBus, TaskLeases]:
        bus = SharedEventBus(self.notifier, self.id, TaskRepository(db))
        await bus.start()
        return bus, TaskLeases(LeaseRepository(db), self.id)

    async def run(self, sessions, tasks) -> None:
        """Listen to the other replicas and keep the leases, from now until leave(). The session
        service announces through `announce`, the task service reaches other replicas through
        `tell_holder` (both given to them when they are made)."""
        self.sessions, self.tasks = sessions, tasks
        await self.notifier.listen(SESSIONS, self._session_changed)
        await self.notifier.listen(CONTROL, self._control)
        self._loops.append(asyncio.create_task(self._every(HEARTBEAT_S, tasks.runner.keep_leases)))
        self._loops.append(asyncio.create_task(self._every(HEARTBEAT_S, self._take_over)))
        self._loops.append(asyncio.create_task(self._every(HEARTBEAT_S, self._hold_orphaned)))

    async def _hold_orphaned(self) -> None:
        """The sessions this replica has in hand whose holder is gone are held here from now on."""
        await self.repo.claim_orphaned(list(self.sessions.live), self.id)

    async def _take_over(self) -> None:
        resumed, interrupted = await self.tasks.take_over()
        if resumed or interrupted:
            log.warning("took over tasks another replica left: %d resumed, %d interrupted",
                        len(resumed), len(interrupted))

    @staticmethod
    async def _every(interval_s: float, step) -> None:
        while True:
            try:
                await step()
            except Exception:
                log.exception("replica loop %s failed", getattr(step, "__name__", step))
            await asyncio.sleep(interval_s)

    async def announce(self, session_id: str) -> None:
        await self.notifier.notify(SESSIONS, json.dumps({"o": self.id, "s": session_id}))

    def _session_changed(self, payload: str) -> None:
        body = json.loads(payload)
        if body.get("o") != self.id and self.sessions is not None and body.get("s") in self.sessions.live:
            self._spawn(self.sessions.refresh(body["s"]))

    async def tell_holder(self, op: str, task_id: str, content: str) -> None:
        payload = json.dumps({"op": op, "t": task_id, "c": content}, ensure_ascii=False)
        if len(payload.encode()) > NOTIFY_MAX:
            raise ApiError(ErrorCode.VALIDATION, f"the task runs on another server replica: an answer to it "
                           f"is at most {NOTIFY_MAX - 200} bytes")
        await self.notifier.notify(CONTROL, payload)

    def _control(self, payload: str) -> None:
        body = json.loads(payload)
        runner = self.tasks.runner
        if body.get("t") not in runner.running:
            return
        if body.get("op") == "terminate":
            self._spawn(runner.terminate(body["t"]))
        elif body.get("op") == "reply":
            runner.reply(body["t"], str(body.get("c", "")))

    def _spawn(self, coro) -> None:
        job = asyncio.get_running_loop().create_task(coro)
        self._jobs.add(job)
        job.add_done_callback(self._jobs.discard)

    async def leave(self) -> bool:
        """Stop listening and looking for orphans; True when no other replica is running (this
        one may then stop sandboxes and clean up as a lone server does)."""
        for loop in self._loops:
            loop.cancel()
        await asyncio.gather(*self._loops, *self._jobs, return_exceptions=True)
        await self.notifier.close()
        last = False
        if self._lock_conn is not None:
            with contextlib.suppress(Exception):
                # our own shared hold does not stand in the way; anyone else's does
                last = await self._lock_conn.fetchval("SELECT pg_try_advisory_lock($1)", CLEANUP_LOCK)
                await self._lock_conn.close()  # every hold goes with the connection
        return last


class SessionAdoption:
    """ASGI middleware of replicas: a request for a session another replica made adopts it
    first (the routes then find it as if it had been made here)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and (m := SESSION_PATH.match(scope["path"])):
            services = getattr(scope["app"].state, "services", None)  # None until the server has started
            sessions = services.sessions if services is not None else None
            if sessions is not None and m.group(1) not in sessions.live:
                # (one another live replica holds, or a backend that cannot be reached now, stays
                # there: the routes, after the key is checked, answer its owner 503 and others 404)
                await sessions.adopt(m.group(1))
        await self.app(scope, receive, send)
