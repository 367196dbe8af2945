"""Live view over CDP: screencast frames of a page out, a person's mouse and keys in.

Input comes from a web page, so every event is checked and rebuilt field by field
before it becomes an Input.dispatch* command; anything else is dropped.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from .cdp import CdpClient, attach_to_page

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
    """Streams JPEG frames of the browser's first page to `on_frame` and takes input for it."""

    def __init__(self, cdp: CdpClient, on_frame: Callable[[dict], Awaitable[None]]):
        self.cdp = cdp
        self.on_frame = on_frame
        self.session = ""

    async def start(self, *, max_width: int = 1600, max_height: int = 1200, quality: int = 70) -> None:
        _, self.session = await attach_to_page(self.cdp)
        self.cdp.on("Page.screencastFrame", self._frame)
        await self.cdp.send("Page.enable", session_id=self.session)
        await self.cdp.send("Page.startScreencast", {
            "format": "jpeg", "quality": quality, "maxWidth": max_width, "maxHeight": max_height,
            "everyNthFrame": 1}, session_id=self.session)

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
