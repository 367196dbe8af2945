"""Computer ops on windows: list, active, activate, maximize, minimize, restore, close,
resize, fullscreen (wmctrl talks EWMH to the window manager; xdotool for the rest).
Standard library only (runs inside the sandbox).
"""
import asyncio
import re

from computer import COMPUTER, answer_errors
from supervisor import ToolError

MAX_SIZE = 16384


def parse_wmctrl(out: str) -> list[dict]:
    """`wmctrl -l -p -G` lines: id desktop pid x y w h host title..."""
    windows = []
    for line in out.splitlines():
        parts = line.split(None, 8)
        if len(parts) < 8:
            continue
        wid, desk, pid, x, y, w, h = parts[:7]
        if desk == "-1":  # sticky helpers (panels, the desktop itself), not app windows
            continue
        pid = int(pid)
        windows.append({"window_id": int(wid, 16), "title": parts[8] if len(parts) > 8 else "",
                        "absolute_upper_left_x": int(x), "absolute_upper_left_y": int(y),
                        "width": int(w), "height": int(h), "pid": pid, "pname": process_name(pid)})
    return windows


def process_name(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


# `xwininfo -root -tree` lines end in "WxH+relx+rely  +absx+absy"
_TREE_LINE = re.compile(r"^\s*(0x[0-9a-f]+) .* (\d+)x(\d+)[+-]-?\d+[+-]-?\d+\s+\+(-?\d+)\+(-?\d+)\s*$")


def parse_tree(out: str) -> dict[int, tuple[int, int, int, int]]:
    """window id -> (absolute x, absolute y, width, height) of every window."""
    geometry = {}
    for line in out.splitlines():
        m = _TREE_LINE.match(line)
        if m:
            wid, w, h, x, y = m.groups()
            geometry[int(wid, 16)] = (int(x), int(y), int(w), int(h))
    return geometry


async def list_windows() -> list[dict]:
    """wmctrl knows the managed windows, titles and pids; its geometry counts the window
    manager's frame in twice, so positions come from the X server's tree (xwininfo)."""
    for attempt in range(3):
        try:  # a window closing while the tools walk the tree makes them fail (BadWindow)
            windows = parse_wmctrl(await COMPUTER.tool("wmctrl", "-l", "-p", "-G"))
            geometry = parse_tree(await COMPUTER.tool("xwininfo", "-root", "-tree"))
            break
        except ToolError:
            if attempt == 2:
                raise
            await asyncio.sleep(0.05)
    for w in windows:
        if w["window_id"] in geometry:
            x, y, width, height = geometry[w["window_id"]]
            w.update(absolute_upper_left_x=x, absolute_upper_left_y=y, width=width, height=height)
    return windows


def window_id(req: dict) -> str:
    wid = req.get("window_id")
    if not isinstance(wid, int) or isinstance(wid, bool) or not 0 < wid < 2 ** 32:
        raise ValueError("window_id must be a positive integer (from list_windows)")
    return hex(wid)


async def _require(wid: str) -> None:
    if int(wid, 16) not in {w["window_id"] for w in await list_windows()}:
        raise LookupError(f"no window {int(wid, 16)} on this screen")


async def _wm(wid: str, *args: str) -> None:
    await COMPUTER.tool("wmctrl", "-i", "-r", wid, *args)


async def _size(req: dict) -> tuple[str, str]:
    w, h = req.get("width"), req.get("height")
    for name, v in (("width", w), ("height", h)):
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= MAX_SIZE:
            raise ValueError(f"{name} must be an integer between 1 and {MAX_SIZE}")
    return str(w), str(h)


async def _unmaximize(wid: str) -> None:
    # wmctrl -b changes at most two properties at a time
    await _wm(wid, "-b", "remove,maximized_vert,maximized_horz")
    await _wm(wid, "-b", "remove,fullscreen")


async def _act(action: str, wid: str, req: dict) -> None:
    if action == "activate":
        await COMPUTER.tool("wmctrl", "-i", "-a", wid)
    elif action == "maximize":
        await _wm(wid, "-b", "add,maximized_vert,maximized_horz")
    elif action == "minimize":
        await COMPUTER.tool("xdotool", "windowminimize", str(int(wid, 16)))
    elif action == "restore":
        await _unmaximize(wid)
        await COMPUTER.tool("wmctrl", "-i", "-a", wid)
    elif action == "close":
        await COMPUTER.tool("wmctrl", "-i", "-c", wid)
    elif action == "fullscreen":
        await _wm(wid, "-b", "add,fullscreen")
    elif action == "resize":
        w, h = await _size(req)
        await _unmaximize(wid)
        await _wm(wid, "-e", f"0,-1,-1,{w},{h}")
    else:
        raise ValueError(f"unknown window action {action!r}")


@answer_errors
async def handle_windows(req: dict, reader, reply) -> None:
    action = req.get("action", "list")
    if action == "list":
        await reply.json({"windows": await list_windows()})
        return
    if action == "active":
        try:
            wid = int((await COMPUTER.tool("xdotool", "getactivewindow")).strip())
        except (ToolError, ValueError):
            wid = 0
        found = [w for w in await list_windows() if w["window_id"] == wid]
        await reply.json({"window": found[0] if found else None})
        return
    wid = window_id(req)
    try:
        await _require(wid)
    except LookupError as e:
        await reply.json({"error": "not_found", "message": str(e)})
        return
    await _act(action, wid, req)
    await reply.json({"ok": True})


HANDLERS = {"desktop_windows": handle_windows}
