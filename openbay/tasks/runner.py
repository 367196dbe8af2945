"""Runs agent tasks: persisted before they start, one at a time per session, many
at once across sessions, each ending in exactly one final status with a reason.

Every event is committed to the store before it is published, so a client that
reconnects with the last sequence number it saw misses nothing.

A server that stops leaves its tasks `running` in the store; the next start either resumes
each from its last stored step (its session is still alive: `resume`) or ends it
`interrupted` (`interrupt`), every event kept.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openbay.agents.browser_agent import AgentOptions, AgentOutcome, BudgetExceeded
from openbay.agents.events import StepRecord
from openbay.agents.history import summary
from openbay.agents.llm import EndpointNotAllowed, LLMConfig, LLMError, LLMNotConfigured
from openbay.agents.llm.errors import hide
from openbay.agents.pricing import PriceTable
from openbay.agents.runtime import BrowserFailed, run_browser_task
from openbay.agents.screen_runtime import ScreenFailed, run_computer_task, run_mobile_task
from openbay.agents.step_loop import ResumePoint
from openbay.protocol.tasks import EventType, TaskCreateRequest, TaskEvent, TaskStatus
from openbay.store.action_cache import ActionCacheRepository, OwnerActionCache
from openbay.store.tables import utcnow
from openbay.store.task_repository import TaskRepository
from openbay.store.task_tables import TaskEventRow, TaskRow, TaskStepRow

from .bus import EventBus
from .leases import TaskLeases

log = logging.getLogger("openbay.tasks")
SUSPENDED = (TaskStatus.RUNNING, "the server stopped")  # end_as of a task left for the next start


def _add(a, b):
    """Two usage values (token counts, costs) summed; a missing one counts as nothing."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a + b
    return a if a is not None else b


class TaskConflict(Exception):
    """The session already runs a task."""


@dataclass
class RunningTask:
    row: TaskRow
    request: TaskCreateRequest
    cdp_url: str | None = None  # None: the agent launches a Chromium of its own
    target: Any = None  # what a computer (Computer) or mobile (MobileDevice) agent acts on
    seq: int = 0
    job: asyncio.Task | None = None
    question: asyncio.Future | None = None
    end_as: tuple[TaskStatus, str] | None = None  # set by terminate / shutdown before cancelling
    model: str = ""  # the model the task talks to (for its price)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    resume: ResumePoint | None = None  # a task going on after a server restart
    usage_before: dict = field(default_factory=dict)  # what it spent before the restart
    messages_before: int = 0
    secrets: tuple[str, ...] = ()  # the model keys it uses: never in its events or error message


class _Hooks:
    """What the agent reports through: events, steps, questions to the person."""

    def __init__(self, runner: TaskScheduler, rt: RunningTask):
        self.runner, self.rt = runner, rt

    async def emit(self, type: str, payload: dict[str, Any]) -> None:
        await self.runner._emit(self.rt, EventType(type), payload)

    async def ask_user(self, question: str, kind: str = "question") -> str | None:
        rt = self.rt
        rt.question = asyncio.get_running_loop().create_future()
        timeout = rt.request.call_for_user_timeout_s
        try:
            # the future exists before the event is out, so a quick reply is never lost
            await self.emit("call_for_user", {"content": question, "timeout_s": timeout, "kind": kind})
            answer = await asyncio.wait_for(rt.question, timeout)
            await self.emit("user_input", {"content": answer, "kind": kind})
            return answer
        except TimeoutError:
            await self.emit("error", {"message": f"no answer from the person within {timeout:g}s",
                                      "fatal": False})
            return None
        finally:
            rt.question = None

    async def record_step(self, step: StepRecord) -> None:
        if self.rt.end_as is SUSPENDED:  # cut by a server stop or a lost lease: asked again where it resumes
            return
        await self.runner._record_step(self.rt, step)


