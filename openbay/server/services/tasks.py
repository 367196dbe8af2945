"""Agent tasks as the API sees them: who may start, read, stop and answer which task."""
from __future__ import annotations

import asyncio
import logging

from openbay.agents.computer import EnvdComputer
from openbay.agents.llm import EndpointNotAllowed
from openbay.protocol import ErrorCode
from openbay.protocol.computer import COMPUTER_IMAGES
from openbay.protocol.mobile import MOBILE_IMAGES
from openbay.protocol.tasks import (
    AGENT_KINDS,
    StepLog,
    TaskCreateRequest,
    TaskEvent,
    TaskInfo,
    TaskStatus,
    TaskSummary,
    TaskUsage,
)
from openbay.store.tables import utcnow
from openbay.store.task_repository import TaskRepository
from openbay.store.task_tables import TaskEventRow, TaskRow
from openbay.tasks import TaskConflict, TaskScheduler
from openbay.tasks.leases import CLAIM_TTL_S

from ..errors import ApiError, not_found
from .keys import Principal
from .mobile import HOW_TO_ATTACH
from .sessions import SessionService

log = logging.getLogger("openbay.tasks")
TERMINATE_WAIT_S = 15  # how long a terminate waits for the replica running the task to stop it
ENDING_S = 5.0  # a task's end is in the store this soon after its status is
AVAILABLE_KINDS = ("browser", "computer", "mobile")
BROWSER_IMAGES = ("browser",)


def event_of(row: TaskEventRow) -> TaskEvent:
    return TaskEvent(task_id=row.task_id, seq=row.seq, type=row.type, timestamp=row.timestamp,
                     payload=row.payload or {})


