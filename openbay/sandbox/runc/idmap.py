"""Idmapped mounts: one tree on disk, seen through another id range, without a copy.

Image layers and session disks keep their files owned by the canonical sandbox range
(`runtime.HOST_ID_BASE` + n, what root inside is n). Each session runs in an id block of
its own, so what it mounts is a clone of those trees whose ids are shifted into its block
(`open_tree(OPEN_TREE_CLONE)`, `mount_setattr(MOUNT_ATTR_IDMAP)` with a user namespace that
maps the canonical range onto the block, `move_mount`): the session's root owns its files,
new files land on disk in the canonical range, and no two sessions' processes share a uid.
"""
from __future__ import annotations

import ctypes
import os
import platform
from pathlib import Path

from ..backend import SandboxError

_libc = ctypes.CDLL(None, use_errno=True)
# the same numbers on x86_64 and aarch64 (the calls came after the tables were unified)
SYS_OPEN_TREE, SYS_MOVE_MOUNT, SYS_MOUNT_SETATTR = 428, 429, 442
OPEN_TREE_CLONE = 1
AT_EMPTY_PATH = 0x1000
AT_RECURSIVE = 0x8000
MOVE_MOUNT_F_EMPTY_PATH = 0x4
MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID, MOUNT_ATTR_NODEV, MOUNT_ATTR_IDMAP = 0x1, 0x2, 0x4, 0x100000
CLONE_NEWUSER = 0x10000000
MOUNT_ATTR_SIZE_VER0 = 32

if platform.machine() not in ("x86_64", "aarch64"):  # other tables number these calls alike, but unchecked
    raise ImportError(f"idmapped mounts are not wired for {platform.machine()}")


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise SandboxError(f"{what} failed: {os.strerror(err)}")
    return result


def userns_fd(inside: int, outside: int, count: int) -> int:
    """A user namespace mapping ids [inside, +count) onto host ids [outside, +count), as an fd
    (the namespace lives as long as the fd; no process stays in it). The host's root maps to
    itself as well: overlayfs makes its work folders as the mounter, root."""
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child only unshares and waits: nothing that takes a lock
        try:
            os.close(ready_r)
            os.close(go_w)
            ok = _libc.unshare(CLONE_NEWUSER) == 0
            os.write(ready_w, b"1" if ok else b"0")
            os.read(go_r, 1)
        finally:
            os._exit(0)
    os.close(ready_w)
    os.close(go_r)
    try:
        if os.read(ready_r, 1) != b"1":
            raise SandboxError("could not make a user namespace for an idmapped mount")
        line = f"0 0 1\n{inside} {outside} {count}\n".encode()
        for name in ("uid_map", "gid_map"):
            with open(f"/proc/{pid}/{name}", "wb", buffering=0) as f:
                f.write(line)
        return os.open(f"/proc/{pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        os.close(ready_r)
        os.close(go_w)  # the child reads EOF and ends
        os.waitpid(pid, 0)


def mount_idmapped(source: Path, target: Path, userns: int, *, read_only: bool = False) -> None:
    """Mount a clone of the tree at `source` on `target`, its ids shifted through `userns`,
    never setuid or device files."""
    tree = _check(_libc.syscall(SYS_OPEN_TREE, -100, os.fsencode(source),
                                OPEN_TREE_CLONE | os.O_CLOEXEC | AT_RECURSIVE), f"open_tree {source}")
    try:
        attr = _MountAttr(MOUNT_ATTR_IDMAP | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV
                          | (MOUNT_ATTR_RDONLY if read_only else 0), 0, 0, userns)
        _check(_libc.syscall(SYS_MOUNT_SETATTR, tree, b"", AT_EMPTY_PATH | AT_RECURSIVE,
                             ctypes.byref(attr), ctypes.c_size_t(MOUNT_ATTR_SIZE_VER0)), f"idmapping {source}")
        _check(_libc.syscall(SYS_MOVE_MOUNT, tree, b"", -100, os.fsencode(target), MOVE_MOUNT_F_EMPTY_PATH),
               f"move_mount to {target}")
    finally:
        os.close(tree)


def supported() -> bool:
    """Whether this kernel makes user namespaces (idmapped mounts need one)."""
    try:
        os.close(userns_fd(0, 0, 1))
        return True
    except (SandboxError, OSError):
        return False
