"""The mobile agent: an Android device seen as screenshots plus its UI elements
(uiautomator); it taps, swipes, types, presses keys and starts or stops apps."""
from __future__ import annotations

from typing import Protocol

from openbay.sandbox.android.adb import AdbError
from openbay.sandbox.android.uiautomator import UiElement

from .events import AgentHooks
from .llm import ChatClient
from .screen_agent import Action, ScreenAgent, ScreenState, params, point
from .screen_image import ModelImage
from .screen_prompts import MOBILE_SYSTEM, screen_system_prompt
from .step_loop import AgentOptions

MAX_ELEMENTS = 150
PACKAGE = {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$", "maxLength": 255}


class MobileDevice(Protocol):
    """What the agent needs of a device; openbay.sandbox.android.adb.AdbDevice is the real one."""

    async def screenshot(self) -> bytes: ...
    async def ui_elements(self) -> list[UiElement]: ...
    async def tap(self, x: int, y: int) -> None: ...
    async def swipe(self, x1: int, y1: int, x2: int, y2: int, duration_ms: int = 300) -> None: ...
    async def input_text(self, text: str) -> None: ...
    async def send_key(self, key: str | int) -> None: ...
    async def start_app(self, package: str, activity: str = "") -> None: ...
    async def stop_app(self, package: str) -> None: ...
    async def list_apps(self, third_party_only: bool = True) -> list[str]: ...


def visible_elements(roots: list[UiElement]) -> list[UiElement]:
    """The elements worth naming: ones that can be used or say something, with a size."""
    found = []
    for root in roots:
        for e in root.walk():
            left, top, right, bottom = e.bounds
            if right <= left or bottom <= top or not e.flags.get("enabled", True):
                continue
            if e.clickable or e.flags.get("scrollable") or e.flags.get("focusable") or e.text or e.content_desc:
                found.append(e)
    return found[:MAX_ELEMENTS]


def element_line(i: int, e: UiElement, image: ModelImage) -> str:
    x, y = image.to_image(*e.center)
    parts = [f"[{i}] {e.class_name.rsplit('.', 1)[-1] or 'View'}"]
    if e.text:
        parts.append(repr(e.text[:120]))
    if e.content_desc:
        parts.append(f"desc={e.content_desc[:120]!r}")
    if e.resource_id:
        parts.append(f"id={e.resource_id.rsplit('/', 1)[-1]}")
    parts.append(f"at ({x}, {y})")
    parts += [flag for flag in ("clickable", "scrollable", "checked", "selected", "focused", "password")
              if e.flags.get(flag)]
    return " ".join(parts)


class MobileAgent(ScreenAgent):
    screen_name = "phone screen"
    errors = (AdbError, ValueError)  # UiDumpError is a ValueError

    def __init__(self, llm: ChatClient, device: MobileDevice, hooks: AgentHooks, options: AgentOptions, *,
                 max_width: int = 1280, max_height: int = 800):
        self.device = device
        super().__init__(llm, hooks, options, max_width=max_width, max_height=max_height)

    def system_prompt(self) -> str:
        return screen_system_prompt(MOBILE_SYSTEM, self.options.output_schema)

    async def capture(self) -> bytes:
        return await self.device.screenshot()

    async def survey(self) -> list[UiElement] | str:
        try:
            return await self.device.ui_elements()
        except (AdbError, ValueError) as e:  # e.g. a dump taken mid-animation; the screenshot still helps
            return f"the UI elements could not be read ({str(e)[:200]})"

    def describe(self, image: ModelImage, surveyed) -> tuple[str, str, list | None]:
        if isinstance(surveyed, str):
            return f"UI elements: {surveyed}.", "", []
        elements = visible_elements(surveyed)
        app = next((e.package for e in elements if e.package), "")
        lines = [element_line(i, e, image) for i, e in enumerate(elements)]
        text = f"App in front: {app or 'unknown'}. UI elements (centres in screenshot pixels):\n" + (
            "\n".join(lines) if lines else "none")
        return text, app, [e.center for e in elements]

    def action_list(self) -> list[Action]:
        return [
            Action("tap", "Tap a UI element by its index, or a point (x, y) of the screenshot.",
                   params({"index": {"type": "integer", "minimum": 0}, "x": point("x in screenshot pixels"),
                           "y": point("y in screenshot pixels")}, []), self._tap),
            Action("swipe", "Swipe from one point of the screenshot to another (swipe up to scroll down).",
                   params({"start_x": point("start x"), "start_y": point("start y"), "end_x": point("end x"),
                           "end_y": point("end y"),
                           "duration_ms": {"type": "integer", "minimum": 50, "maximum": 5000}},
                          ["start_x", "start_y", "end_x", "end_y"]), self._swipe),
            Action("input_text", "Type text into the focused field (printable ASCII).",
                   params({"text": {"type": "string", "minLength": 1, "maxLength": 2000}}, ["text"]),
                   self._input_text),
            Action("send_key", "Press a key: home, back, menu, enter, del, app_switch, search...",
                   params({"key": {"type": "string", "minLength": 1, "maxLength": 32}}, ["key"]), self._send_key),
            Action("start_app", "Open an app by its package name (and activity, if known).",
                   params({"package": PACKAGE, "activity": {"type": "string", "maxLength": 255}}, ["package"]),
                   self._start_app),
            Action("stop_app", "Force-stop an app by its package name.", params({"package": PACKAGE}, ["package"]),
                   self._stop_app),
            Action("list_apps", "The package names of the installed apps (not the system's own).",
                   params({}, []), self._list_apps),
        ]

    async def _tap(self, args: dict, state: ScreenState) -> str:
        if "index" in args:
            targets = state.targets or []
            if not 0 <= args["index"] < len(targets):
                raise ValueError(f"there is no element [{args['index']}] on this screen")
            x, y = targets[args["index"]]
            await self.device.tap(x, y)
            return f"tapped element [{args['index']}]"
        if "x" not in args or "y" not in args:
            raise ValueError("give an element index, or both x and y")
        await self.device.tap(*state.image.to_screen(args["x"], args["y"]))
        return f"tapped at ({args['x']}, {args['y']})"

    async def _swipe(self, args: dict, state: ScreenState) -> str:
        x1, y1 = state.image.to_screen(args["start_x"], args["start_y"])
        x2, y2 = state.image.to_screen(args["end_x"], args["end_y"])
        await self.device.swipe(x1, y1, x2, y2, args.get("duration_ms", 300))
        return f"swiped from ({args['start_x']}, {args['start_y']}) to ({args['end_x']}, {args['end_y']})"

    async def _input_text(self, args: dict, state: ScreenState) -> str:
        await self.device.input_text(args["text"])
        return f"typed {len(args['text'])} characters"

    async def _send_key(self, args: dict, state: ScreenState) -> str:
        await self.device.send_key(args["key"])
        return f"pressed {args['key']}"

    async def _start_app(self, args: dict, state: ScreenState) -> str:
        await self.device.start_app(args["package"], args.get("activity", ""))
        return f"started {args['package']}"

    async def _stop_app(self, args: dict, state: ScreenState) -> str:
        await self.device.stop_app(args["package"])
        return f"stopped {args['package']}"

    async def _list_apps(self, args: dict, state: ScreenState) -> str:
        apps = await self.device.list_apps()
        return "installed apps: " + (", ".join(apps[:300]) or "none")
