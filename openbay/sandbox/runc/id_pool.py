"""Host id blocks for sessions: 65,536 ids each, one per live session, never shared.

Like `/etc/subuid` ranges, or Podman's `--userns=auto`: the pool is `count` blocks from
`base` (OPENBAY_ID_BASE, OPENBAY_ID_BLOCKS). A block is claimed by a file named after its
first id in a machine-wide folder (made with O_EXCL, so servers and replicas side by side
never take the same one), naming the session directory that holds it. A restarted server
re-takes its sessions' blocks by that name; a claim whose session directory is gone is
stale (its server died before it could free it) and is taken back when the pool runs short.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from ..backend import SandboxError, SandboxFull
from . import idmap
from .runtime import HOST_ID_BASE, HOST_ID_COUNT

BLOCK = HOST_ID_COUNT
DEFAULT_BASE = 2_000_000  # above the canonical range image files are owned by
DEFAULT_BLOCKS = 4096
MAX_ID = 2 ** 32 - 2


class IdPoolExhausted(SandboxFull):
    pass


class IdPool:
    def __init__(self, claims: Path, base: int = DEFAULT_BASE, count: int = DEFAULT_BLOCKS):
        if base < 1 or count < 1 or base + count * BLOCK - 1 > MAX_ID:
            raise SandboxError(f"id pool {base} + {count} x {BLOCK} does not fit in host ids")
        if base < HOST_ID_BASE + BLOCK and base + count * BLOCK > HOST_ID_BASE:
            raise SandboxError(f"id pool {base} + {count} x {BLOCK} overlaps the image files' range "
                               f"{HOST_ID_BASE}..{HOST_ID_BASE + BLOCK - 1}")
        self.claims = Path(claims)
        self.claims.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.base, self.count = base, count
        self._userns: dict[int, int] = {}  # block start -> user namespace fd mapping onto it
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, claims: Path) -> "IdPool":
        return cls(claims, int(os.environ.get("OPENBAY_ID_BASE", DEFAULT_BASE)),
                   int(os.environ.get("OPENBAY_ID_BLOCKS", DEFAULT_BLOCKS)))

    def take(self, holder: Path) -> int:
        """The lowest free block's first id, claimed for the session directory `holder` (the
        lowest: its user namespace for idmapped mounts is made once and serves again; a block
        is freed only once no process of its last session is left)."""
        with self._lock:
            for clean in (False, True):
                for i in range(self.count):
                    start = self.base + i * BLOCK
                    if self._claim(start, holder, reclaim_stale=clean):
                        return start
        raise IdPoolExhausted(f"no free host id range: all {self.count} blocks of {BLOCK} ids from "
                              f"{self.base} are taken by live sessions (raise OPENBAY_ID_BLOCKS)")

    def retake(self, start: int, holder: Path) -> bool:
        """After a restart: the block a running session already has (False if someone else does)."""
        with self._lock:
            return self._holder(start) == str(holder) or self._claim(start, holder, reclaim_stale=True)

    def release(self, start: int, holder: Path) -> None:
        with self._lock:
            if self._holder(start) == str(holder):
                (self.claims / str(start)).unlink(missing_ok=True)

    def release_held_by(self, holder: Path) -> None:
        with self._lock:
            for claim in self.claims.iterdir():
                if claim.name.isdigit() and self._holder(int(claim.name)) == str(holder):
                    claim.unlink(missing_ok=True)

    def userns(self, start: int) -> int:
        """A user namespace (fd) mapping the canonical range onto the block, made once per block."""
        with self._lock:
            fd = self._userns.get(start)
            if fd is None:
                fd = self._userns[start] = idmap.userns_fd(HOST_ID_BASE, start, BLOCK)
            return fd

    def close(self) -> None:
        with self._lock:
            for fd in self._userns.values():
                os.close(fd)
            self._userns.clear()

    def _claim(self, start: int, holder: Path, *, reclaim_stale: bool) -> bool:
        path = self.claims / str(start)
        if reclaim_stale:
            owner = self._holder(start)
            if owner is not None and not Path(owner).is_dir():
                path.unlink(missing_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w") as f:
            f.write(str(holder))
        return True

    def _holder(self, start: int) -> str | None:
        try:
            return (self.claims / str(start)).read_text()
        except (OSError, ValueError):
            return None
