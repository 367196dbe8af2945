"""What is inside a saved context, read from its archive on the host (never extracted):
the files under a folder, one page at a time; and clearing a context's content."""
from __future__ import annotations

import asyncio
import posixpath
import tarfile
from pathlib import Path

from openbay.protocol import ErrorCode

from ..errors import ApiError
from .context_archive import member_name

MAX_PAGE = 500


def _members(archive: Path) -> list[tarfile.TarInfo]:
    if not archive.exists():
        return []
    with tarfile.open(archive, "r:*") as t:
        return t.getmembers()


def _folder(path: str) -> str:
    if "\0" in path or ".." in path.split("/"):
        raise ApiError(ErrorCode.BAD_REQUEST, f"bad folder path {path!r}")
    return posixpath.normpath("/" + path.strip("/")).lstrip("/")


async def list_files(archive: Path, folder: str, page: int, page_size: int) -> dict:
    """The entries directly under `folder` (relative to the context's root), sorted by path."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE:
        raise ApiError(ErrorCode.BAD_REQUEST, f"page starts at 1; page_size is 1..{MAX_PAGE}")
    base = _folder(folder)
    entries = {}
    for m in await asyncio.to_thread(_members, archive):
        name = member_name(m.name)
        if not name or posixpath.dirname(name) != base:
            continue
        entries[name] = {"file_path": "/" + name, "file_name": posixpath.basename(name),
                         "file_type": "directory" if m.isdir() else "file", "size": m.size if m.isfile() else 0,
                         "gmt_modified": int(m.mtime)}
    every = [entries[k] for k in sorted(entries)]
    start = (page - 1) * page_size
    return {"entries": every[start:start + page_size], "count": len(every)}
