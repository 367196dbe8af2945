"""The content of files: read (streamed), write (streamed upload), read several at once, edit.

Content moves as BYTES frames of at most CHUNK bytes, and every send waits for
the socket to drain, so a file of any size passes with flat memory.
Uploads answer `{"ready": true}` once the target checks out, before any data
moves: a bad path fails fast, not after the whole body was sent.
"""
import difflib
import os

from atomic_file import ReplacingFile
from fs_request import (
    Aborted,
    FsError,
    fs_op,
    int_arg,
    is_a_directory,
    open_regular,
    receive_chunks,
    resolve,
)

CHUNK = 1024 * 1024
MAX_EDIT_BYTES = 16 * 1024 * 1024
DEFAULT_READ_MANY_BYTES = 10 * 1024 * 1024


def write_all(fd: int, data) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


@fs_op
async def handle_read(req, reader, reply):
    path = resolve(req.get("path"))
    offset, length = int_arg(req, "offset"), int_arg(req, "length")
    fd, st = open_regular(path)
    with open(fd, "rb", buffering=0) as file:
        start = min(offset, st.st_size)
        size = st.st_size - start if length == 0 else min(length, st.st_size - start)
        await reply.json({"path": path, "size": size, "file_size": st.st_size, "mtime": st.st_mtime})
        for pos in range(start, start + size, CHUNK):
            await reply.file_data(file, pos, min(CHUNK, start + size - pos))
        await reply.json({"done": True, "bytes": size})


class _AppendingFile:
    """The other target of fs.write: bytes added to the end of the file as they come."""

    def __init__(self, path: str):
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def commit(self) -> None:
        self.discard()

    def discard(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


@fs_op
async def handle_write(req, reader, reply):
    path = resolve(req.get("path"))
    mode = req.get("mode", "overwrite")
    if mode not in ("overwrite", "append"):
        raise FsError("bad_request", "mode must be 'overwrite' or 'append'")
    if os.path.isdir(path):
        raise is_a_directory(path)
    os.makedirs(os.path.dirname(path) or "/", exist_ok=True)
    target = ReplacingFile(path) if mode == "overwrite" else _AppendingFile(path)
    written = 0
    try:
        await reply.json({"ready": True})
        async for chunk in receive_chunks(reader):
            write_all(target.fd, chunk)
            written += len(chunk)
        target.commit()
    except Aborted:
        return  # the caller went away (or hit its limit): nothing to answer, nothing kept
    finally:
        target.discard()
    await reply.json({"ok": True, "path": path, "bytes": written})


@fs_op
async def handle_read_many(req, reader, reply):
    paths = req.get("paths")
    if not isinstance(paths, list) or not paths or len(paths) > 1000:
        raise FsError("bad_request", "paths must be a list of 1 to 1000 paths")
    budget = int_arg(req, "max_bytes", DEFAULT_READ_MANY_BYTES) or DEFAULT_READ_MANY_BYTES
    contents, errors = {}, {}
    for given in paths:
        try:
            path = resolve(given)
            fd, st = open_regular(path)
            try:
                if st.st_size > budget:
                    raise FsError("payload_too_large",
                                  f"{path} is {st.st_size} bytes, over the {budget} bytes left of the "
                                  "read_multiple_files limit; use read_file for large files")
                data = os.pread(fd, budget + 1, 0)
            finally:
                os.close(fd)
            budget -= len(data)
            contents[given] = data.decode("utf-8", errors="replace")
        except FsError as e:
            errors[str(given)] = str(e)
        except OSError as e:
            errors[str(given)] = f"{e.strerror}: {given}"
    await reply.json({"contents": contents, "errors": errors})


def _apply_edits(text: str, edits) -> str:
    if not isinstance(edits, list) or not edits:
        raise FsError("bad_request", "edits must be a non-empty list of {old_text, new_text}")
    for n, edit in enumerate(edits, start=1):
        old = edit.get("old_text") if isinstance(edit, dict) else None
        new = edit.get("new_text") if isinstance(edit, dict) else None
        if not isinstance(old, str) or not old or not isinstance(new, str):
            raise FsError("bad_request", f"edit {n}: needs a non-empty old_text and a new_text string")
        if old not in text:
            raise FsError("bad_request", f"edit {n}: old_text not found in the file")
        text = text.replace(old, new, 1)
    return text


@fs_op
async def handle_edit(req, reader, reply):
    path = resolve(req.get("path"))
    fd, st = open_regular(path)
    try:
        if st.st_size > MAX_EDIT_BYTES:
            raise FsError("payload_too_large", f"{path} is over the edit limit of {MAX_EDIT_BYTES} bytes")
        before = os.pread(fd, MAX_EDIT_BYTES + 1, 0).decode("utf-8", errors="surrogateescape")
    finally:
        os.close(fd)
    after = _apply_edits(before, req.get("edits"))
    diff = "".join(difflib.unified_diff(before.splitlines(keepends=True),
                                        after.splitlines(keepends=True), path, path))
    if not req.get("dry_run"):
        target = ReplacingFile(path)
        try:
            write_all(target.fd, after.encode("utf-8", errors="surrogateescape"))
            target.commit()
        finally:
            target.discard()
    await reply.json({"path": path, "diff": diff, "applied": not req.get("dry_run")})


HANDLERS = {"fs.read": handle_read, "fs.write": handle_write,
            "fs.read_many": handle_read_many, "fs.edit": handle_edit}
