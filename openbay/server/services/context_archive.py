"""One file of a saved context, read from or written into its tar archive on the host.

The archive was made inside a session, so nothing in it is trusted: it is never extracted
here. A file is read as the bytes of its member (a regular file only: a link is not
followed); writing or deleting one copies every other member as it is into a new archive
beside the old, which then replaces it whole (os.replace: a reader sees one or the other).
"""
from __future__ import annotations

import os
import posixpath
import secrets
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

from openbay.protocol import ErrorCode

from ..errors import ApiError

CHUNK = 1024 * 1024


def member_name(raw: str) -> str:
    """A member's path relative to the context's root ("" for the root): envd's tar names them ./a/b."""
    name = raw[2:] if raw.startswith("./") else raw
    name = posixpath.normpath("/" + name).lstrip("/")
    return "" if name == "." else name


def file_name(path: str) -> str:
    """A file path of the context as users give it ("/a/b.txt", "a/b.txt"), checked and relative."""
    if not isinstance(path, str) or "\0" in path or ".." in path.split("/"):
        raise ApiError(ErrorCode.BAD_REQUEST, f"bad file path {str(path)[:200]!r}")
    name = member_name(path.strip())
    if not name:
        raise ApiError(ErrorCode.BAD_REQUEST, "the file path names the context's root, not a file")
    return name


def _missing(name: str) -> ApiError:
    return ApiError(ErrorCode.NOT_FOUND, f"the context has no file /{name}")


def _file_member(tar: tarfile.TarFile, name: str) -> tarfile.TarInfo:
    member = next((m for m in reversed(tar.getmembers()) if member_name(m.name) == name), None)
    if member is None or not member.isfile():  # a folder, a link or a device is not a file to give
        raise _missing(name)
    return member


def require_file(archive: Path, name: str) -> None:
    """NOT_FOUND unless the archive has `name` as a regular file."""
    if not archive.exists():
        raise _missing(name)
    with tarfile.open(archive, "r:") as tar:
        _file_member(tar, name)


def read_chunks(archive: Path, name: str) -> Iterator[bytes]:
    """The bytes of the regular file `name`; NOT_FOUND (raised before the first chunk) when there is none."""
    if not archive.exists():
        raise _missing(name)
    tar = tarfile.open(archive, "r:")
    try:
        data = tar.extractfile(_file_member(tar, name))
    except BaseException:
        tar.close()
        raise

    def chunks() -> Iterator[bytes]:
        with tar, data:
            while chunk := data.read(CHUNK):
                yield chunk
    return chunks()


def rewrite(archive: Path, name: str, new_file: Path | None, max_bytes: int) -> int:
    """Replace the archive by one without `name` (and, given new_file, with it as that file,
    its missing folders made); the new archive's size. NOT_FOUND when deleting what is not there."""
    temp = archive.with_name(f"{archive.name}.{secrets.token_hex(4)}.part")
    found = False
    folders_seen: set[str] = set()
    try:
        with tarfile.open(temp, "w", format=tarfile.PAX_FORMAT) as out:
            if archive.exists():
                with tarfile.open(archive, "r:") as old:
                    for member in old:
                        current = member_name(member.name)
                        if current == name and member.isdir():
                            raise ApiError(ErrorCode.BAD_REQUEST, f"/{name} is a folder of the context")
                        if new_file is not None and name.startswith(current + "/") and not member.isdir():
                            raise ApiError(ErrorCode.BAD_REQUEST, f"/{current} is a file, not a folder")
                        if current == name or (member.islnk() and member_name(member.linkname) == name):
                            found = True
                            continue  # the file replaced or deleted, and hard links to it
                        if member.isdir():
                            folders_seen.add(current)
                        out.addfile(member, old.extractfile(member) if member.isfile() else None)
            if new_file is None and not found:
                raise _missing(name)
            if new_file is not None:
                now = time.time()
                parts = name.split("/")
                for depth in range(1, len(parts)):
                    folder = "/".join(parts[:depth])
                    if folder not in folders_seen:
                        out.addfile(_info(folder, tarfile.DIRTYPE, 0o755, 0, now))
                with open(new_file, "rb") as f:
                    out.addfile(_info(name, tarfile.REGTYPE, 0o644, os.fstat(f.fileno()).st_size, now), f)
        size = temp.stat().st_size
        if size > max_bytes:
            raise ApiError(ErrorCode.PAYLOAD_TOO_LARGE, f"the context would be over its limit of {max_bytes} bytes")
        os.replace(temp, archive)
        return size
    finally:
        temp.unlink(missing_ok=True)


def _info(name: str, kind: bytes, mode: int, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo("./" + name)
    info.type, info.mode, info.size, info.mtime = kind, mode, size, int(mtime)
    return info
