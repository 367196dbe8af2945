"""Live view over CDP: screencast frames of a page out, a person's mouse and keys in.

Input comes from a web page, so every event is checked and rebuilt field by field
before it becomes an Input.dispatch* command; anything else is dropped.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from .cdp import CdpClient, CdpError, attach_to_page

MOUSE_TYPES = {"down": "mousePressed", "up": "mouseReleased", "move": "mouseMoved",
               "wheel": "mouseWheel"}
BUTTONS = {"left", "middle", "right", "none"}
KEY_TYPES = {"down": "keyDown", "up": "keyUp"}
MAX_COORD = 20_000
MAX_TEXT = 10_000
# keys whose keyDown must carry text for the page to act on them (submit a form, ...)
KEY_TEXT = {"Enter": "\r", "Tab": "\t"}


class InvalidInput(ValueError):
    pass


def _number(event: dict, name: str, low: float, high: float, default: float = 0.0) -> float:
    value = event.get(name, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidInput(f"{name} must be a number between {low} and {high}")
    return float(value)


def _short_str(event: dict, name: str, limit: int = 32) -> str:
    value = event.get(name, "")
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInput(f"{name} must be a string of at most {limit} characters")
    return value


def input_command(event: dict) -> tuple[str, dict]:
    """The CDP command for one input event from the live view page."""
    if not isinstance(event, dict):
        raise InvalidInput("an input event is an object")
    kind, action = event.get("type"), event.get("action")
    if kind == "mouse" and action in MOUSE_TYPES:
        params = {"type": MOUSE_TYPES[action], "x": _number(event, "x", 0, MAX_COORD),
                  "y": _number(event, "y", 0, MAX_COORD)}
        if action in ("down", "up"):
            button = event.get("button", "left")
            if button not in BUTTONS:
                raise InvalidInput("button must be left, middle or right")
            params["button"] = button
            params["clickCount"] = int(_number(event, "clickCount", 0, 3, 1))
        if action == "wheel":
            params["deltaX"] = _number(event, "deltaX", -MAX_COORD, MAX_COORD)
            params["deltaY"] = _number(event, "deltaY", -MAX_COORD, MAX_COORD)
        return "Input.dispatchMouseEvent", params
    if kind == "key" and action in KEY_TYPES:
        key, code = _short_str(event, "key"), _short_str(event, "code")
        params = {"type": KEY_TYPES[action], "key": key, "code": code,
                  "windowsVirtualKeyCode": int(_number(event, "keyCode", 0, 255)),
                  "modifiers": int(_number(event, "modifiers", 0, 15))}
        text = _short_str(event, "text", 8) or KEY_TEXT.get(key, "")
        if action == "down" and text:
            params["text"] = text
        return "Input.dispatchKeyEvent", params
    if kind == "text":
        return "Input.insertText", {"text": _short_str(event, "text", MAX_TEXT)}
    raise InvalidInput("unknown input event")


class Screencast:
    """Streams JPEG frames of one page to `on_frame` and takes input for it: the first page,
    then whichever page opens last (a new tab is where the action is), then another page
    when the one shown closes."""

    def __init__(self, cdp: CdpClient, on_frame: Callable[[dict], Awaitable[None]]):
        self.cdp = cdp
        self.on_frame = on_frame
        self.session = ""
        self.target_id = ""
        self._params: dict = {}
        self._known: set[str] = set()
        self._lock = asyncio.Lock()

    async def start(self, *, max_width: int = 1600, max_height: int = 1200, quality: int = 70) -> None:
        self._params = {"format": "jpeg", "quality": quality, "maxWidth": max_width,
                        "maxHeight": max_height, "everyNthFrame": 1}
        self.cdp.on("Page.screencastFrame", self._frame)
        self.cdp.on("Target.targetCreated", self._created)
        self.cdp.on("Target.targetDestroyed", self._destroyed)
        # pages that exist now are announced again by discovery: only newer ones switch the view
        self._known = {t["targetId"] for t in (await self.cdp.send("Target.getTargets"))["targetInfos"]}
        await self.cdp.send("Target.setDiscoverTargets", {"discover": True})
        async with self._lock:
            await self._show(*await attach_to_page(self.cdp))

    async def _show(self, target_id: str, session_id: str) -> None:
        old, self.target_id, self.session = self.session, target_id, session_id
        await self.cdp.send("Page.enable", session_id=session_id)
        await self.cdp.send("Page.startScreencast", self._params, session_id=session_id)
        if old:
            try:
                await self.cdp.send("Target.detachFromTarget", {"sessionId": old})
            except CdpError:
                pass  # it closed already

    async def _created(self, params: dict, _session: str) -> None:
        info = params.get("targetInfo") or {}
        target_id = info.get("targetId", "")
        if info.get("type") != "page" or target_id in self._known:
            return
        self._known.add(target_id)
        async with self._lock:
            try:
                attached = await self.cdp.send("Target.attachToTarget",
                                               {"targetId": target_id, "flatten": True})
                await self._show(target_id, attached["sessionId"])
            except CdpError:
                pass  # gone before we got there

    async def _destroyed(self, params: dict, _session: str) -> None:
        if params.get("targetId") != self.target_id:
            return
        async with self._lock:
            self.session = ""  # detached with its page
            try:
                await self._show(*await attach_to_page(self.cdp))
            except CdpError:
                pass

    async def _frame(self, params: dict, session_id: str) -> None:
        if session_id != self.session:
            return
        meta = params.get("metadata") or {}
        await self.on_frame({"type": "frame", "data": params.get("data", ""),
                             "metadata": {"deviceWidth": meta.get("deviceWidth"),
                                          "deviceHeight": meta.get("deviceHeight")}})
        # the next frame comes only after this one is acknowledged: a slow viewer gets fewer
        await self.cdp.send("Page.screencastFrameAck", {"sessionId": params.get("sessionId")},
                            session_id=self.session)

    async def dispatch(self, event: dict) -> None:
        method, params = input_command(event)
        await self.cdp.send(method, params, session_id=self.session)
