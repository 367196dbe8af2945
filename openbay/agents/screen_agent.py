"""Agents that see a screen (computer, mobile): each step a screenshot scaled for the
model plus a text description (windows, UI elements); actions are tools whose
coordinates are the screenshot's pixels, mapped back onto the screen."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .events import AgentHooks
from .llm import ChatClient
from .screen_image import ModelImage, model_image
from .step_loop import AgentOptions, StepAgent, StepView, tool

MAX_WAIT_S = 30


@dataclass(frozen=True)
class Action:
    name: str
    description: str
    parameters: dict
    run: Callable[[dict, ScreenState], Awaitable[str]]  # text for the model; raises on failure


@dataclass
class ScreenState:
    image: ModelImage
    description: str  # windows, UI elements: in the image's coordinates
    where: str = ""   # for the step record: the active window or app
    targets: list | None = None  # what an index in the description stands for (mobile)


def point(description: str) -> dict:
    return {"type": "integer", "minimum": 0, "description": description}


def params(properties: dict, required: list[str]) -> dict:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


WAIT = ("wait", "Wait for the screen to settle (an app starting, a page loading).",
        params({"seconds": {"type": "number", "minimum": 0, "maximum": MAX_WAIT_S}}, ["seconds"]))


class ScreenAgent(StepAgent):
    """The loop for screens; subclasses give `actions()`, `capture()` and `describe()`."""

    screen_name = "screen"
    needs_vision = True
    errors: tuple[type[Exception], ...] = (ValueError,)  # what an action's failure raises

    def __init__(self, llm: ChatClient, hooks: AgentHooks, options: AgentOptions, *,
                 max_width: int = 1280, max_height: int = 800):
        self.actions = {a.name: a for a in self.action_list()}
        self.actions["wait"] = Action(*WAIT, self._wait)
        super().__init__(llm, hooks, options, [tool(a.name, a.description, a.parameters)
                                               for a in self.actions.values()])
        self.max_width, self.max_height = max_width, max_height

    def action_list(self) -> list[Action]:
        raise NotImplementedError

    async def capture(self) -> bytes:
        """The screen as PNG."""
        raise NotImplementedError

    async def survey(self):
        """What the screen holds besides pixels (windows, UI elements); runs with capture()."""
        return None

    def describe(self, image: ModelImage, surveyed) -> tuple[str, str, list | None]:
        """(text for the model, where for the step record, what the indexes in the text stand for)."""
        raise NotImplementedError

    async def observe(self) -> ScreenState:
        png, surveyed = await asyncio.gather(self.capture(), self.survey())
        image = await asyncio.to_thread(model_image, png, self.max_width, self.max_height)
        text, where, targets = self.describe(image, surveyed)
        return ScreenState(image, text, where, targets)

    def state_message(self, state: ScreenState, step: int, notes: list[str]) -> dict:
        img = state.image
        text = (f"Step {step} of at most {self.options.max_steps}. The {self.screen_name} now: the "
                f"screenshot is {img.width}x{img.height} pixels; give every coordinate in its pixels.\n"
                f"{state.description}")
        if notes:
            text += "\n\nNotes:\n" + "\n".join(f"- {n}" for n in notes)
        return {"role": "user", "content": [
            {"type": "text", "text": text},
            {"type": "image_url", "image_url": {"url": img.data_url}}]}

    def step_view(self, state: ScreenState) -> StepView:
        return StepView(url="", title=state.where[:1000], screenshot=state.image.b64)

    def fingerprint(self, state: ScreenState) -> str:
        return state.image.digest

    async def _run_action(self, name: str, args: dict, state: ScreenState) -> tuple[bool, str, bool]:
        async def run(action: Action) -> tuple[str, bool]:
            return await action.run(args, state), True
        return await self._dispatch(self.actions, name, args, run)

    def _failure(self, name: str, action: Action, error: Exception) -> tuple[str, str, bool] | None:
        if not isinstance(error, self.errors):
            return None
        message = f"{name} failed: {str(error)[:500]}"
        return message, message, False

    async def _wait(self, args: dict, state: ScreenState) -> str:
        started = time.monotonic()
        await asyncio.sleep(float(args["seconds"]))
        return f"waited {time.monotonic() - started:.1f}s"
