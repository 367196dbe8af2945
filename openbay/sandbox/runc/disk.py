"""Each session's disk: a sparse ext4 image of the quota's size, mounted over a loop device.

The overlay's upper layer (the session's changes to the image: home, /tmp, installed
packages) lives on it, so a session that writes past its quota gets `No space left on
device`, `df` inside shows the quota, and the host and other sessions notice nothing.
Kernels built without quota support (CONFIG_QUOTA, XFS quotas), like this one, leave
no cheaper way to get exactly that. The image is sparse: it takes host disk only as
the session writes. A formatted blank image per size is made once and copied (its
few MB of metadata) for each session, which is far cheaper than running mkfs.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

from ..backend import SandboxError

MIN_BYTES = 16 * 1024 * 1024


class SessionDisks:
    def __init__(self, blanks: Path):
        self.blanks = Path(blanks)
        self.blanks.mkdir(parents=True, exist_ok=True, mode=0o700)

    def available(self) -> bool:
        return shutil.which("mkfs.ext4") is not None

    def _blank(self, size: int) -> Path:
        path = self.blanks / f"ext4-{size}.img"
        if path.exists():
            return path
        with open(self.blanks / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not path.exists():
                tmp = path.with_suffix(".tmp")
                with open(tmp, "wb") as f:
                    f.truncate(size)
                # no journal (a session's disk is scratch space that dies with it, and a journal
                # costs memory per mount), no reserved blocks, inode tables made lazily
                _run(["mkfs.ext4", "-q", "-F", "-m", "0", "-O", "^has_journal",
                      "-E", "lazy_itable_init=1,nodiscard,root_owner=0:0", str(tmp)])
                os.replace(tmp, path)
        return path

    def create(self, image: Path, mountpoint: Path, size: int, restore: Path | None = None) -> None:
        """A fresh disk of `size` bytes at `image` (or a copy of the disk `restore`), mounted at `mountpoint`."""
        size = max(size, MIN_BYTES)
        _run(["cp", "--sparse=always", str(restore or self._blank(size)), str(image)])
        os.chmod(image, 0o600)
        self.mount(image, mountpoint)

    @staticmethod
    def mount(image: Path, mountpoint: Path) -> None:
        mountpoint.mkdir(exist_ok=True)
        _run(["mount", "-t", "ext4", "-o", "loop,noatime,nodev,nosuid", str(image), str(mountpoint)])

    @staticmethod
    def is_mounted(mountpoint: Path) -> bool:
        return os.path.ismount(mountpoint)

    @staticmethod
    def usage(mountpoint: Path) -> tuple[int, int] | None:
        """(used, size) bytes of a mounted disk."""
        try:
            st = os.statvfs(mountpoint)
        except OSError:
            return None
        return (st.f_blocks - st.f_bfree) * st.f_frsize, st.f_blocks * st.f_frsize


def _run(argv: list[str]) -> None:
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        raise SandboxError(f"{argv[0]} failed: {(r.stderr or r.stdout).strip()[:500]}")
