"""The browser ops: one Chromium per sandbox, driven over --remote-debugging-pipe.

The sandbox shares the host network, so Chromium must not listen on a TCP
debugging port (any other session could connect to it): it speaks CDP on fds 3
(commands in) and 4 (messages out), NUL-terminated, and only envd holds them.
Clients reach it through the `cdp` op, multiplexed by cdp_mux.
Standard library only (runs inside the sandbox).
"""
import asyncio
import fcntl
import os
import re
import time

import browser_extensions
import cdp_mux
import page_keeper
import wire
from supervisor import Supervised

EXECUTABLES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
HOME = os.environ.get("HOME", "/home/user")
PROFILES = os.path.join(HOME, ".openbay", "browser")
# a profile nobody asked to keep lives in the sandbox's tmpfs: nothing to write to
# disk at start, nothing to delete at the end
SCRATCH_PROFILE = "/tmp/openbay-chromium"
DOWNLOADS = os.path.join(HOME, "Downloads")
# what this machine needs: no GPU, nothing that phones home through the closed network
FLAGS = ["--headless=new", "--no-first-run", "--disable-gpu", "--disable-quic",
         "--disable-field-trial-config", "--metrics-recording-only", "--no-service-autorun",
         "--disable-search-engine-choice-screen", "--disable-component-extensions-with-background-pages",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-default-browser-check", "--disable-breakpad", "--disable-crash-reporter",
         "--disable-extensions", "--disable-default-apps", "--password-store=basic",
         "--use-mock-keychain", "--mute-audio", "--no-pings", "--media-router=0", "--hide-scrollbars",
         # pages nobody looks at (headless, the live view, an agent) must not be throttled
         "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
         "--disable-backgrounding-occluded-windows", "--disable-hang-monitor",
         "--disable-ipc-flooding-protection", "--disable-popup-blocking",
         "--disable-prompt-on-repost", "--force-color-profile=srgb", "--allow-pre-commit-input",
         # startup work that only calls home, and HTTP kept HTTP (pages on loopback)
         "--disable-features=" + ",".join((
             "HttpsUpgrades", "HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter",
             "PaintHolding", "OptimizationHints", "NetworkTimeServiceQuerying", "AimEnabled",
             "PreconnectToSearch", "Translate", "AutofillServerCommunication",
             "CertificateTransparencyComponentUpdater", "InterestFeedContentSuggestions")),
         "--no-sandbox",  # the session's container is the boundary
         "--remote-debugging-pipe"]
MAX_MESSAGE = 256 * 1024 * 1024
START_TIMEOUT_S = 60.0  # bounds a hang only: a loaded 2-core machine starts Chromium slowly
CLOSE_TIMEOUT_S = 5.0
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class BrowserUnavailable(Exception):
    pass


def viewport_of(options: dict) -> dict:
    return options.get("viewport") or {"width": 1280, "height": 800}


def profile_dir(options: dict) -> str:
    name = options.get("persist_profile_context")
    if not name:
        return SCRATCH_PROFILE
    if not _PROFILE_NAME.match(name):
        raise ValueError("persist_profile_context must be a simple name")
    return os.path.join(PROFILES, name)


def launch_args(options: dict) -> tuple[list[str], dict]:
    """Chromium's argv and extra environment for these (already validated) options."""
    exe = next((p for p in EXECUTABLES if os.access(p, os.X_OK)), None)
    if exe is None:
        raise BrowserUnavailable("chromium is not installed in this image")
    args, env = [exe, *FLAGS], {}
    args.append(f"--user-data-dir={profile_dir(options)}")
    viewport = viewport_of(options)
    args.append(f"--window-size={int(viewport['width'])},{int(viewport['height'])}")
    if options.get("user_agent"):
        args.append(f"--user-agent={options['user_agent']}")
    if options.get("locale"):
        args += [f"--lang={options['locale']}", f"--accept-lang={options['locale']}"]
        env["LANGUAGE"] = options["locale"].replace("-", "_")
    if options.get("timezone"):
        env["TZ"] = options["timezone"]
    proxy = options.get("proxy")
    if proxy:
        args.append(f"--proxy-server={proxy['server']}")
        if proxy.get("bypass"):
            args.append(f"--proxy-bypass-list={proxy['bypass']}")
    args = _with_extra(args, options.get("extra_args") or [])
    args = browser_extensions.extension_args(args, browser_extensions.extension_folders(options.get("extension_dir")))
    args.append("about:blank")  # one page to start with, as connect_over_cdp expects (start_url: opened later)
    return args, env


def _with_extra(args: list[str], extra: list[str]) -> list[str]:
    """The caller's switches after ours; a features list joins ours (Chromium keeps only the last)."""
    merged = list(args)
    for arg in extra:
        name, _, value = arg.partition("=")
        if name in ("--disable-features", "--enable-features"):
            at = next((i for i, a in enumerate(merged) if a.startswith(name + "=")), None)
            if at is not None:
                merged[at] = f"{merged[at]},{value}"
                continue
        merged.append(arg)
    return merged


