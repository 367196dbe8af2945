"""E2B's processes on OpenBay's envd: each one an envd `exec` (stdout and stderr apart) or
`pty` op, held by the server so that a client may leave and come back (E2B's `background`,
`connect`), list, signal and write to it.

A command's process group leader reports its pid first thing on stderr (a marker this module
takes off again), so kill and stdin act on the real process in the sandbox. Stdin, when asked
for, is a FIFO kept open by a holder process until `close_stdin` ends it.
"""
from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import shlex
from dataclasses import dataclass, field

from openbay.sandbox import EnvdError
from openbay.sandbox.envd import wire
from openbay.sandbox.envd.client import read_answer

MARK = "\x1e"
_MARKER = re.compile(MARK + r"(\d+)(?::(\d+))?" + MARK)
KEPT_BYTES = 8 * 1024 * 1024  # output kept for a stream that reads slower than the process writes
NO_DEADLINE_MS = 30 * 86400 * 1000
START_READER = "start"  # the stream of the Start call that made the process
_STDIN = ('f=$(mktemp -u /tmp/.e2b-stdin.XXXXXXXX) && mkfifo -m 600 "$f" || exit 1\n'
          'sleep infinity >"$f" 2>/dev/null </dev/null & h=$!\nexec 0<"$f"; rm -f "$f"\n')


def shell_line(cmd: str, args: list[str], stdin: bool) -> str:
    """The command as envd's shell runs it: marker first, then the process itself in its place."""
    report = f"printf '{MARK}%s:%s{MARK}' \"$$\" \"$h\" >&2\n" if stdin else f"printf '{MARK}%s{MARK}' \"$$\" >&2\n"
    return (_STDIN if stdin else "") + report + "exec " + shlex.join([cmd, *args])


@dataclass
class Event:
    kind: str  # "stdout", "stderr", "pty", "end"
    data: bytes = b""
    exit_code: int = 0
    error: str = ""


@dataclass
class Process:
    pid: int
    cmd: str
    args: list[str]
    envs: dict[str, str]
    cwd: str
    tag: str | None = None
    pty: bool = False
    stdin_holder: int | None = None
    events: list[Event] = field(default_factory=list)
    dropped: int = 0  # events taken off the front of `events`: every reader has them, or too many were kept
    kept: int = 0
    # where each stream reading the process is; the Start stream's place is held from the first event
    readers: dict = field(default_factory=lambda: {START_READER: 0})
    ended: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    channel: tuple | None = None  # a pty's envd connection (reader, writer)
    task: asyncio.Task | None = None

    def push(self, event: Event) -> None:
        self.events.append(event)
        self.kept += len(event.data)
        self._trim()
        self.ended = self.ended or event.kind == "end"
        self.changed.set()
        self.changed = asyncio.Event()

    def _trim(self) -> None:
        """Output no stream will read again goes; a slow reader loses the oldest past KEPT_BYTES."""
        floor = min(self.readers.values(), default=self.position)
        while self.events and (self.dropped < floor or (self.kept > KEPT_BYTES and len(self.events) > 1)):
            self.kept -= len(self.events.pop(0).data)
            self.dropped += 1

    def watch(self, reader=None):
        """A place to read from, from now on (kept until `release`): the key for `follow`."""
        reader = reader if reader is not None else object()
        self.readers[reader] = self.position
        return reader

    def release(self, reader) -> None:
        self.readers.pop(reader, None)
        self._trim()

    async def follow(self, reader):
        """The events from the reader's place to the end."""
        try:
            while reader in self.readers:
                at = max(self.readers[reader], self.dropped)
                while at - self.dropped < len(self.events):
                    event = self.events[at - self.dropped]
                    at = self.readers[reader] = at + 1
                    yield event
                    if event.kind == "end":
                        return
                if self.ended:
                    return
                await self.changed.wait()
        finally:
            self.release(reader)

    @property
    def position(self) -> int:
        return self.dropped + len(self.events)


