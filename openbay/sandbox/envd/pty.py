"""The `pty` op: an interactive shell on a pseudo-terminal, carried over the envd socket.

The shell runs in a session of its own with the pty as its controlling terminal, so job
control works (Ctrl-C, Ctrl-Z, fg) and programs see a real terminal (colours, curses).
After an `ok` frame ({"ok": true, "pid": N}) the client sends BYTES messages (keystrokes)
and JSON frames ({"resize": {"cols": C, "rows": R}}); envd sends BYTES messages (what
the terminal shows) and, when the shell has exited, one JSON frame
({"type": "exit", "exit_code": N}) before it closes. A client that goes away hangs the
shell up (SIGHUP to its process group), as closing a terminal window does.
Standard library only.
"""
import asyncio
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios

import wire

MAX_INPUT = 1024 * 1024
READ_SIZE = 65536
MAX_DIMENSION = 1000
# run in the child after setsid(): make the pty (its stdin) the controlling terminal, then the shell
_TAKE_TTY = ("import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
             "os.execvpe(sys.argv[1], sys.argv[1:], os.environ)")


def _size(req: dict, key: str, default: int) -> int:
    value = req.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_DIMENSION:
        raise ValueError(f"{key} must be a whole number from 1 to {MAX_DIMENSION}")
    return value


def set_size(fd: int, cols: int, rows: int) -> None:
    """The kernel tells the foreground process group (SIGWINCH)."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def _argv(req: dict) -> list[str]:
    command = req.get("command")
    if command is None or command == "":
        shell = "/bin/bash" if os.path.exists("/bin/bash") else "/bin/sh"
        return [shell, "-l"] if shell.endswith("bash") else [shell]
    if not isinstance(command, str):
        raise ValueError("command must be a string")
    return ["/bin/sh", "-c", command]


def _spawn(req: dict, slave: int) -> subprocess.Popen:
    env = dict(os.environ)
    envs = req.get("envs") or {}
    if not isinstance(envs, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in envs.items()):
        raise ValueError("envs must map names to strings")
    env.update({"TERM": "xterm-256color", "COLORTERM": "truecolor"})
    env.update(envs)
    cwd = req.get("cwd") or env.get("HOME") or "/"
    if not isinstance(cwd, str) or not os.path.isdir(cwd):
        raise ValueError(f"working directory {cwd!r} does not exist")
    return subprocess.Popen([sys.executable, "-S", "-E", "-c", _TAKE_TTY, *_argv(req)],
                            stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env,
                            start_new_session=True, close_fds=True)


async def handle_pty(req: dict, reader, reply) -> None:
    cols, rows = _size(req, "cols", 80), _size(req, "rows", 24)
    master, slave = os.openpty()
    try:
        set_size(master, cols, rows)
        proc = _spawn(req, slave)
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    os.set_blocking(master, False)
    loop = asyncio.get_running_loop()
    output: asyncio.Queue = asyncio.Queue()

    def readable() -> None:
        try:
            chunk = os.read(master, READ_SIZE)
        except BlockingIOError:
            return
        except OSError:  # EIO: every process that held the terminal has gone
            chunk = b""
        if not chunk:
            loop.remove_reader(master)
        output.put_nowait(chunk)

    loop.add_reader(master, readable)
    await reply.json({"ok": True, "pid": proc.pid})

    async def to_client() -> None:
        while chunk := await output.get():
            await reply.data(chunk)  # under wire.MAX_FRAME: one BYTES frame is a whole message

    async def from_client() -> None:
        while True:
            frame = await wire.read_message(reader, MAX_INPUT)
            if frame is None:
                return
            kind, payload = frame
            if kind == wire.BYTES:
                _write_all(master, payload)
            else:
                resize = wire.decode_json(kind, payload).get("resize")
                if isinstance(resize, dict):
                    set_size(master, _size(resize, "cols", cols), _size(resize, "rows", rows))

    # the shell may exit while a background job still holds the terminal open: its exit, not
    # the end of output, ends the terminal
    exited = asyncio.ensure_future(asyncio.to_thread(proc.wait))
    tasks = [asyncio.ensure_future(to_client()), asyncio.ensure_future(from_client())]
    try:
        done, _ = await asyncio.wait([*tasks, exited], return_when=asyncio.FIRST_COMPLETED)
        if tasks[1] not in done:  # the shell ended: what it wrote last, then how it ended
            code = await exited
            await asyncio.sleep(0.05)  # its last output may still be on the way through the pty
            while not output.empty():
                chunk = output.get_nowait()
                if chunk:
                    await reply.data(chunk)
            await reply.json({"type": "exit", "exit_code": code if code >= 0 else 128 - code})
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        loop.remove_reader(master)
        _hang_up(proc)
        os.close(master)
        await asyncio.to_thread(_reap, proc)
        await exited


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            select.select([], [fd], [], 1.0)


def _hang_up(proc: subprocess.Popen) -> None:
    """SIGHUP to the shell's session, as a closed terminal window sends (jobs it left go too)."""
    try:
        os.killpg(proc.pid, signal.SIGHUP)
    except ProcessLookupError:
        pass


def _reap(proc: subprocess.Popen) -> None:
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


HANDLERS = {"pty": handle_pty}