class Chromium:
    """The process, its pipe, and the multiplexer on it."""

    def __init__(self):
        self.proc = Supervised("chromium")
        self.mux: cdp_mux.Multiplexer | None = None
        self.state = "stopped"  # stopped | starting | running | crashed
        self.options: dict = {}
        self.exit_code: int | None = None
        self.started_ms = 0.0
        self.version = ""
        self._stopping = False
        self._lock = asyncio.Lock()
        self._tasks: list[asyncio.Task] = []

    def status(self) -> dict:
        options = self.options
        if (options.get("proxy") or {}).get("password"):
            options = {**options, "proxy": {**options["proxy"], "password": "***"}}
        out = {"state": self.state, "version": self.version, "options": options,
               "pid": self.proc.pid if self.state == "running" else None,
               "clients": len(self.mux.clients) if self.mux else 0, "started_ms": self.started_ms}
        if self.state == "crashed":
            out["exit_code"] = self.exit_code
            out["log_tail"] = "\n".join(self.proc.log_tail)[-4000:]
        return out

    async def ensure_running(self) -> None:
        """Start with default options the first time; a crash waits for an explicit restart."""
        async with self._lock:
            if self.state == "stopped":
                await self._start({})
        if self.state == "crashed":
            raise BrowserUnavailable(f"the browser crashed (exit code {self.exit_code}); "
                                     "call initialize to restart it")

    async def restart(self, options: dict) -> None:
        async with self._lock:
            await self._stop()
            await self._start(options)

    async def _start(self, options: dict) -> None:
        args, extra_env = launch_args(options)
        os.makedirs(DOWNLOADS, exist_ok=True)
        _remove_stale_lock(profile_dir(options))
        began = time.monotonic()
        cmd_r, cmd_w = os.pipe()  # envd -> chromium fd 3
        out_r, out_w = os.pipe()  # chromium fd 4 -> envd
        # the child's ends must not be 3 or 4 themselves, or the moves below would close them
        cmd_r, out_w = _above_4(cmd_r), _above_4(out_w)
        env = {**os.environ, **extra_env}
        # bash (dash takes one-digit fds only) puts our pipe ends on fds 3 and 4,
        # where Chromium looks for them
        script = f'exec "$@" 3<&{cmd_r} 4>&{out_w} {cmd_r}<&- {out_w}>&-'
        try:
            await self.proc.start(["/bin/bash", "-c", script, "bash", *args], env=env, pass_fds=(cmd_r, out_w))
        finally:
            os.close(cmd_r)
            os.close(out_w)
        self.state, self.options, self.exit_code, self._stopping = "starting", options, None, False
        loop = asyncio.get_running_loop()
        # non-blocking both ways: a browser slow to read must not stall envd's other ops
        writer, _ = await loop.connect_write_pipe(asyncio.Protocol, os.fdopen(cmd_w, "wb", buffering=0))
        reader = asyncio.StreamReader(limit=MAX_MESSAGE, loop=loop)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                     os.fdopen(out_r, "rb", buffering=0))
        self.mux = cdp_mux.Multiplexer(lambda data: _write_all(writer, data + b"\0"))
        self._tasks = [asyncio.ensure_future(self._pump(reader, self.mux)),
                       asyncio.ensure_future(self._watch(self.proc.process, self.mux, writer))]
        try:
            version = await self.mux.command("Browser.getVersion", timeout=START_TIMEOUT_S)
            await self.mux.command("Browser.setDownloadBehavior",
                                   {"behavior": "allow", "downloadPath": DOWNLOADS})
            proxy = options.get("proxy") or {}
            login = (proxy["username"], proxy.get("password") or "") if proxy.get("username") else None
            await page_keeper.PageKeeper(self.mux, viewport_of(options), options.get("extra_headers") or {},
                                         proxy_login=login).start()
            if options.get("start_url"):
                await self._open_first_page(options["start_url"])
        except (ConnectionError, asyncio.TimeoutError, cdp_mux.CdpError) as e:
            await self._stop()
            self.state = "crashed"
            raise BrowserUnavailable(f"chromium did not start: {e or type(e).__name__}; "
                                     + self.proc.tail()) from None
        self.version = version.get("product", "")
        self.started_ms = round((time.monotonic() - began) * 1000, 1)
        self.state = "running"

    async def _open_first_page(self, url: str) -> None:
        """The first page goes to `url` (over CDP: Chromium opens a new-tab page for a chrome://
        URL given on its command line)."""
        targets = await self.mux.command("Target.getTargets")
        page = next((t for t in targets.get("targetInfos", []) if t.get("type") == "page"), None)
        if page is None:
            return
        attached = await self.mux.command("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})
        try:  # a page that cannot load shows its error, as for a user; the browser runs on
            await self.mux.command("Page.navigate", {"url": url}, session_id=attached["sessionId"])
        except cdp_mux.CdpError:
            pass
        finally:
            await self.mux.command("Target.detachFromTarget", {"sessionId": attached["sessionId"]})

    async def _pump(self, reader: asyncio.StreamReader, mux) -> None:
        try:
            while True:
                raw = await reader.readuntil(b"\0")
                try:
                    mux.from_browser(raw[:-1])
                except ValueError:  # not JSON: nothing to route
                    continue
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass

    async def _watch(self, process, mux, writer) -> None:
        code = await process.wait()
        mux.close("the browser exited")
        writer.close()
        if process is self.proc.process and not self._stopping:
            self.state, self.exit_code = "crashed", code

    async def _stop(self) -> None:
        proc = self.proc.process
        if proc is None:
            return
        self._stopping = True
        if proc.returncode is None and self.mux is not None:
            try:  # a clean close writes the profile (cookies, storage) to disk
                await self.mux.command("Browser.close", timeout=CLOSE_TIMEOUT_S)
                await asyncio.wait_for(proc.wait(), CLOSE_TIMEOUT_S)
            except (cdp_mux.CdpError, ConnectionError, asyncio.TimeoutError):
                pass
        await self.proc.stop()  # the whole group: renderers, zygotes and helpers left behind too
        for task in self._tasks:
            await asyncio.wait([task], timeout=2)
            task.cancel()
        if self.mux:
            self.mux.close("the browser was stopped")
        self.mux, self.state = None, "stopped"


def _write_all(writer: asyncio.WriteTransport, data: bytes) -> None:
    if writer.is_closing():
        raise ConnectionError("the browser pipe is closed")
    writer.write(data)


def _above_4(fd: int) -> int:
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


def _remove_stale_lock(profile: str) -> None:
    """A profile copied from an ended session still names its old owner; Chromium would refuse it."""
    for name in ("SingletonLock", "SingletonSocket", "SingletonCookie"):
        path = os.path.join(profile, name)
        if os.path.islink(path) or os.path.exists(path):
            os.unlink(path)


CHROMIUM = Chromium()


async def handle_start(req: dict, reader, reply) -> None:
    options = req.get("options") or {}
    if not isinstance(options, dict):
        raise ValueError("options must be an object")
    try:
        await CHROMIUM.restart(options)
    except BrowserUnavailable as e:
        await reply.json({"error": "browser_error", "message": str(e)})
        return
    await reply.json(CHROMIUM.status())


async def handle_ensure(req: dict, reader, reply) -> None:
    """Running as it is, or started with default options; never a restart."""
    try:
        await CHROMIUM.ensure_running()
    except BrowserUnavailable as e:
        await reply.json({"error": "browser_error", "message": str(e)})
        return
    await reply.json(CHROMIUM.status())


def autostart() -> None:
    """Start Chromium in the background as envd comes up (browser image); a failure
    shows as a crashed browser in the status, with its log."""
    async def start():
        try:
            await CHROMIUM.ensure_running()
        except (BrowserUnavailable, OSError):
            pass
    asyncio.get_running_loop().create_task(start())


async def handle_status(req: dict, reader, reply) -> None:
    await reply.json(CHROMIUM.status())


async def handle_stop(req: dict, reader, reply) -> None:
    async with CHROMIUM._lock:
        await CHROMIUM._stop()
    await reply.json(CHROMIUM.status())


async def handle_cdp(req: dict, reader, reply) -> None:
    """A CDP connection: after an `ok` frame, each BYTES message either way is one CDP message."""
    target_id = req.get("target_id") or ""
    if not isinstance(target_id, str) or len(target_id) > 64 or not target_id.isalnum() and target_id:
        raise ValueError("target_id must be a target's id")
    try:
        await CHROMIUM.ensure_running()
        mux = CHROMIUM.mux
        client = await mux.add_client(target_id)
    except (BrowserUnavailable, ConnectionError, asyncio.TimeoutError, cdp_mux.CdpError) as e:
        await reply.json({"error": "browser_error", "message": str(e) or "the browser is not running"})
        return
    await reply.json({"ok": True})
    sender = asyncio.ensure_future(_send_to_client(client, reply))
    try:
        while not client.closed:
            frame = await wire.read_message(reader, MAX_MESSAGE)
            if frame is None:
                break
            kind, payload = frame
            if kind != wire.BYTES:
                raise ValueError("a cdp connection carries CDP messages as bytes")
            mux.from_client(client, payload)
    finally:
        sender.cancel()
        await mux.remove_client(client)


async def _send_to_client(client, reply) -> None:
    while True:
        data = await client.queue.get()
        if data is None:
            reply._writer.close()  # tell the peer this connection is over
            return
        client.queued_bytes -= len(data)
        reply._writer.write(wire.encode_message(data))
        await reply._writer.drain()


HANDLERS = {"browser_start": handle_start, "browser_ensure": handle_ensure, "browser_status": handle_status,
            "browser_stop": handle_stop, "cdp": handle_cdp}
