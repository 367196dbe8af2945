"""File system ops answered with one JSON object: list, info, mkdir, move,
delete, edit, search, read several files, and snapshots for watching."""
import difflib
import fnmatch
import os
import secrets
import shutil
import stat

from fs_common import HOME, FsError, fs_op, int_arg, require_dir, resolve

MAX_ENTRIES = 10_000
MAX_EDIT_BYTES = 16 * 1024 * 1024
DEFAULT_READ_MANY_BYTES = 10 * 1024 * 1024


def _entry(path: str, name: str) -> dict:
    st = os.lstat(path)
    is_link = stat.S_ISLNK(st.st_mode)
    if is_link:
        try:
            st = os.stat(path)
        except OSError:
            pass  # a dangling link: describe the link itself
    return {"name": name, "path": path, "is_directory": stat.S_ISDIR(st.st_mode),
            "is_file": stat.S_ISREG(st.st_mode), "is_symlink": is_link, "size": st.st_size,
            "mtime": st.st_mtime, "mode": f"{stat.S_IMODE(st.st_mode):04o}"}


@fs_op
async def handle_list(req, reader, reply):
    path = resolve(req.get("path"))
    require_dir(path)
    entries = []
    with os.scandir(path) as it:
        for e in it:
            if len(entries) >= MAX_ENTRIES:
                break
            try:
                entries.append(_entry(e.path, e.name))
            except FileNotFoundError:
                continue  # removed while we listed
    entries.sort(key=lambda e: e["name"])
    await reply.json({"path": path, "entries": entries, "truncated": len(entries) >= MAX_ENTRIES})


@fs_op
async def handle_info(req, reader, reply):
    path = resolve(req.get("path"))
    try:
        info = _entry(path, os.path.basename(path) or "/")
    except FileNotFoundError:
        raise FsError("not_found", f"no such file or directory: {path}") from None
    await reply.json(info)


@fs_op
async def handle_mkdir(req, reader, reply):
    path = resolve(req.get("path"))
    if os.path.isfile(path):
        raise FsError("conflict", f"{path} exists and is a file")
    if req.get("parents", True):
        os.makedirs(path, exist_ok=True)
    elif not os.path.isdir(path):
        os.mkdir(path)
    await reply.json({"ok": True, "path": path})


@fs_op
async def handle_move(req, reader, reply):
    source = resolve(req.get("source"), "source")
    dest = resolve(req.get("destination"), "destination")
    if not os.path.lexists(source):
        raise FsError("not_found", f"no such file or directory: {source}")
    if os.path.lexists(dest) and not req.get("overwrite"):
        raise FsError("conflict", f"{dest} already exists; pass overwrite=True to replace it")
    if os.path.isdir(source) and (dest + "/").startswith(source.rstrip("/") + "/"):
        raise FsError("bad_request", f"cannot move {source} into itself")
    os.makedirs(os.path.dirname(dest) or "/", exist_ok=True)
    shutil.move(source, dest)  # a rename, or copy and delete across file systems (/tmp)
    await reply.json({"ok": True, "source": source, "destination": dest})


