"""The browser agent's step loop: look at the page, ask the model, act, repeat.

A step captures the page state (plus a screenshot with vision), sends it with a
compact history, and runs the model's tool calls in order, stopping early when
an action changed the page. It notices repeated actions on an unchanged page,
and checks done.data against the output schema, handing errors back to the model
a bounded number of times.
"""
from __future__ import annotations

from playwright.async_api import Error as PlaywrightError

from openbay.browser.actions import ACTIONS
from openbay.browser.session import ActionError, BrowserSession
from openbay.browser.state import PageState

from .events import AgentHooks
from .llm import ChatClient
from .operator import ActionCache
from .prompts import browser_system_prompt
from .step_loop import AgentOptions, AgentOutcome, BudgetExceeded, StepAgent, StepView, tool
from .task_guard import DomainPolicy, MaskedHooks, SecretRefused, Secrets
from .task_replay import TaskReplay

NAVIGATIONS = ("go_to_url", "open_tab")
TYPING = {"input_text": "text", "send_keys": "keys"}

__all__ = ["AgentOptions", "AgentOutcome", "BrowserAgent", "BudgetExceeded", "tool_specs"]


def tool_specs(output_schema: dict | None) -> list[dict]:
    """The browser actions (call_for_user and done come from StepAgent)."""
    return [tool(a.name, a.description, a.parameters) for a in ACTIONS.values()]


class BrowserAgent(StepAgent):
    def __init__(self, llm: ChatClient, browser: BrowserSession, hooks: AgentHooks, options: AgentOptions,
                 cache: ActionCache | None = None):
        self.replay = TaskReplay(cache, browser) if cache is not None else None
        self._step = 0
        self.secrets = Secrets(options.sensitive_data)
        self.domains = DomainPolicy(options.allowed_domains, options.prohibited_domains)
        super().__init__(llm, MaskedHooks(hooks, self.secrets) if self.secrets else hooks, options,
                         tool_specs(options.output_schema))
        self.browser = browser
        self._before = ""

    def system_prompt(self) -> str:
        rules = ""
        if self.domains.allowed:
            rules += f"\n\nOnly these domains may be opened: {', '.join(self.domains.allowed)}."
        if self.domains.prohibited:
            rules += f"\n\nThese domains may not be opened: {', '.join(self.domains.prohibited)}."
        return browser_system_prompt(self.options.output_schema) + self.secrets.prompt_note() + rules

    async def run(self, task: str) -> AgentOutcome:
        if self.replay is not None:
            self.replay.task = task
        outcome = await super().run(task)
        if outcome.success and self.replay is not None:
            await self.replay.keep()
        return outcome

    async def _cached_turn(self, step: int):
        self._step = step
        return await self.replay.cached_turn(step) if self.replay is not None else None

    async def observe(self) -> PageState:
        return await self.browser.state(screenshot=self.options.use_vision,
                                        full_page=self.options.full_page_screenshot)

    def step_view(self, state: PageState) -> StepView:
        return StepView(url=state.url, title=state.title, screenshot=state.screenshot)

    def fingerprint(self, state: PageState) -> str:
        return state.fingerprint

    def state_message(self, state: PageState, step: int, notes: list[str]) -> dict:
        text = f"Step {step} of at most {self.options.max_steps}. Current page state:\n" \
            + self.secrets.mask(state.render())
        if notes:
            text += "\n\nNotes:\n" + "\n".join(f"- {n}" for n in notes)
        if not state.screenshot:
            return {"role": "user", "content": text}
        return {"role": "user", "content": [
            {"type": "text", "text": text},
            {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{state.screenshot}"}}]}

    async def _before_actions(self, state: PageState) -> None:
        self._before = state.quick_fingerprint or await self._fingerprint()

    async def _after_action(self, name: str, changed: bool) -> str:
        if changed or (name in ACTIONS and await self._fingerprint() != self._before):
            return f"skipped: the page changed after {name}; look at the new state first"
        return ""

    async def _fingerprint(self) -> str:
        return await self.browser.quick_fingerprint()

    async def _run_action(self, name: str, args: dict, state: PageState) -> tuple[bool, str, bool]:
        """(ok, text for the model, whether the page surely changed), secrets masked."""
        ok, text, changed = await self._guarded(name, args)
        return ok, self.secrets.mask(text), changed

    async def _guarded(self, name: str, args: dict) -> tuple[bool, str, bool]:
        """The action within the task's domains, with its secrets filled in."""
        if name in NAVIGATIONS and isinstance(args.get("url"), str) and (why := self.domains.refuses(args["url"])):
            return False, f"navigation refused: {why}", False
        # kept as the model wrote it: secrets as their tags
        kept = await self.replay.note(self._step, name, args) if self.replay is not None else None
        if name in TYPING and isinstance(args.get(TYPING[name]), str) and self.secrets:
            try:
                url = (await self.browser.page()).url
                args = {**args, TYPING[name]: self.secrets.fill_in(args[TYPING[name]], url)}
            except SecretRefused as e:
                return False, str(e), False
        ok, text, changed = await self._act_on_page(name, args)
        if ok and kept is not None:
            self.replay.add(self._step, kept)
        page = await self.browser.page()
        if why := self.domains.refuses(page.url):  # a click or redirect went somewhere it may not
            await page.goto("about:blank")
            return False, f"navigation refused: {why}; the tab was left on about:blank", True
        return ok, text, changed

    async def _act_on_page(self, name: str, args: dict) -> tuple[bool, str, bool]:
        async def run(action) -> tuple[str, bool]:
            return await action.run(self.browser, args), action.navigates
        return await self._dispatch(ACTIONS, name, args, run)

    def _failure(self, name: str, action, error: Exception) -> tuple[str, str, bool] | None:
        if isinstance(error, ActionError):
            return str(error), self.secrets.mask(str(error)), False
        if isinstance(error, PlaywrightError):
            message = f"{name} failed: {str(error).splitlines()[0][:300]}"
            return message, self.secrets.mask(message), action.navigates
        return None
