"""The computer of a `computer` sandbox: its screen, a private Xvfb, and a window manager.

The X server listens only on its unix socket in the sandbox's own /tmp/.X11-unix
(`-nolisten tcp -nolisten local`: no TCP port and no abstract socket, which would
be shared through the host network namespace), so no other session can reach it.
It starts with envd (OPENBAY_DESKTOP="WxHxDEPTH") and comes back on the next use
if it died. Standard library only (runs inside the sandbox).
"""
import asyncio
import os
import re
import time

import xcapture
from supervisor import Supervised, ToolError, run_tool

DISPLAY = os.environ.get("DISPLAY", ":1")
START_TIMEOUT_S = 60.0  # bounds a hang only: a loaded 2-core machine starts X slowly
_GEOMETRY = re.compile(r"^(\d{3,4})x(\d{3,4})x(24)$")


class ComputerUnavailable(Exception):
    pass


def _display_number() -> int:
    return int(DISPLAY.lstrip(":").split(".")[0])


class Computer:
    def __init__(self):
        self.xvfb = Supervised("Xvfb")
        self.wm = Supervised("openbox")
        self.geometry = os.environ.get("OPENBAY_DESKTOP", "")
        self.started_ms = 0.0
        self.steps_ms: dict = {}  # where a start spent its time: X server, window manager
        self._screen: xcapture.XScreen | None = None
        self._lock = asyncio.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self.geometry)

    def env(self) -> dict:
        return {**os.environ, "DISPLAY": DISPLAY}

    def status(self) -> dict:
        out = {"enabled": self.enabled, "running": self.xvfb.running, "display": DISPLAY,
               "window_manager": self.wm.running, "started_ms": self.started_ms,
               "steps_ms": self.steps_ms,
               "pids": [p for p in (self.xvfb.pid, self.wm.pid) if p]}
        if self._screen is not None:
            out.update(width=self._screen.width, height=self._screen.height)
        if not self.xvfb.running and self.xvfb.log_tail:
            out["log_tail"] = self.xvfb.tail(10)
        return out

    def own_pids(self) -> set[int]:
        """Processes an app-stop must never kill."""
        return {os.getpid(), 1, *(p for p in (self.xvfb.pid, self.wm.pid) if p)}

    async def ensure_running(self) -> None:
        if not self.enabled:
            raise ComputerUnavailable("this session has no screen; create it with image_id='computer'")
        async with self._lock:
            if not self.xvfb.running:
                await self._start()
            elif not self.wm.running:  # a dead window manager is restarted quietly
                await self.wm.start(["openbox", "--sm-disable"], env=self.env())

    async def _start(self) -> None:
        match = _GEOMETRY.match(self.geometry)
        if not match:
            raise ComputerUnavailable(f"bad screen geometry {self.geometry!r}")
        await self.stop()
        began = time.monotonic()
        ready_r, ready_w = os.pipe()
        try:
            await self.xvfb.start(["Xvfb", DISPLAY, "-screen", "0", self.geometry,
                                   "-nolisten", "tcp", "-nolisten", "local", "-noreset",
                                   "-dpi", "96", "-displayfd", str(ready_w)],
                                  pass_fds=(ready_w,))
        except FileNotFoundError:
            raise ComputerUnavailable("Xvfb is not installed: apt-get install xvfb") from None
        finally:
            os.close(ready_w)
        try:  # Xvfb writes its display number to the fd once it accepts connections
            await asyncio.wait_for(_read_line(ready_r), START_TIMEOUT_S)
        except (asyncio.TimeoutError, EOFError):
            detail = self.xvfb.tail()
            await self.stop()
            raise ComputerUnavailable(f"Xvfb did not start: {detail or 'no output'}") from None
        finally:
            os.close(ready_r)
        try:
            self._screen = await asyncio.to_thread(xcapture.XScreen, _display_number())
        except (OSError, xcapture.CaptureError) as e:
            await asyncio.wait([asyncio.ensure_future(self.xvfb.exited.wait())], timeout=1)
            detail = self.xvfb.tail(10)
            await self.stop()
            raise ComputerUnavailable(f"Xvfb is not answering ({e}): {detail or 'no output'}") from None
        x_ready = time.monotonic()
        await self.wm.start(["openbox", "--sm-disable"], env=self.env())
        await self._wait_for_wm()
        self.steps_ms = {"xvfb": round((x_ready - began) * 1000, 1),
                         "window_manager": round((time.monotonic() - x_ready) * 1000, 1)}
        self.started_ms = round((time.monotonic() - began) * 1000, 1)

    async def _wait_for_wm(self) -> None:
        """Window commands need the manager's hints in place (its client list, which
        openbox publishes a moment after it claims the screen)."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and self.wm.running:
            code, _ = await run_tool(["wmctrl", "-l"], env=self.env(), check=False)
            if code == 0:
                return
            await asyncio.sleep(0.02)
        raise ComputerUnavailable(f"the window manager did not start: {self.wm.tail()}")

    async def screen(self) -> xcapture.XScreen:
        await self.ensure_running()
        if self._screen is None:
            self._screen = await asyncio.to_thread(xcapture.XScreen, _display_number())
        return self._screen

    async def screenshot(self) -> bytes:
        screen = await self.screen()
        try:
            return await asyncio.to_thread(screen.png)
        except (OSError, xcapture.CaptureError):
            # the X server died under us: let its watcher see the exit, then start afresh
            self._screen = None
            await asyncio.wait([asyncio.ensure_future(self.xvfb.exited.wait())], timeout=1)
            return await asyncio.to_thread((await self.screen()).png)

    async def tool(self, *argv: str, timeout_s: float = 10.0) -> str:
        """Run an X helper (xdotool, wmctrl) against this screen; its stdout."""
        await self.ensure_running()
        return (await run_tool(list(argv), env=self.env(), timeout_s=timeout_s))[1]

    async def stop(self) -> None:
        if self._screen is not None:
            self._screen.close()
            self._screen = None
        await self.wm.stop()
        await self.xvfb.stop()


async def _read_line(fd: int) -> bytes:
    """A whole line: Xvfb writes the number and the newline apart, and dies if the
    pipe closes in between."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future = loop.create_future()
    got = bytearray()

    def on_readable() -> None:
        data = os.read(fd, 64)
        got.extend(data)
        if done.done():
            return
        if b"\n" in got:
            done.set_result(bytes(got))
        elif not data:
            done.set_exception(EOFError())

    loop.add_reader(fd, on_readable)
    try:
        return await done
    finally:
        loop.remove_reader(fd)


COMPUTER = Computer()


def answer_errors(handler):
    """Turn a failure of the computer into an error frame with the API's codes."""

    async def wrapped(req: dict, reader, reply) -> None:
        try:
            await handler(req, reader, reply)
        except ComputerUnavailable as e:
            await reply.json({"error": "conflict" if not COMPUTER.enabled else "sandbox_error",
                              "message": str(e)})
        except (ToolError, xcapture.CaptureError, OSError) as e:
            await reply.json({"error": "sandbox_error", "message": f"computer: {e}"})
    return wrapped


def autostart() -> None:
    """Bring the screen up in the background as envd starts; ops wait for it."""
    async def start() -> None:
        try:
            await COMPUTER.ensure_running()
        except Exception:  # the next op retries and reports why
            pass
    if COMPUTER.enabled:
        asyncio.ensure_future(start())
