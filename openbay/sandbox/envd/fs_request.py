"""What every file op does with its request: check the path and number arguments,
receive the bytes an upload sends after it, and turn failures into error answers.

envd runs inside the sandbox's mount namespace as the sandbox user, so it cannot
reach host files at all; resolving paths here is about clear answers, not the
boundary: relative paths are relative to the home, `..` is normalised away.
"""
import errno
import functools
import os
import stat

import wire

HOME = os.environ.get("HOME") or "/home/user"
MAX_PATH = 4096


class FsError(Exception):
    """An answer for the caller: `code` is one of the API's error codes."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class Aborted(Exception):
    """The peer hung up before the end of an upload."""


def resolve(path, what: str = "path") -> str:
    if not isinstance(path, str) or not path:
        raise FsError("bad_request", f"{what} must be a non-empty string")
    if "\0" in path or len(path) > MAX_PATH:
        raise FsError("bad_request", f"{what} has a NUL byte or is longer than {MAX_PATH} characters")
    if path == "~" or path.startswith("~/"):
        path = HOME + path[1:]
    return os.path.normpath(os.path.join(HOME, path))


def int_arg(req: dict, name: str, default: int = 0) -> int:
    value = req.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise FsError("bad_request", f"{name} must be a whole number >= 0")
    return value


def is_a_directory(path: str) -> FsError:
    return FsError("bad_request", f"{path} is a directory, not a file")


def require_dir(path: str) -> None:
    if not os.path.exists(path):
        raise FsError("not_found", f"no such directory: {path}")
    if not os.path.isdir(path):
        raise FsError("bad_request", f"{path} is a file, not a directory")


def open_regular(path: str) -> tuple[int, os.stat_result]:
    """A read-only fd of a regular file; anything else (a directory, a FIFO, a device) is refused."""
    try:  # O_NONBLOCK: opening a FIFO must not hang envd
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise FsError("not_found", f"file not found: {path}") from None
    st = os.fstat(fd)
    if stat.S_ISREG(st.st_mode):
        return fd, st
    os.close(fd)
    if stat.S_ISDIR(st.st_mode):
        raise is_a_directory(path)
    raise FsError("bad_request", f"{path} is not a regular file")


async def receive_chunks(reader):
    """The BYTES frames of an upload, until the JSON end frame; Aborted on a hang-up."""
    while True:
        frame = await wire.read_frame(reader)
        if frame is None:
            raise Aborted()
        kind, payload = frame
        if kind == wire.BYTES:
            yield payload
        else:
            return


# a file the sandbox user may not touch is a bad request (400), not 403: 403 says the API key lacks a right
_CODES = {errno.ENOENT: "not_found", errno.EEXIST: "conflict", errno.ENOTEMPTY: "conflict"}


def os_error(e: OSError, path: str = "") -> FsError:
    where = path or e.filename or ""
    if e.errno == errno.ENOENT:
        return FsError("not_found", f"no such file or directory: {where}")
    if e.errno == errno.EISDIR:
        return is_a_directory(where)
    if e.errno == errno.ENOTDIR:
        return FsError("bad_request", f"a part of {where} is not a directory")
    return FsError(_CODES.get(e.errno, "bad_request"), f"{e.strerror or e}: {where}")


def fs_op(handler):
    """Turn FsError and OSError raised by a handler into an error answer."""

    @functools.wraps(handler)
    async def wrapped(req, reader, reply):
        try:
            await handler(req, reader, reply)
        except FsError as e:
            await reply.json({"error": e.code, "message": str(e)})
        except OSError as e:
            if isinstance(e, ConnectionError):
                raise
            err = os_error(e)
            await reply.json({"error": err.code, "message": str(err)})

    return wrapped