class ProcessTable:
    """The processes E2B's clients started in one session."""

    def __init__(self, envd):
        self.envd = envd
        self.procs: dict[int, Process] = {}

    def find(self, pid: int | None = None, tag: str | None = None) -> Process | None:
        if tag is not None:
            return next((p for p in self.procs.values() if p.tag == tag and not p.ended), None)
        return self.procs.get(pid)

    def running(self) -> list[Process]:
        return [p for p in self.procs.values() if not p.ended]

    async def start(self, cmd: str, args: list[str], envs: dict, cwd: str, *, tag: str | None,
                    stdin: bool, pty: tuple[int, int] | None, timeout_ms: int | None) -> Process:
        if pty is not None:
            return await self._start_pty(cmd, args, envs, cwd, tag, pty)
        started: asyncio.Future = asyncio.get_running_loop().create_future()
        request = {"op": "exec", "stream": True, "command": shell_line(cmd, args, stdin), "envs": envs,
                   "cwd": cwd or None, "timeout_ms": timeout_ms or NO_DEADLINE_MS, "max_output": 1 << 40}
        task = asyncio.get_running_loop().create_task(self._run(request, started, (cmd, args, envs, cwd, tag)))
        proc = await started
        proc.task = task
        return proc

    async def _run(self, request: dict, started: asyncio.Future, config: tuple) -> None:
        proc: Process | None = None
        head = ""  # stderr until the marker has passed
        early: list[Event] = []  # stdout envd read before the marker (the pipes are read apart)
        try:
            async for frame in self.envd.exec_stream(request):
                kind = frame.get("type")
                if kind == "exit":
                    if proc is None:  # it never ran (a missing cwd): no process to speak of
                        raise EnvdError(frame.get("error_message") or "the command did not start", "bad_request")
                    proc.push(Event("end", exit_code=frame.get("exit_code", -1),
                                    error=frame.get("error_message") or ""))
                    break
                data = frame.get("data", "")
                if proc is None and kind == "stderr":
                    head += data
                    match = _MARKER.search(head)
                    if match is None:
                        continue
                    proc = self._add(int(match.group(1)), config)
                    proc.stdin_holder = int(match.group(2)) if match.group(2) else None
                    started.set_result(proc)
                    for event in early:
                        proc.push(event)
                    data = head[:match.start()] + head[match.end():]
                    if not data:
                        continue
                if data:
                    (proc.push if proc is not None else early.append)(Event(kind, data.encode()))
        except EnvdError as e:
            if not started.done():
                started.set_exception(e)
                return
            if proc is not None:
                proc.push(Event("end", exit_code=-1, error=str(e)))
        finally:
            if not started.done():
                started.set_exception(EnvdError("the sandbox ended the command before it started"))
            if proc is not None and not proc.ended:
                proc.push(Event("end", exit_code=-1, error="the sandbox connection ended"))
            if proc is not None and proc.stdin_holder:
                with contextlib.suppress(EnvdError):
                    await self._shell(f"kill {proc.stdin_holder} 2>/dev/null")

    def _add(self, pid: int, config: tuple) -> Process:
        cmd, args, envs, cwd, tag = config
        self.procs = {p.pid: p for p in self.procs.values() if not p.ended}  # streams hold the ended ones
        proc = self.procs[pid] = Process(pid, cmd, list(args), dict(envs), cwd, tag)
        return proc

    async def _start_pty(self, cmd, args, envs, cwd, tag, size) -> Process:
        reader, writer = await self.envd.open()
        try:
            writer.write(wire.encode_json({"op": "pty", "command": shlex.join([cmd, *args]), "envs": envs,
                                           "cwd": cwd or None, "cols": size[0], "rows": size[1]}))
            await writer.drain()
            answer = await read_answer(reader)
        except BaseException:
            writer.close()
            raise
        proc = self._add(int(answer["pid"]), (cmd, args, envs, cwd, tag))
        proc.pty, proc.channel = True, (reader, writer)
        proc.task = asyncio.get_running_loop().create_task(self._pump_pty(proc, reader))
        return proc

    async def _pump_pty(self, proc: Process, reader) -> None:
        code, error = -1, "the terminal's connection ended"
        try:
            while (frame := await wire.read_message(reader, 1 << 24)) is not None:
                kind, payload = frame
                if kind == wire.BYTES:
                    proc.push(Event("pty", bytes(payload)))
                else:
                    code, error = wire.decode_json(kind, payload).get("exit_code", -1), ""
                    break
        except (wire.WireError, ConnectionError):
            pass
        finally:
            proc.push(Event("end", exit_code=code, error=error))
            proc.channel[1].close()

    async def _shell(self, command: str) -> dict:
        return await self.envd.exec({"command": command, "timeout_ms": 10_000})

    async def signal(self, proc: Process, name: str) -> None:
        """SIGTERM or SIGKILL to the process's whole group, as E2B's kill does."""
        await self._shell(f"kill -s {name} -- -{proc.pid} 2>/dev/null || kill -s {name} {proc.pid}")

    async def write_stdin(self, proc: Process, data: bytes) -> None:
        if proc.pty:
            proc.channel[1].write(wire.encode_message(data))
            await proc.channel[1].drain()
            return
        if proc.stdin_holder is None:
            raise EnvdError("the command was started without stdin (run it with stdin=True)", "bad_request")
        encoded = base64.b64encode(data).decode()
        result = await self._shell(f"printf %s {encoded} | base64 -d > /proc/{proc.pid}/fd/0")
        if result.get("exit_code"):
            raise EnvdError(f"could not write to the process's stdin: {result.get('stderr', '').strip()}")

    async def close_stdin(self, proc: Process) -> None:
        if proc.stdin_holder is None:
            raise EnvdError("the command was started without stdin (run it with stdin=True)", "bad_request")
        await self._shell(f"kill {proc.stdin_holder} 2>/dev/null")

    async def resize(self, proc: Process, cols: int, rows: int) -> None:
        if not proc.pty:
            raise EnvdError("only a pty can be resized", "bad_request")
        proc.channel[1].write(wire.encode_json({"resize": {"cols": cols, "rows": rows}}))
        await proc.channel[1].drain()

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.task is not None:
                proc.task.cancel()
