"""File transfer ops: read and write in chunks, tar a directory out and back in.

Content moves as BYTES frames of at most CHUNK bytes, and every send waits for
the socket to drain, so a file of any size passes with flat memory.
Uploads answer `{"ready": true}` once the target checks out, before any data
moves: a bad path fails fast, not after the whole body was sent.
"""
import asyncio
import os
import secrets
import stat

from fs_common import CHUNK, Aborted, FsError, fs_op, int_arg, receive_chunks, require_dir, resolve

TAR = "/usr/bin/tar" if os.path.exists("/usr/bin/tar") else "tar"


def _open_regular(path: str) -> tuple[int, os.stat_result]:
    # O_NONBLOCK: opening a FIFO must not hang envd; anything but a regular file is refused
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    st = os.fstat(fd)
    if stat.S_ISREG(st.st_mode):
        return fd, st
    os.close(fd)
    if stat.S_ISDIR(st.st_mode):
        raise FsError("bad_request", f"{path} is a directory, not a file")
    raise FsError("bad_request", f"{path} is not a regular file")


@fs_op
async def handle_read(req, reader, reply):
    path = resolve(req.get("path"))
    offset, length = int_arg(req, "offset"), int_arg(req, "length")
    try:
        fd, st = _open_regular(path)
    except FileNotFoundError:
        raise FsError("not_found", f"file not found: {path}") from None
    try:
        start = min(offset, st.st_size)
        remaining = st.st_size - start if length == 0 else min(length, st.st_size - start)
        await reply.json({"path": path, "size": remaining, "file_size": st.st_size,
                          "mtime": st.st_mtime})
        pos = start
        while remaining > 0:
            chunk = os.pread(fd, min(CHUNK, remaining), pos)
            if not chunk:  # the file shrank while we read it
                break
            await reply.data(chunk)
            pos += len(chunk)
            remaining -= len(chunk)
        await reply.json({"done": True, "bytes": pos - start})
    finally:
        os.close(fd)


def _open_for_write(path: str, mode: str) -> tuple[int, str | None]:
    """The fd to write to and, for overwrite, the temporary file renamed over `path` at the end."""
    if os.path.isdir(path):
        raise FsError("bad_request", f"{path} is a directory, not a file")
    os.makedirs(os.path.dirname(path) or "/", exist_ok=True)
    if mode == "append":
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644), None
    temp = os.path.join(os.path.dirname(path),
                        f".{os.path.basename(path)}.{secrets.token_hex(4)}.part")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:  # keep the mode of the file we replace
        os.fchmod(fd, stat.S_IMODE(os.stat(path).st_mode))
    except FileNotFoundError:
        pass
    return fd, temp


@fs_op
async def handle_write(req, reader, reply):
    path = resolve(req.get("path"))
    mode = req.get("mode", "overwrite")
    if mode not in ("overwrite", "append"):
        raise FsError("bad_request", "mode must be 'overwrite' or 'append'")
    fd, temp = _open_for_write(path, mode)
    written = 0
    try:
        await reply.json({"ready": True})
        async for chunk in receive_chunks(reader):
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
            written += len(chunk)
        os.close(fd)
        fd = -1
        if temp:
            os.replace(temp, path)
            temp = None
    except Aborted:
        return  # the caller went away (or hit its limit): nothing to answer, nothing kept
    finally:
        if fd >= 0:
            os.close(fd)
        if temp:
            os.unlink(temp)
    await reply.json({"ok": True, "path": path, "bytes": written})


@fs_op
async def handle_tar(req, reader, reply):
    """The directory as an uncompressed tar stream (names relative to it)."""
    path = resolve(req.get("path"))
    require_dir(path)
    proc = await asyncio.create_subprocess_exec(
        TAR, "-C", path, "-cf", "-", ".", stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    await reply.json({"path": path})
    sent = 0
    try:
        while chunk := await proc.stdout.read(CHUNK):
            await reply.data(chunk)
            sent += len(chunk)
    except BaseException:  # the caller went away: stop tar too
        proc.kill()
        await proc.wait()
        raise
    err = (await proc.stderr.read()).decode(errors="replace")
    await proc.wait()
    if proc.returncode not in (0, 1):  # 1: a file changed while it was read; the archive is fine
        raise FsError("bad_request", f"tar failed: {err.strip()[:500]}")
    await reply.json({"done": True, "bytes": sent})


@fs_op
async def handle_untar(req, reader, reply):
    """Extract an uploaded tar stream into a directory (created if missing)."""
    path = resolve(req.get("path"))
    if os.path.exists(path) and not os.path.isdir(path):
        raise FsError("bad_request", f"{path} is a file, not a directory")
    os.makedirs(path, exist_ok=True)
    proc = await asyncio.create_subprocess_exec(
        TAR, "-C", path, "-xf", "-", "--no-same-owner", "--no-same-permissions",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    await reply.json({"ready": True})
    try:
        async for chunk in receive_chunks(reader):
            proc.stdin.write(chunk)
            await proc.stdin.drain()
    except Aborted:
        proc.kill()
        await proc.wait()
        return
    except BrokenPipeError:
        pass  # tar gave up early; its stderr says why
    proc.stdin.close()
    err = (await proc.stderr.read()).decode(errors="replace")
    if await proc.wait() != 0:
        raise FsError("bad_request", f"extracting failed: {err.strip()[:500]}")
    await reply.json({"ok": True, "path": path})


HANDLERS = {"fs.read": handle_read, "fs.write": handle_write,
            "fs.tar": handle_tar, "fs.untar": handle_untar}
