"""The entries of the file system, each op answered with one JSON object: look
(list, info, snapshot for watchers, search by name) and change (mkdir, move, delete)."""
import errno
import fnmatch
import os
import shutil
import stat

from fs_request import HOME, FsError, fs_op, int_arg, require_dir, resolve

MAX_ENTRIES = 10_000


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


def _scan(path: str, describe) -> dict:
    """name -> describe(dir entry) for the first MAX_ENTRIES entries of a directory."""
    require_dir(path)
    found = {}
    with os.scandir(path) as it:
        for e in it:
            if len(found) >= MAX_ENTRIES:
                break
            try:
                found[e.name] = describe(e)
            except FileNotFoundError:
                continue  # removed while we listed
    return found


@fs_op
async def handle_list(req, reader, reply):
    path = resolve(req.get("path"))
    entries = sorted(_scan(path, lambda e: _entry(e.path, e.name)).values(), key=lambda e: e["name"])
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
                if e.errno == errno.ENOTEMPTY:
                    raise FsError("conflict", f"directory {path} is not empty; "
                                              "pass recursive=True to delete it with its contents")
                raise
    else:
        os.unlink(path)
    await reply.json({"ok": True, "path": path})


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
async def handle_snapshot(req, reader, reply):
    """name -> [is_directory, size, mtime_ns] of a directory's entries, for watchers."""
    path = resolve(req.get("path"))

    def describe(e: os.DirEntry) -> list:
        st = e.stat(follow_symlinks=False)
        return [stat.S_ISDIR(st.st_mode), st.st_size, st.st_mtime_ns]

    entries = _scan(path, describe)
    await reply.json({"path": path, "entries": entries})


HANDLERS = {"fs.list": handle_list, "fs.info": handle_info, "fs.snapshot": handle_snapshot,
            "fs.search": handle_search, "fs.mkdir": handle_mkdir, "fs.move": handle_move,
            "fs.delete": handle_delete}
