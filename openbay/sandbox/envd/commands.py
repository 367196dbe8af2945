"""The `exec` op: run a shell command in its own process group.

Output is read from raw pipes so that a background process the command leaves
behind (which still holds the pipe) neither blocks the answer nor dies of
SIGPIPE: after the shell exits we take what is buffered, answer, and keep
draining in the background until the last writer is gone.
"""
import asyncio
import codecs
import os
import signal
import subprocess
import time

SHELL = "/bin/bash" if os.path.exists("/bin/bash") else "/bin/sh"
DEFAULT_MAX_OUTPUT = 10 * 1024 * 1024
TIMEOUT_EXIT_CODE = 124
INLINE_OUTPUT = 256 * 1024  # characters; JSON escaping keeps a frame well under wire.MAX_FRAME
_background_drains: set = set()


class _Stream:
    """One output pipe: bytes kept up to a cap, decoded incrementally."""

    def __init__(self, fd: int, name: str, cap: int, on_text):
        self.fd, self.name, self.cap, self.on_text = fd, name, cap, on_text
        self.kept = 0
        self.truncated = False
        self.parts: list[str] = []
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.eof = False
        os.set_blocking(fd, False)

    def read_available(self) -> None:
        while not self.eof:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                return
            if not chunk:
                self.eof = True
                return
            self._take(chunk)

    def _take(self, chunk: bytes) -> None:
        room = self.cap - self.kept
        if room <= 0:
            self.truncated = True
            return
        if len(chunk) > room:
            chunk, self.truncated = chunk[:room], True
        self.kept += len(chunk)
        text = self.decoder.decode(chunk)
        if text:
            self.on_text(self.name, text)

    def finish(self) -> None:
        tail = self.decoder.decode(b"", final=True)
        if tail:
            self.on_text(self.name, tail)


async def handle_exec(req: dict, reader, reply) -> None:
    command = req.get("command")
    if not isinstance(command, str) or not command:
        raise ValueError("exec needs a non-empty 'command' string")
    timeout_s = float(req.get("timeout_ms", 60_000)) / 1000
    stream = bool(req.get("stream"))
    cap = int(req.get("max_output", DEFAULT_MAX_OUTPUT))
    cwd = req.get("cwd") or os.environ.get("HOME", "/")
    env = dict(os.environ)
    env.update(req.get("envs") or {})
    if not os.path.isdir(cwd):
        await reply.json({"type": "exit", "exit_code": 1, "output": "", "stderr": "",
                          "error_message": f"working directory {cwd!r} does not exist",
                          "timed_out": False, "truncated": False, "duration_ms": 0.0})
        return

    loop = asyncio.get_running_loop()
    pending: list[tuple[str, str]] = []
    flushed = asyncio.Event()
    collected = {"stdout": [], "stderr": []}

    def on_text(name: str, text: str) -> None:
        collected[name].append(text)
        if stream:
            pending.append((name, text))
            flushed.set()

    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    started = time.monotonic()
    try:
        proc = subprocess.Popen([SHELL, "-c", command], stdin=subprocess.DEVNULL, stdout=out_w,
                                stderr=err_w, cwd=cwd, env=env, start_new_session=True)
    finally:
        os.close(out_w)
        os.close(err_w)
    streams = [_Stream(out_r, "stdout", cap, on_text), _Stream(err_r, "stderr", cap, on_text)]
    for s in streams:
        loop.add_reader(s.fd, s.read_available)

    waiter = _exited(loop, proc)
    timed_out = False
    deadline = started + timeout_s
    while not waiter.done():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            _kill_group(proc.pid)
            await waiter
            await _group_gone(proc.pid)
            break
        flushed.clear()
        waiter_or_flush = [waiter, asyncio.ensure_future(flushed.wait())] if stream else [waiter]
        done, rest = await asyncio.wait(waiter_or_flush, timeout=remaining,
                                        return_when=asyncio.FIRST_COMPLETED)
        for f in rest:
            if f is not waiter:
                f.cancel()
        await _send_pending(reply, pending)

    for s in streams:  # everything the shell wrote is in the pipe by now
        loop.remove_reader(s.fd)
        s.read_available()
        s.finish()
    await _send_pending(reply, pending)
    _drain_in_background(loop, [s for s in streams if not s.eof])
    for s in streams:
        if s.eof:
            os.close(s.fd)

    truncated = any(s.truncated for s in streams)
    messages = []
    if timed_out:
        messages.append(f"command timed out after {int(timeout_s * 1000)} ms; its process group was killed")
    if truncated:
        messages.append(f"output passed the cap of {cap} bytes per stream and was cut")
    output, stderr = "".join(collected["stdout"]), "".join(collected["stderr"])
    if not stream and len(output) + len(stderr) > INLINE_OUTPUT:
        # too big for one frame: send it as chunks first, the client joins them
        for name, text in (("stdout", output), ("stderr", stderr)):
            for i in range(0, len(text), INLINE_OUTPUT):
                await reply.json({"type": name, "data": text[i:i + INLINE_OUTPUT]})
        output = stderr = ""
    await reply.json({
        "type": "exit",
        "exit_code": TIMEOUT_EXIT_CODE if timed_out else proc.returncode,
        "output": "" if stream else output,
        "stderr": "" if stream else stderr,
        "timed_out": timed_out,
        "truncated": truncated,
        "duration_ms": round((time.monotonic() - started) * 1000, 3),
        "error_message": "; ".join(messages),
    })


async def _send_pending(reply, pending: list) -> None:
    while pending:
        name, text = pending.pop(0)
        await reply.json({"type": name, "data": text})


def _exited(loop, proc: subprocess.Popen) -> asyncio.Future:
    """Resolves when proc has exited and is reaped.

    A pidfd on the event loop wakes us, where asyncio's own child watcher
    (Python 3.11) would start a thread per command to block in waitpid.
    """
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):  # kernel before 5.3: let a thread wait
        return asyncio.ensure_future(asyncio.to_thread(proc.wait))
    done = loop.create_future()

    def on_exit() -> None:
        loop.remove_reader(pidfd)
        os.close(pidfd)
        proc.wait()  # returns at once: the pidfd is readable only after the exit
        if not done.done():
            done.set_result(proc.returncode)

    loop.add_reader(pidfd, on_exit)
    return done


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


async def _group_gone(pgid: int, limit_s: float = 2.0) -> None:
    """Wait until SIGKILL has taken every member of the group, not only the shell:
    the answer says the group was killed, so the next command must not still see it."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        await asyncio.sleep(0.005)


def _drain_in_background(loop, streams: list) -> None:
    """Keep reading (and dropping) what background processes still write."""
    for s in streams:
        s.cap = 0

        def on_ready(s=s):
            s.read_available()
            if s.eof:
                loop.remove_reader(s.fd)
                os.close(s.fd)
                _background_drains.discard(s)

        _background_drains.add(s)
        loop.add_reader(s.fd, on_ready)