class TaskScheduler:
    """Schedules agent tasks on the server: stores each before it starts, runs one per session at
    a time (many across sessions), persists then publishes its events, ends it exactly once."""

    def __init__(self, repo: TaskRepository, *, llm: LLMConfig, prices: PriceTable | None = None,
                 on_usage: Callable[[str, dict], None] | None = None,
                 action_cache: ActionCacheRepository | None = None, bus: EventBus | None = None,
                 leases: TaskLeases | None = None):
        self.repo = repo
        self.llm = llm
        self.prices = prices or PriceTable()
        self.on_usage = on_usage  # (owner_id, a step's priced usage): totals per owner
        self.action_cache = action_cache  # browser tasks keep their steps there and reuse them
        self.bus = bus or EventBus()  # a SharedEventBus when server replicas share the store
        self.leases = leases  # replicas: a task runs where its lease is held (None: one server)
        self.running: dict[str, RunningTask] = {}
        self.by_session: dict[str, str] = {}

    async def unfinished(self) -> list[TaskRow]:
        """Tasks the store says are pending or running that no runner here runs (a previous
        server run left them)."""
        return [r for r in await self.repo.unfinished() if r.id not in self.running]

    async def interrupt(self, row: TaskRow, reason: str) -> bool:
        """End a task left unfinished as `interrupted`; False when it had ended meanwhile."""
        if not await self.repo.finish(row.id, TaskStatus.INTERRUPTED.value, error_message=reason):
            return False
        rt = RunningTask(row, TaskCreateRequest.model_validate(row.params), seq=await self.repo.last_seq(row.id))
        await self._emit(rt, EventType.ERROR, {"message": reason, "fatal": True})
        await self._emit(rt, EventType.STATUS, {"status": TaskStatus.INTERRUPTED.value, "error_message": reason})
        log.info("task interrupted", extra={"fields": {"task_id": row.id, "reason": reason}})
        return True

    async def resume(self, row: TaskRow, *, cdp_url: str | None = None, target: Any = None) -> None:
        """Go on with a task left unfinished, from the step after its last stored one."""
        if row.session_id in self.by_session:
            raise TaskConflict(f"session {row.session_id!r} already runs a task")
        steps = await self.repo.steps(row.id)
        earlier = [f"step {s.step}: {summary(a.get('name', ''), a.get('args') or {})} -> "
                   f"{str(a.get('result', ''))[:150]}" for s in steps for a in s.actions]
        last = max((s.step for s in steps), default=0)
        rt = RunningTask(row, TaskCreateRequest.model_validate(row.params), cdp_url, target=target,
                         seq=await self.repo.last_seq(row.id), resume=ResumePoint(last + 1, earlier),
                         usage_before=dict(row.usage or {}), messages_before=row.message_count or 0)
        self.by_session[row.session_id] = row.id
        self.running[row.id] = rt
        rt.job = asyncio.get_running_loop().create_task(self._execute(rt), name=f"task {row.id}")
        log.info("task resumed", extra={"fields": {"task_id": row.id, "from_step": last + 1}})

    async def submit(self, *, owner_id: str, session_id: str, kind: str,
                     request: TaskCreateRequest, cdp_url: str | None = None, target: Any = None) -> TaskRow:
        if session_id in self.by_session:
            raise TaskConflict(f"session {session_id!r} is already running task "
                               f"{self.by_session[session_id]!r}; wait for it or terminate it")
        task_id = "t-" + secrets.token_hex(8)
        self.by_session[session_id] = task_id  # claimed before any await: no race
        try:
            if self.leases is not None:  # held before the row exists: no replica sees it unheld
                await self.leases.take(task_id)
            # the model's key and the secrets stay in memory
            params = request.model_dump(mode="json", exclude={"llm", "sensitive_data"})
            if request.llm is not None or request.sensitive_data:  # not resumable after a restart:
                params["own_llm"] = True                             # what it needs is never stored
            row = TaskRow(id=task_id, owner_id=owner_id, session_id=session_id, kind=kind,
                          task=request.task, status=TaskStatus.PENDING.value, error_message="",
                          params=params, steps=0, usage={}, message_count=0, created_at=utcnow())
            await self.repo.add(row)
            rt = RunningTask(row, request, cdp_url, target=target)
            self.running[task_id] = rt
            await self._emit(rt, EventType.STATUS, {"status": "pending"})
        except BaseException:
            self.by_session.pop(session_id, None)
            self.running.pop(task_id, None)
            raise
        rt.job = asyncio.get_running_loop().create_task(self._execute(rt), name=f"task {task_id}")
        return row

    async def terminate(self, task_id: str) -> bool:
        """Stop a running task now (mid-step); False when it is not running here."""
        rt = self.running.get(task_id)
        if rt is None or rt.job is None or rt.job.done():
            return False
        rt.end_as = rt.end_as or (TaskStatus.CANCELLED, "terminated by the user")
        rt.job.cancel()
        await asyncio.wait({rt.job})
        return True

    def reply(self, task_id: str, content: str) -> bool:
        """Hand the person's answer to a task waiting in call_for_user."""
        rt = self.running.get(task_id)
        if rt is None or rt.question is None or rt.question.done():
            return False
        rt.question.set_result(content)
        return True

    def waiting_for_user(self, task_id: str) -> bool:
        rt = self.running.get(task_id)
        return rt is not None and rt.question is not None and not rt.question.done()

    async def shutdown(self) -> None:
        """Stop every task mid-step, leaving it `running` in the store with its events: the next
        start resumes it where its session survived, or ends it interrupted."""
        jobs = []
        for rt in list(self.running.values()):
            if rt.job is not None and not rt.job.done():
                rt.end_as = SUSPENDED
                rt.job.cancel()
                jobs.append(rt.job)
        if jobs:
            await asyncio.wait(jobs, timeout=15)

    async def keep_leases(self) -> None:
        """Replicas: renew the leases of the tasks running here; a task whose lease was lost
        (this replica was too slow to renew it, and another one took the task over) stops here
        without ending, as at a shutdown."""
        if self.leases is None:
            return
        ids = [tid for tid, rt in self.running.items() if rt.job is not None and not rt.job.done()]
        held = await self.leases.renew(ids)
        for tid in set(ids) - held:
            rt = self.running.get(tid)
            if rt is not None and rt.job is not None and not rt.job.done():
                log.warning("task %s: its lease was lost; another replica has it now", tid)
                rt.end_as = SUSPENDED
                rt.job.cancel()

    # -- one task --------------------------------------------------------------------------

    async def _execute(self, rt: RunningTask) -> None:
        req, row = rt.request, rt.row
        status, reason, outcome = TaskStatus.FAILED, "", None
        try:
            llm = self.llm.merged(**(req.llm.model_dump() if req.llm else {}))
            rt.secrets = tuple(k for k in (llm.api_key, self.llm.api_key) if k)
            llm.check()
            rt.model = llm.model
            if rt.resume is None or row.started_at is None:
                row.started_at = utcnow()
                await self.repo.update(row.id, status=TaskStatus.RUNNING.value, started_at=row.started_at)
            resumed = {"resumed_from_step": rt.resume.next_step} if rt.resume else {}
            await self._emit(rt, EventType.STATUS, {"status": "running", **resumed})
            spent = rt.usage_before.get("total_tokens", 0)
            options = AgentOptions(max_steps=req.max_steps, use_vision=req.use_vision,
                                   full_page_screenshot=req.full_page_screenshot,
                                   output_schema=req.output_schema,
                                   max_tokens=max(1, req.max_tokens - spent) if req.max_tokens else None,
                                   plan=req.plan, auto_accept_plan=req.auto_accept_plan,
                                   sensitive_data=req.sensitive_data, allowed_domains=req.allowed_domains,
                                   prohibited_domains=req.prohibited_domains, resume=rt.resume)
            # the wall-clock limit counts from the first start, the time the server was down included
            elapsed = (utcnow() - row.started_at).total_seconds() if rt.resume else 0.0
            async with asyncio.timeout(max(0.0, req.timeout_s - elapsed)):
                task = f"{req.context}\n\nThe task now: {req.task}" if req.context else req.task
                outcome = await self._run_agent(rt, task, llm, options)
            status = TaskStatus.FINISHED if outcome.success else TaskStatus.FAILED
            reason = outcome.error
        except (LLMNotConfigured, EndpointNotAllowed) as e:
            reason = str(e)
        except TimeoutError:
            status, reason = TaskStatus.TIMED_OUT, f"the task ran past its timeout of {req.timeout_s:g}s"
        except asyncio.CancelledError:
            status, reason = rt.end_as or (TaskStatus.CANCELLED, "cancelled")
        except (BudgetExceeded, LLMError, BrowserFailed, ScreenFailed) as e:
            reason = str(e)
        except Exception as e:  # the task fails; the server goes on
            log.exception("task %s failed", row.id)
            reason = f"internal error: {type(e).__name__}: {str(e)[:300]}"
        try:
            if rt.end_as is not SUSPENDED:
                await self._finish(rt, status, reason, outcome)
        finally:
            self.running.pop(row.id, None)
            self.by_session.pop(row.session_id, None)
            if self.leases is not None:  # ended, or stopped here: another replica may take it at once
                await asyncio.shield(self.leases.release(row.id))

    async def _run_agent(self, rt: RunningTask, task: str, llm: LLMConfig, options: AgentOptions) -> AgentOutcome:
        hooks = _Hooks(self, rt)
        if rt.row.kind == "computer":
            return await run_computer_task(task, llm=llm, options=options, hooks=hooks, computer=rt.target)
        if rt.row.kind == "mobile":
            return await run_mobile_task(task, llm=llm, options=options, hooks=hooks, device=rt.target)
        cache = OwnerActionCache(self.action_cache, rt.row.owner_id) \
            if self.action_cache is not None and rt.request.use_cache else None
        return await run_browser_task(task, llm=llm, options=options, hooks=hooks, cdp_url=rt.cdp_url, cache=cache)

    async def _finish(self, rt: RunningTask, status: TaskStatus, reason: str,
                      outcome: AgentOutcome | None) -> None:
        reason = hide(reason, *rt.secrets)
        values: dict[str, Any] = {"error_message": reason}
        if outcome is not None:
            usage = self.prices.priced(rt.model, outcome.usage.as_dict())  # planning included
            messages = outcome.message_count
            if rt.resume is not None:  # add what the run before the restart spent
                before = rt.usage_before
                usage = {k: _add(usage.get(k), before.get(k)) for k in usage.keys() | before.keys()}
                messages += rt.messages_before
            rt.row.usage = usage
            values.update(result=outcome.text or None, data=outcome.data, steps=outcome.steps,
                          usage=usage, message_count=messages)
        if reason and status != TaskStatus.FINISHED:
            await self._emit(rt, EventType.ERROR, {"message": reason, "fatal": True})
        elif outcome is not None and outcome.success:
            await self._emit(rt, EventType.ANSWER, {"content": outcome.text, "data": outcome.data})
        await self.repo.finish(rt.row.id, status.value, **values)
        await self._emit(rt, EventType.STATUS, {"status": status.value, "error_message": reason,
                                                "usage": rt.row.usage or {}})
        log.info("task ended", extra={"fields": {"task_id": rt.row.id, "status": status.value}})

    async def _emit(self, rt: RunningTask, type: EventType, payload: dict[str, Any]) -> None:
        payload = _hidden(payload, rt.secrets)
        async with rt.lock:
            rt.seq += 1
            row = TaskEventRow(task_id=rt.row.id, seq=rt.seq, type=type.value, timestamp=utcnow(),
                               payload=payload)
            # committed first, then sent; shielded so a terminate cannot leave a half-written
            # event behind (a reader that sees a gap in seq fills it from the store)
            await asyncio.shield(self.repo.add_event(row))
            self.bus.publish(TaskEvent(task_id=row.task_id, seq=row.seq, type=type,
                                       timestamp=row.timestamp, payload=payload))

    async def _record_step(self, rt: RunningTask, step: StepRecord) -> None:
        model = step.model or rt.model  # the fallback model's price once it took over
        priced = self.prices.priced(model, step.usage)
        await self.repo.add_step(TaskStepRow(
            task_id=rt.row.id, step=step.step, url=step.url[:4096], title=step.title[:1000],
            actions=step.actions, usage=priced, screenshot=step.screenshot,
            duration_s=step.duration_s, created_at=utcnow()))
        usage = dict(rt.row.usage or {})
        for k, v in priced.items():
            usage[k] = round(usage.get(k, 0) + v, 8)
        rt.row.usage, rt.row.steps = usage, step.step
        await self.repo.update(rt.row.id, steps=step.step, usage=usage, message_count=step.messages)
        await self._emit(rt, EventType.USAGE, {"step": step.step, "model": model, **priced, "task": usage})
        if self.on_usage is not None:
            self.on_usage(rt.row.owner_id, priced)


def _hidden(value, secrets: tuple[str, ...]):
    """An event's payload with the task's model keys masked wherever a string holds one."""
    if not secrets:
        return value
    if isinstance(value, str):
        return hide(value, *secrets)
    if isinstance(value, dict):
        return {k: _hidden(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_hidden(v, secrets) for v in value]
    return value