class TaskService:
    def __init__(self, repo: TaskRepository, runner: TaskScheduler, sessions: SessionService,
                 browser_service=None, mobile_service=None, tell_holder=None):
        self.repo = repo
        self.mobile_service = mobile_service  # the device of a mobile session
        self.runner = runner
        self.sessions = sessions
        self.browser_service = browser_service  # the session's CDP endpoint, when there is one
        # replicas: async tell_holder(op, task_id, content) reaches the replica running a task
        self.tell_holder = tell_holder

    async def submit(self, who: Principal, session_id: str, kind: str, request: TaskCreateRequest) -> TaskRow:
        if kind not in AGENT_KINDS:
            raise not_found("agent", kind)
        if kind not in AVAILABLE_KINDS:
            raise ApiError(ErrorCode.BAD_REQUEST, f"the {kind} agent is not available yet; "
                           f"agents: {', '.join(AVAILABLE_KINDS)}")
        if request.llm is not None:  # a model endpoint the admin did not allow: 403, nothing sent
            try:  # in a thread: an allow list with `*` looks the host up
                await asyncio.to_thread(self.runner.llm.merged, **request.llm.model_dump())
            except EndpointNotAllowed as e:
                raise ApiError(ErrorCode.FORBIDDEN, str(e)) from None
        cdp_url, target = await self._agent_view(who, session_id, kind)
        try:
            return await self.runner.submit(owner_id=who.owner_id, session_id=session_id, kind=kind,
                                            request=request, cdp_url=cdp_url, target=target)
        except TaskConflict as e:
            raise ApiError(ErrorCode.CONFLICT, str(e)) from None

    async def _agent_view(self, who: Principal, session_id: str, kind: str) -> tuple[str | None, object]:
        """What the agent acts through: the session's CDP URL (browser) or its screen (others)."""
        sandbox = await self.sessions.require_running(who, session_id)
        image = self.sessions.kind(session_id)
        if kind != "browser":
            return None, self._screen_of(kind, session_id, image, sandbox)
        if image not in BROWSER_IMAGES:
            raise ApiError(ErrorCode.CONFLICT, f"the browser agent needs a session with image_id "
                           f"'browser'; session {session_id!r} runs {image!r}")
        if self.browser_service is not None:
            return await self.browser_service.endpoint_url(who, session_id), None
        return None, None

    async def recover(self) -> tuple[list[str], list[str]]:
        """At startup: each task a previous run left unfinished goes on from its last stored step
        where its session is still alive, and ends `interrupted` (events kept) where it is not.
        (resumed ids, interrupted ids)"""
        resumed, interrupted = [], []
        for row in await self.runner.unfinished():
            why = await self._go_on(row, "the server stopped")
            if why is None:
                resumed.append(row.id)
            elif await self.runner.interrupt(row, why):
                interrupted.append(row.id)
        return resumed, interrupted

    async def take_over(self) -> tuple[list[str], list[str]]:
        """Replicas: the unfinished tasks whose replica stopped renewing their lease (it died or
        stopped) go on here, each from its last stored step, or end interrupted.
        (resumed ids, interrupted ids)"""
        leases = self.runner.leases
        resumed, interrupted = [], []
        for row in await leases.repo.orphans():
            if row.id in self.runner.running or not await leases.take(row.id, CLAIM_TTL_S):
                continue  # another replica was first
            row = await self.repo.get(row.id)
            if row is None or TaskStatus(row.status).terminal:
                await leases.release(row.id if row else "")
                continue
            await self.sessions.adopt(row.session_id)
            if row.session_id in self.sessions.held:  # a live replica this one cannot reach has it: theirs
                await leases.release(row.id)
                continue
            why = await self._go_on(row, "the server replica running it stopped")
            if why is None:
                resumed.append(row.id)
                continue
            if await self.runner.interrupt(row, why):
                interrupted.append(row.id)
            await leases.release(row.id)
        return resumed, interrupted

    async def _go_on(self, row: TaskRow, stopped: str) -> str | None:
        """Resume a task left unfinished; None when it goes on, else why it cannot."""
        live = self.sessions.live.get(row.session_id)
        if live is None or live.row.owner_id != row.owner_id:
            return f"interrupted: {stopped} and the task's session did not survive it"
        if row.params.get("own_llm"):
            return (f"interrupted: {stopped}, and a task with its own model settings (llm) "
                    "cannot go on without them (its key is never stored)")
        who = Principal(owner_id=row.owner_id, key_id="", name="", admin=False)
        try:
            cdp_url, target = await self._agent_view(who, row.session_id, row.kind)
            await self.runner.resume(row, cdp_url=cdp_url, target=target)
            return None
        except (ApiError, TaskConflict) as e:
            return f"interrupted: could not go on after {stopped}: {e}"

    def _screen_of(self, kind: str, session_id: str, image: str, sandbox):
        """What a computer agent (the computer's screen) or a mobile agent (the device) acts on."""
        if kind == "computer":
            if image not in COMPUTER_IMAGES:
                raise ApiError(ErrorCode.CONFLICT, "the computer agent needs a session with image_id "
                               f"'computer'; session {session_id!r} runs {image!r}")
            return EnvdComputer(sandbox.envd)
        if image not in MOBILE_IMAGES:
            if self.mobile_service is None or not self.mobile_service.serials:
                raise ApiError(ErrorCode.UNAVAILABLE, "the mobile agent needs a session with image_id "
                               "'mobile', bound to an Android device, and no device is configured; "
                               + HOW_TO_ATTACH)
            raise ApiError(ErrorCode.CONFLICT, "the mobile agent needs a session with image_id "
                           f"'mobile' (bound to an Android device); session {session_id!r} runs {image!r}")
        return self.mobile_service.device_for(session_id)

    async def row(self, who: Principal, task_id: str) -> TaskRow:
        row = await self.repo.get(task_id, owner_id=who.owner_id)
        if row is None:  # another owner's task is as invisible as a missing one
            raise not_found("task", task_id)
        return row

    async def info(self, who: Principal, task_id: str) -> TaskInfo:
        return await self.info_of(await self.row(who, task_id))

    async def info_of(self, row: TaskRow) -> TaskInfo:
        steps = await self.repo.steps(row.id)
        ended = row.ended_at or None
        duration = ((ended or utcnow()) - row.started_at).total_seconds() if row.started_at else 0.0
        return TaskInfo(
            task_id=row.id, session_id=row.session_id, kind=row.kind, task=row.task,
            status=TaskStatus(row.status), error_message=row.error_message or "",
            steps=row.steps, max_steps=row.params.get("max_steps", 0), result=row.result, data=row.data,
            output_schema=row.params.get("output_schema"), usage=TaskUsage(**(row.usage or {})),
            execution_logs=[StepLog(step=s.step, url=s.url, title=s.title, actions=s.actions,
                                    usage=TaskUsage(**(s.usage or {})), has_screenshot=bool(s.screenshot),
                                    created_at=s.created_at) for s in steps],
            screenshots=[s.screenshot for s in steps if s.screenshot],
            created_at=row.created_at, started_at=row.started_at, ended_at=row.ended_at,
            session_duration_s=round(duration, 3), message_count=row.message_count)

    async def of_session(self, who: Principal, session_id: str) -> list[TaskSummary]:
        await self.sessions.get(who, session_id)  # another owner's session is not found
        return [TaskSummary(task_id=r.id, session_id=r.session_id, kind=r.kind, task=r.task,
                            status=TaskStatus(r.status), steps=r.steps, result=r.result,
                            created_at=r.created_at, ended_at=r.ended_at)
                for r in await self.repo.for_session(session_id, who.owner_id)]

    async def terminate(self, who: Principal, task_id: str) -> TaskInfo:
        row = await self.row(who, task_id)
        if TaskStatus(row.status).terminal:
            raise ApiError(ErrorCode.CONFLICT, f"task {task_id!r} has already ended ({row.status})")
        if not await self.runner.terminate(task_id) and self.tell_holder is not None:
            await self.tell_holder("terminate", task_id, "")  # it runs on another replica
            for _ in range(TERMINATE_WAIT_S * 10):
                if TaskStatus((await self.row(who, task_id)).status).terminal:
                    break
                await asyncio.sleep(0.1)
        return await self.info(who, task_id)

    async def reply(self, who: Principal, task_id: str, content: str) -> None:
        row = await self.row(who, task_id)
        if not await self.answer(row.id, content):
            raise ApiError(ErrorCode.CONFLICT, f"task {task_id!r} is not waiting for an answer")

    async def answer(self, task_id: str, content: str) -> bool:
        """Hand the person's answer to the task's pending call_for_user, on whichever replica
        runs it; False when it is not waiting for one."""
        if self.runner.reply(task_id, content):
            return True
        if self.tell_holder is None or task_id in self.runner.running:
            return False
        last = await self.repo.events(task_id, max(0, await self.repo.last_seq(task_id) - 1), 1)
        if not last or last[0].type != "call_for_user":
            return False
        await self.tell_holder("reply", task_id, content)
        return True

    async def is_active(self, task_id: str) -> bool:
        """Whether more events of the task may come: it runs here, or (replicas) the store says it
        is unfinished, or it ended a moment ago and its last event may still be on its way."""
        if task_id in self.runner.running:
            return True
        if self.tell_holder is None:
            return False
        row = await self.repo.get(task_id)
        if row is None:
            return False
        return not TaskStatus(row.status).terminal or (
            row.ended_at is not None and (utcnow() - row.ended_at).total_seconds() < ENDING_S)

    async def events(self, who: Principal, task_id: str, after_seq: int, limit: int) -> tuple[list[TaskEvent], TaskRow]:
        row = await self.row(who, task_id)
        return [event_of(r) for r in await self.repo.events(task_id, after_seq, limit)], row
