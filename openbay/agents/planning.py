"""The plan an agent writes before it acts: numbered steps, shown to the person as a
`plan` event, accepted, edited or rejected by them when asked, and re-sent with
each step's status whenever the agent reports progress (update_plan)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .events import AgentHooks
from .llm import ChatClient, Usage

MAX_STEPS = 20
MAX_DRAFTS = 3
ACCEPT_WORDS = ("", "accept", "accepted", "yes", "y", "ok", "okay", "go")
ASK_PLAN = ("Accept this plan? Answer 'accept', 'reject: <what to change>' to have it redrafted, "
            "'reject' to stop, or the edited steps, one per line.")
_NUMBERING = re.compile(r"^\s*(?:\d+[.)]|[-*])\s*")

PLAN_SYSTEM = """You plan tasks for a browser agent. Before anything is done, call the plan tool
with the steps to carry out the task: 2 to 8 short, concrete steps, in order."""


def _tool(name: str, description: str, parameters: dict) -> dict:
    return {"type": "function", "function": {"name": name, "description": description,
                                             "parameters": parameters}}


_STEP_LIST = {"type": "array", "items": {"type": "string", "maxLength": 500}, "minItems": 1,
              "maxItems": MAX_STEPS}
PLAN_TOOL = _tool("plan", "Write the plan: the steps of the task in order.",
                  {"type": "object", "properties": {"steps": _STEP_LIST}, "required": ["steps"]})
UPDATE_PLAN_TOOL = _tool(
    "update_plan", "Report progress on the plan: the numbers of the steps now finished, and "
    "the whole new list of steps if the plan had to change.",
    {"type": "object", "properties": {"done": {"type": "array", "items": {"type": "integer"}},
                                      "steps": _STEP_LIST}, "required": ["done"]})


class PlanRejected(Exception):
    """The person turned the plan down, or did not answer in time."""


@dataclass
class Plan:
    steps: list[str]
    version: int = 1
    done: set[int] = field(default_factory=set)

    def payload(self, **extra) -> dict:
        return {"version": self.version, **extra,
                "steps": [{"number": i, "text": t, "status": "done" if i in self.done else "pending"}
                          for i, t in enumerate(self.steps, 1)],
                "content": self.render()}

    def render(self) -> str:
        return "\n".join(f"{i}. {'[done] ' if i in self.done else ''}{t}"
                         for i, t in enumerate(self.steps, 1))


def clean_steps(raw) -> list[str]:
    steps = [_NUMBERING.sub("", str(s)).strip() for s in (raw or [])]
    return [s[:500] for s in steps if s][:MAX_STEPS]


def parse_decision(answer: str) -> tuple[str, str | list[str]]:
    """('accept', ''), ('reject', feedback) or ('edit', steps) from the person's answer."""
    text = answer.strip()
    if text.lower().rstrip(".!") in ACCEPT_WORDS:
        return "accept", ""
    if text.lower().startswith("reject"):
        return "reject", text[len("reject"):].lstrip(" :,-").strip()
    lines = text.splitlines() if "\n" in text else text.split(";")
    return "edit", clean_steps(lines)


class Planner:
    def __init__(self, llm: ChatClient, hooks: AgentHooks, *, auto_accept: bool, usage: Usage):
        self.llm, self.hooks, self.auto_accept, self.usage = llm, hooks, auto_accept, usage
        self.plan: Plan | None = None

    async def prepare(self, task: str) -> str:
        """Draft the plan and have it accepted; the task as the loop should see it."""
        feedback, version = "", 0
        for _ in range(MAX_DRAFTS):
            version += 1
            self.plan = Plan(await self._draft(task, feedback), version)
            if self.auto_accept:
                await self._emit(accepted=True, by="auto")
                return self._task_with_plan(task)
            await self._emit(accepted=False, awaiting_approval=True)
            answer = await self.hooks.ask_user(ASK_PLAN + "\n\n" + self.plan.render(), kind="plan")
            if answer is None:
                raise PlanRejected("the person did not answer the plan in time")
            decision, detail = parse_decision(answer)
            if decision == "accept":
                await self._emit(accepted=True, by="person")
                return self._task_with_plan(task)
            if decision == "edit" and detail:
                self.plan = Plan(list(detail), version + 1)
                await self._emit(accepted=True, by="person", edited=True)
                return self._task_with_plan(task)
            if not detail:
                raise PlanRejected("the person rejected the plan")
            feedback = str(detail)
        raise PlanRejected(f"no plan was accepted after {MAX_DRAFTS} drafts")

    async def update(self, args: dict) -> tuple[bool, str, bool]:
        """The update_plan tool: (ok, text for the model, page changed)."""
        plan = self.plan
        if plan is None:
            return False, "there is no plan", False
        if args.get("steps"):
            plan.steps = clean_steps(args["steps"]) or plan.steps
        numbers = {n for n in args.get("done") or [] if isinstance(n, int) and 1 <= n <= len(plan.steps)}
        plan.done |= numbers
        plan.version += 1
        await self._emit(accepted=True)
        return True, "plan updated:\n" + plan.render(), False

    async def finish(self) -> None:
        """The task is done: so is every step."""
        if self.plan is not None and len(self.plan.done) < len(self.plan.steps):
            self.plan.done = set(range(1, len(self.plan.steps) + 1))
            self.plan.version += 1
            await self._emit(accepted=True, final=True)

    async def _draft(self, task: str, feedback: str) -> list[str]:
        user = f"Task: {task}"
        if feedback:
            user += f"\n\nThe person rejected the previous plan:\n{self.plan.render()}\nTheir words: {feedback}"
        turn = await self.llm.complete([{"role": "system", "content": PLAN_SYSTEM},
                                        {"role": "user", "content": user}], [PLAN_TOOL])
        self.usage.add(turn.usage)
        for call in turn.tool_calls:
            if call.name == "plan":
                try:
                    steps = clean_steps(call.args().get("steps"))
                except ValueError:
                    steps = []
                if steps:
                    return steps
        # a model that answered in prose: its lines are the steps, else the task is one step
        return clean_steps(turn.content.splitlines()) or [task[:500]]

    async def _emit(self, **extra) -> None:
        await self.hooks.emit("plan", self.plan.payload(**extra))

    def _task_with_plan(self, task: str) -> str:
        return (f"{task}\n\nThe accepted plan:\n{self.plan.render()}\n"
                "Follow it. Call update_plan with the numbers of the steps you have finished as you go.")
