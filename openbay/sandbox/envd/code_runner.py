"""The `code.run` and `code.restart` ops: code cells run by a kernel process
(Python, JavaScript on Node.js, R on Rscript, Java on JShell).

Stateful runs go to one long-lived kernel per language (variables survive
between calls, as in a notebook); stateless runs get a fresh kernel that is
gone afterwards. A run past its timeout is interrupted (SIGINT, state kept);
a kernel that does not answer the interrupt is killed and starts afresh.
"""
import asyncio
import codecs
import functools
import itertools
import json
import os
import signal
import time

import wire

HERE = os.path.dirname(os.path.abspath(__file__))
COMMANDS = {"python": ["/usr/bin/python3", os.path.join(HERE, "kernel_python.py")],
            "javascript": ["/usr/bin/node", os.path.join(HERE, "kernel_node.js")],
            "r": ["/usr/bin/Rscript", "--vanilla", os.path.join(HERE, "kernel_r.R")],
            # the source launcher compiles the kernel at start; a small serial heap and the
            # first JIT tier start JShell fastest on a small sandbox
            "java": ["/usr/bin/java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                     os.path.join(HERE, "kernel_java.java")]}
ALIASES = {"py": "python", "python3": "python", "js": "javascript", "node": "javascript"}
MAX_OUTPUT = 2 * 1024 * 1024  # per stream: the whole answer must fit one wire frame
MAX_REPLY = 64 * 1024 * 1024
INTERRUPT_GRACE_S = 2.0
PIPE_ATOMIC = 60_000
START_TIMEOUT_S = {"java": 120.0}  # compiling the kernel and starting JShell, on a loaded machine
START_TIMEOUT_DEFAULT_S = 30.0


class _Output:
    """A kernel's stdout or stderr pipe, kept (up to a cap) for the run in progress."""

    def __init__(self, fd: int):
        self.fd = fd
        self.parts: list[bytes] = []
        self.kept = 0
        self.truncated = False
        self.sink = None  # a run that streams: each chunk goes there as read, nothing is kept
        os.set_blocking(fd, False)
        asyncio.get_running_loop().add_reader(fd, self.read_available)

    def read_available(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except (BlockingIOError, OSError):
                return
            if not chunk:
                asyncio.get_running_loop().remove_reader(self.fd)
                return
            if self.sink is not None:
                self.sink(chunk)
                continue
            room = MAX_OUTPUT - self.kept
            if len(chunk) > room:
                chunk, self.truncated = chunk[:max(room, 0)], True
            self.parts.append(chunk)
            self.kept += len(chunk)

    def take(self) -> tuple[str, bool]:
        """What the run wrote, and whether it passed the cap; then starts afresh."""
        self.read_available()
        text = b"".join(self.parts).decode("utf-8", errors="replace")
        truncated = self.truncated
        self.parts, self.kept, self.truncated = [], 0, False
        return text, truncated

    def close(self) -> None:
        asyncio.get_running_loop().remove_reader(self.fd)
        os.close(self.fd)


class Kernel:
    def __init__(self, language: str):
        self.language = language
        self.lock = asyncio.Lock()
        self.proc = None
        self.ids = itertools.count(1)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self) -> None:
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        env = {**os.environ, "OPENBAY_KERNEL_FDS": f"{request_r},{reply_w}",
               "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/matplotlib"}
        try:
            self.proc = await asyncio.create_subprocess_exec(
                *COMMANDS[self.language], stdin=asyncio.subprocess.DEVNULL, stdout=out_w,
                stderr=err_w, pass_fds=(request_r, reply_w), env=env,
                cwd=os.environ.get("HOME", "/"), start_new_session=True)
        finally:
            for fd in (request_r, reply_w, out_w, err_w):
                os.close(fd)
        loop = asyncio.get_running_loop()
        self.replies = asyncio.StreamReader(limit=MAX_REPLY, loop=loop)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(self.replies, loop=loop),
                                     os.fdopen(reply_r, "rb", buffering=0))
        self.requests = os.fdopen(request_w, "wb", buffering=0)
        self.stdout, self.stderr = _Output(out_r), _Output(err_r)
        try:
            ready = await asyncio.wait_for(self.replies.readline(),
                                           START_TIMEOUT_S.get(self.language, START_TIMEOUT_DEFAULT_S))
        except asyncio.TimeoutError:
            ready = b""
        if not ready:
            detail = self.stderr.take()[0].strip()[-2000:]
            await self.stop()
            raise RuntimeError(f"the {self.language} kernel did not start: {detail or 'no output'}")

    async def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        await self.proc.wait()
        for closing in (self.requests.close, self.stdout.close, self.stderr.close):
            try:
                closing()
            except OSError:
                pass
        self.proc = None

    async def _reply(self, request_id: int) -> dict:
        while True:
            line = await self.replies.readline()
            if not line:
                raise EOFError()
            reply = json.loads(line)
            if reply.get("id") == request_id:  # a stale answer of an interrupted cell is dropped
                return reply

    async def run(self, code: str, timeout_s: float, sink=None) -> dict:
        """The kernel's reply with stdout/stderr added; starts the kernel when needed.
        `sink(name, chunk)`: the output goes there as it comes instead (the reply has none)."""
        async with self.lock:
            if not self.alive:
                await self.start()
            self.stdout.take(), self.stderr.take()  # what background work wrote in between
            for name, out in (("stdout", self.stdout), ("stderr", self.stderr)):
                out.sink = functools.partial(sink, name) if sink is not None else None
            try:
                return await self._run(code, timeout_s)
            finally:
                if self.alive:
                    self.stdout.sink = self.stderr.sink = None

    async def _run(self, code: str, timeout_s: float) -> dict:
        restarted = False
        request_id = next(self.ids)
        line = json.dumps({"id": request_id, "code": code, "timeout_ms": int(timeout_s * 1000)})
        data = line.encode() + b"\n"
        if len(data) < PIPE_ATOMIC:  # fits the pipe: no thread needed
            self.requests.write(data)
        else:
            await asyncio.get_running_loop().run_in_executor(None, self.requests.write, data)
        timed_out = False
        try:
            # node stops a cell at its timeout itself; give that the first go
            grace = 0.5 if self.language == "javascript" else 0.0
            reply = await asyncio.wait_for(self._reply(request_id), timeout_s + grace)
        except asyncio.TimeoutError:
            timed_out = True
            reply = await self._interrupt(request_id)
            restarted = reply is None
        except (EOFError, ValueError):  # the kernel exited, or sent what is not a reply
            reply, restarted = None, True
        if reply is not None and reply.pop("timed_out", False):
            timed_out = True  # the kernel stopped the cell itself (node's vm timeout)
        (stdout, cut_out), (stderr, cut_err) = self.stdout.take(), self.stderr.take()
        output = {"stdout": stdout, "stderr": stderr, "truncated": cut_out or cut_err}
        if reply is None:
            await self.stop()
            why = (f"execution passed the timeout of {timeout_s:g} s" if timed_out
                   else "the kernel exited")
            reply = {"results": [], "error": {
                "name": "TimeoutError" if timed_out else "KernelDied",
                "value": f"{why}; the kernel was restarted and its state is lost",
                "traceback": ""}}
        elif timed_out:
            reply["error"] = {"name": "TimeoutError",
                              "value": f"execution passed the timeout of {timeout_s:g} s and "
                                       "was interrupted; the kernel state is kept",
                              "traceback": (reply.get("error") or {}).get("traceback", "")}
        return {**reply, **output, "timed_out": timed_out, "kernel_restarted": restarted}

    async def _interrupt(self, request_id: int) -> dict | None:
        try:
            os.kill(self.proc.pid, signal.SIGINT)
            return await asyncio.wait_for(self._reply(request_id), INTERRUPT_GRACE_S)
        except (ProcessLookupError, asyncio.TimeoutError, EOFError):
            return None


_kernels: dict[str, Kernel] = {}


class NotInstalled(Exception):
    """The language is one envd runs, but this sandbox's image lacks its interpreter."""


def _language(req: dict) -> str:
    language = req.get("language", "python")
    language = ALIASES.get(language, language)
    if language not in COMMANDS:
        raise ValueError(f"language must be one of {', '.join(COMMANDS)}")
    if not os.path.exists(COMMANDS[language][0]):
        raise NotInstalled(f"{language} is not installed in this sandbox (no {COMMANDS[language][0]}); "
                           "the code image has every kernel")
    return language


def _answers_conflict(handler):
    """A kernel this image lacks is a conflict with the session's image (409), not a bad request."""
    async def handle(req, reader, reply) -> None:
        try:
            await handler(req, reader, reply)
        except NotInstalled as e:
            await reply.json({"error": "conflict", "message": str(e)})
    return handle


async def handle_run(req, reader, reply) -> None:
    code = req.get("code")
    if not isinstance(code, str):
        raise ValueError("code.run needs a 'code' string")
    language = _language(req)
    timeout_s = float(req.get("timeout_s", 60))
    if not 0 < timeout_s <= 3600:
        raise ValueError("timeout_s must be in (0, 3600]")
    started = time.monotonic()
    stream = _Stream(reply) if req.get("stream") else None
    sink = stream.put if stream is not None else None
    try:
        if req.get("stateful", True):
            kernel = _kernels.setdefault(language, Kernel(language))
            result = await kernel.run(code, timeout_s, sink)
        else:
            kernel = Kernel(language)
            try:
                result = await kernel.run(code, timeout_s, sink)
            finally:
                await kernel.stop()
    finally:
        if stream is not None:
            await stream.close()
    result.pop("id", None)
    _fit(result)
    # "error" on the envd wire means the op failed; a failing cell is a result
    result["execution_error"] = result.pop("error", None)
    result.update(language=language, execution_time_ms=round((time.monotonic() - started) * 1000, 3))
    if stream is not None:
        result.update(type="result", truncated=result.get("truncated") or stream.dropped)
    await reply.json(result)


class _Stream:
    """A run's output sent as it comes ({"type": "stdout"|"stderr", "data"} frames), in order,
    by one sender; past MAX_OUTPUT waiting to be sent (a reader slower than the cell) the rest
    is dropped and the result says `truncated`."""

    def __init__(self, reply):
        self.reply, self.waiting, self.dropped = reply, 0, False
        self.queue: asyncio.Queue = asyncio.Queue()
        self.decoders = {name: codecs.getincrementaldecoder("utf-8")("replace") for name in ("stdout", "stderr")}
        self.sender = asyncio.ensure_future(self._send())

    def put(self, name: str, chunk: bytes) -> None:
        if self.waiting + len(chunk) > MAX_OUTPUT:
            self.dropped = True
            return
        self.waiting += len(chunk)
        self.queue.put_nowait((name, chunk))

    async def _send(self) -> None:
        while (item := await self.queue.get()) is not None:
            name, chunk = item
            self.waiting -= len(chunk)
            if text := self.decoders[name].decode(chunk):
                await self.reply.json({"type": name, "data": text})
        for name, decoder in self.decoders.items():
            if text := decoder.decode(b"", final=True):
                await self.reply.json({"type": name, "data": text})

    async def close(self) -> None:
        self.queue.put_nowait(None)
        await self.sender


def _fit(result: dict) -> None:
    """Keep the answer inside one wire frame: drop rich outputs, then shorten the output."""
    budget = wire.MAX_FRAME - 64 * 1024

    def fits() -> bool:
        return len(json.dumps(result)) <= budget

    if fits():
        return
    result["truncated"] = True
    for out in reversed(result.get("results", [])):
        for key in ("png", "svg", "html", "markdown"):
            if out.pop(key, None) is not None and fits():
                return
    for key in ("stderr", "stdout"):
        result[key] = result[key][:budget // 8]
        if fits():
            return
    result["results"] = []


async def handle_restart(req, reader, reply) -> None:
    languages = [_language(req)] if req.get("language") else list(_kernels)
    for language in languages:
        kernel = _kernels.pop(language, None)
        if kernel is not None:
            async with kernel.lock:
                await kernel.stop()
    await reply.json({"ok": True, "restarted": languages})


HANDLERS = {"code.run": _answers_conflict(handle_run), "code.restart": _answers_conflict(handle_restart)}
