"""Computer ops: screenshot, screen size, cursor, and mouse and keyboard through xdotool.

Arguments go to xdotool as argv (never through a shell); key names are checked
against a short pattern and mapped to X keysyms. Standard library only.
"""
import re

import wire
from computer import COMPUTER, answer_errors

BUTTONS = {"left": "1", "middle": "2", "right": "3"}
SCROLL_BUTTONS = {"up": "4", "down": "5", "left": "6", "right": "7"}
MAX_COORD = 32767
MAX_TEXT = 10_000
# friendly names -> X keysyms (xdotool takes keysyms, which are case-sensitive)
KEYSYMS = {"ctrl": "ctrl", "control": "ctrl", "shift": "shift", "alt": "alt", "option": "alt",
           "super": "super", "win": "super", "meta": "super", "cmd": "super", "command": "super",
           "enter": "Return", "return": "Return", "tab": "Tab", "esc": "Escape", "escape": "Escape",
           "backspace": "BackSpace", "delete": "Delete", "del": "Delete", "insert": "Insert",
           "space": "space", "up": "Up", "down": "Down", "left": "Left", "right": "Right",
           "home": "Home", "end": "End", "pageup": "Prior", "page_up": "Prior",
           "pagedown": "Next", "page_down": "Next", "capslock": "Caps_Lock", "menu": "Menu",
           "print": "Print", **{f"f{i}": f"F{i}" for i in range(1, 13)}}
_KEYSYM = re.compile(r"^[A-Za-z0-9_]{1,32}$")


def keysym(name) -> str:
    if not isinstance(name, str) or not name:
        raise ValueError("a key must be a non-empty string")
    if name.lower() in KEYSYMS:
        return KEYSYMS[name.lower()]
    if len(name) == 1 and name.isprintable():
        return name if name.isalnum() else _PUNCTUATION.get(name, name)
    if not _KEYSYM.match(name):
        raise ValueError(f"unknown key {name!r}")
    return name


_PUNCTUATION = {" ": "space", "-": "minus", "+": "plus", "=": "equal", ",": "comma", ".": "period",
                "/": "slash", "\\": "backslash", ";": "semicolon", "'": "apostrophe",
                "[": "bracketleft", "]": "bracketright", "`": "grave"}


def coord(req: dict, name: str) -> str:
    value = req.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_COORD:
        raise ValueError(f"{name} must be an integer between 0 and {MAX_COORD}")
    return str(value)


def input_argv(req: dict) -> list[str]:
    """The xdotool arguments for one input action."""
    action = req.get("action")
    if action == "move":
        return ["mousemove", coord(req, "x"), coord(req, "y")]
    if action == "click":
        button = req.get("button", "left")
        repeat = "2" if button == "double_left" else "1"
        button = "left" if button == "double_left" else button
        if button not in BUTTONS:
            raise ValueError("button must be left, right, middle or double_left")
        return ["mousemove", coord(req, "x"), coord(req, "y"), "click", "--repeat", repeat, BUTTONS[button]]
    if action == "drag":
        button = BUTTONS.get(req.get("button", "left"))
        if button is None:
            raise ValueError("button must be left, right or middle")
        # the pauses let apps see a press, a move and a release as separate events
        return ["mousemove", coord(req, "from_x"), coord(req, "from_y"), "mousedown", button,
                "sleep", "0.05", "mousemove", coord(req, "to_x"), coord(req, "to_y"),
                "sleep", "0.05", "mouseup", button]
    if action == "scroll":
        direction = SCROLL_BUTTONS.get(req.get("direction", "down"))
        amount = req.get("amount", 1)
        if direction is None:
            raise ValueError("direction must be up, down, left or right")
        if not isinstance(amount, int) or not 1 <= amount <= 100:
            raise ValueError("amount must be an integer between 1 and 100")
        return ["mousemove", coord(req, "x"), coord(req, "y"), "click", "--repeat", str(amount), direction]
    if action == "type":
        text = req.get("text")
        if not isinstance(text, str) or not text or len(text) > MAX_TEXT:
            raise ValueError(f"text must be a string of 1 to {MAX_TEXT} characters")
        return ["type", "--clearmodifiers", "--delay", "8", "--", text]
    if action in ("keys", "keys_down", "keys_up"):
        keys = req.get("keys")
        if not isinstance(keys, list) or not 1 <= len(keys) <= 16:
            raise ValueError("keys must be a list of 1 to 16 key names")
        combo = "+".join(keysym(k) for k in keys)
        verb = {"keys": "key", "keys_down": "keydown", "keys_up": "keyup"}[action]
        # no --clearmodifiers: keys held by an earlier keys_down must still count
        return [verb, "--", combo]
    raise ValueError(f"unknown input action {action!r}")


@answer_errors
async def handle_input(req: dict, reader, reply) -> None:
    argv = input_argv(req)
    text_len = len(req.get("text") or "")
    await COMPUTER.tool("xdotool", *argv, timeout_s=10.0 + text_len * 0.05)
    await reply.json({"ok": True})


@answer_errors
async def handle_screenshot(req: dict, reader, reply) -> None:
    png = await COMPUTER.screenshot()
    await reply.json({"ok": True, "bytes": len(png)})
    reply._writer.write(wire.encode_message(png))
    await reply._writer.drain()


@answer_errors
async def handle_screen(req: dict, reader, reply) -> None:
    screen = await COMPUTER.screen()
    await reply.json({"width": screen.width, "height": screen.height, "dpi_scaling_factor": 1.0})


@answer_errors
async def handle_cursor(req: dict, reader, reply) -> None:
    out = await COMPUTER.tool("xdotool", "getmouselocation", "--shell")
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    await reply.json({"x": int(values.get("X", 0)), "y": int(values.get("Y", 0))})


@answer_errors
async def handle_status(req: dict, reader, reply) -> None:
    if req.get("start"):
        await COMPUTER.ensure_running()
    await reply.json(COMPUTER.status())


HANDLERS = {"desktop_status": handle_status, "desktop_input": handle_input,
            "desktop_screenshot": handle_screenshot, "desktop_screen": handle_screen,
            "desktop_cursor": handle_cursor}
