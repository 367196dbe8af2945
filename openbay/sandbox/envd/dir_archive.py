"""Directories as tar streams: fs.tar sends one out, fs.untar extracts an uploaded one.

tar runs as a child process; its output and input move in chunks with a drain
after each, so a directory of any size passes with flat memory.
"""
import asyncio
import os

from fs_request import Aborted, FsError, fs_op, receive_chunks, require_dir, resolve

TAR = "/usr/bin/tar" if os.path.exists("/usr/bin/tar") else "tar"
CHUNK = 1024 * 1024


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


HANDLERS = {"fs.tar": handle_tar, "fs.untar": handle_untar}