@fs_op
async def handle_delete(req, reader, reply):
    path = resolve(req.get("path"))
    if path in ("/", HOME):
        raise FsError("bad_request", f"refusing to delete {path}")
    st = os.lstat(path)
    if stat.S_ISDIR(st.st_mode):
        if req.get("recursive"):
            shutil.rmtree(path)
        else:
            try:
                os.rmdir(path)
            except OSError as e:
                if e.errno == 39:  # ENOTEMPTY
                    raise FsError("conflict", f"directory {path} is not empty; "
                                              "pass recursive=True to delete it with its contents")
                raise
    else:
        os.unlink(path)
    await reply.json({"ok": True, "path": path})


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
    st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        raise FsError("bad_request", f"{path} is a directory, not a file")
    if st.st_size > MAX_EDIT_BYTES:
        raise FsError("payload_too_large", f"{path} is over the edit limit of {MAX_EDIT_BYTES} bytes")
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
        before = f.read()
    after = _apply_edits(before, req.get("edits"))
    diff = "".join(difflib.unified_diff(before.splitlines(keepends=True),
                                        after.splitlines(keepends=True), path, path))
    if not req.get("dry_run"):
        temp = f"{path}.{secrets.token_hex(4)}.part"
        with open(temp, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
            f.write(after)
        os.chmod(temp, stat.S_IMODE(st.st_mode))
        os.replace(temp, path)
    await reply.json({"path": path, "diff": diff, "applied": not req.get("dry_run")})


def _matcher(pattern: str):
    """A glob when it has glob characters, else a case-insensitive substring of the name."""
    if any(c in pattern for c in "*?["):
        return lambda name: fnmatch.fnmatch(name, pattern)
    needle = pattern.lower()
    return lambda name: needle in name.lower()


@fs_op
async def handle_search(req, reader, reply):
    root = resolve(req.get("path"))
    require_dir(root)
    pattern = req.get("pattern")
    excludes = req.get("exclude_patterns") or []
    if not isinstance(pattern, str) or not pattern:
        raise FsError("bad_request", "pattern must be a non-empty string")
    if not isinstance(excludes, list) or not all(isinstance(x, str) for x in excludes):
        raise FsError("bad_request", "exclude_patterns must be a list of strings")
    limit = int_arg(req, "max_results", 1000) or 1000
    matches = _matcher(pattern)

    def excluded(name: str, rel: str) -> bool:
        return any(fnmatch.fnmatch(name, x) or fnmatch.fnmatch(rel, x) for x in excludes)

    found, truncated = [], False
    for directory, dirs, files in os.walk(root):
        rel_dir = os.path.relpath(directory, root)
        dirs[:] = sorted(d for d in dirs if not excluded(d, os.path.normpath(os.path.join(rel_dir, d))))
        for name in sorted(dirs + files):
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if matches(name) and not excluded(name, rel):
                found.append(os.path.join(directory, name))
        if len(found) >= limit:
            found, truncated = found[:limit], True
            break
    await reply.json({"path": root, "matches": found, "truncated": truncated})


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
            if os.path.isdir(path):
                raise FsError("bad_request", f"{path} is a directory, not a file")
            size = os.stat(path).st_size
            if size > budget:
                raise FsError("payload_too_large",
                              f"{path} is {size} bytes, over the {budget} bytes left of the "
                              "read_multiple_files limit; use read_file for large files")
            with open(path, "rb") as f:
                data = f.read(budget + 1)
            budget -= len(data)
            contents[given] = data.decode("utf-8", errors="replace")
        except FsError as e:
            errors[str(given)] = str(e)
        except FileNotFoundError:
            errors[str(given)] = f"file not found: {given}"
        except OSError as e:
            errors[str(given)] = f"{e.strerror}: {given}"
    await reply.json({"contents": contents, "errors": errors})


@fs_op
async def handle_snapshot(req, reader, reply):
    """name -> [is_directory, size, mtime_ns] of a directory's entries, for watchers."""
    path = resolve(req.get("path"))
    require_dir(path)
    entries = {}
    with os.scandir(path) as it:
        for e in it:
            if len(entries) >= MAX_ENTRIES:
                break
            try:
                st = e.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            entries[e.name] = [stat.S_ISDIR(st.st_mode), st.st_size, st.st_mtime_ns]
    await reply.json({"path": path, "entries": entries})


HANDLERS = {"fs.list": handle_list, "fs.info": handle_info, "fs.mkdir": handle_mkdir,
            "fs.move": handle_move, "fs.delete": handle_delete, "fs.edit": handle_edit,
            "fs.search": handle_search, "fs.read_many": handle_read_many,
            "fs.snapshot": handle_snapshot}
