"""What the host mounts for a session before runc starts it: its root file system (the
image's layers under its disk's upper layer, all seen through the session's id block) and
a sysfs of its own network namespace.

    <dir>/disk     the session's disk as it is on the host (canonical ids; the server's only)
    <dir>/rootfs   the merged root, nosuid and nodev: no file a session makes is setuid
                   or a device on the host
    <dir>/sys      sysfs mounted from inside the session's network namespace
"""
from __future__ import annotations

import ctypes
import os
import shutil
from pathlib import Path

from ..backend import SandboxError
from . import idmap

MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_RDONLY = 0x2, 0x4, 0x8, 0x1
MNT_DETACH = 2
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def mount_overlay(target: Path, lower: list[Path], upper: Path, work: Path) -> None:
    options = f"lowerdir={':'.join(map(str, lower))},upperdir={upper},workdir={work}"
    if _libc.mount(b"overlay", str(target).encode(), b"overlay", MS_NOSUID | MS_NODEV, options.encode()) != 0:
        err = ctypes.get_errno()
        raise SandboxError(f"overlay mount failed: {os.strerror(err)}")


def mount_root(directory: Path, layers: list[Path], userns: int) -> Path:
    """The session's root at <dir>/rootfs: idmapped clones of the image layers (read-only)
    and of its disk, under an overlay. The clones stay mounted under <dir>/idmapped until
    `let_go_of_clones` (an unmount waits for an RCU grace period: out of the start's way)."""
    staging = directory / "idmapped"
    staging.mkdir(mode=0o700)
    rootfs = directory / "rootfs"
    rootfs.mkdir(exist_ok=True)
    lower = []
    for i, layer in enumerate(layers):
        target = staging / str(i)
        target.mkdir()
        idmap.mount_idmapped(layer, target, userns, read_only=True)
        lower.append(target)
    disk = staging / "disk"
    disk.mkdir()
    idmap.mount_idmapped(directory / "disk", disk, userns)
    mount_overlay(rootfs, lower, disk / "upper", disk / "work")
    return rootfs


def let_go_of_clones(directory: Path) -> None:
    """Unmount the idmapped clones the overlay was made of: overlayfs keeps private ones."""
    staging = directory / "idmapped"
    try:
        clones = list(staging.iterdir())
    except FileNotFoundError:
        return
    for clone in clones:
        umount(clone)
    shutil.rmtree(staging, ignore_errors=True)


def mount_sysfs_in(netns_path: str, target: Path) -> None:
    """A read-only sysfs whose network part is the namespace's (mounted from a thread that
    joins it for the call: the server's other threads stay where they are)."""
    target.mkdir(exist_ok=True)
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    netns = os.open(netns_path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _libc.setns(netns, CLONE_NEWNET) != 0:
            raise SandboxError(f"joining {netns_path} failed: {os.strerror(ctypes.get_errno())}")
        try:
            if _libc.mount(b"sysfs", str(target).encode(), b"sysfs",
                           MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, None) != 0:
                raise SandboxError(f"mounting sysfs failed: {os.strerror(ctypes.get_errno())}")
        finally:
            if _libc.setns(own, CLONE_NEWNET) != 0:  # a thread left in a session's namespace is a bug
                os.abort()
    finally:
        os.close(own)
        os.close(netns)


def umount(target: Path) -> None:
    _libc.umount2(str(target).encode(), MNT_DETACH)
