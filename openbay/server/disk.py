"""The server's own disk. Below OPENBAY_MIN_FREE_DISK_MB free, new sessions and uploads are
refused with 507 before anything is written, so a full disk never leaves half a file or
half a session behind (and the store, on the same disk, keeps room to write)."""
from __future__ import annotations

import errno
import shutil
from pathlib import Path

from openbay.protocol import ErrorCode

from .errors import ApiError

MB = 1024 * 1024


class DiskGuard:
    def __init__(self, paths: list[Path], min_free_mb: int):
        self.paths = list(dict.fromkeys(paths))  # the state directory, the sandbox root
        self.min_free = max(0, min_free_mb) * MB

    def free_bytes(self) -> int:
        return min((shutil.disk_usage(p).free for p in self.paths if p.exists()), default=0)

    def require(self, what: str, incoming: int = 0) -> None:
        """Refuse `what` when it (incoming bytes, if known) would leave less than the minimum free."""
        free = self.free_bytes()
        if free - incoming < self.min_free:
            raise self.full(what, free)

    def full(self, what: str, free: int | None = None) -> ApiError:
        free = self.free_bytes() if free is None else free
        return ApiError(ErrorCode.INSUFFICIENT_STORAGE,
                        f"{what} refused: the server's disk has {free // MB} MB free, and keeps at least "
                        f"{self.min_free // MB} MB free (OPENBAY_MIN_FREE_DISK_MB); free some space first")


def is_disk_full(e: OSError) -> bool:
    return e.errno in (errno.ENOSPC, errno.EDQUOT)
