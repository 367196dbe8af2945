"""Recordings on disk: one folder per owner, a JSON description and the content beside it.

<root>/<owner_id>/<recording_id>.json   what it is (RecordingInfo)
<root>/<owner_id>/<recording_id>.jsonl  rrweb events, one per line (a browser recording)
<root>/<owner_id>/<recording_id>.mp4    a computer's recording

An owner's recordings are found only under that owner's folder, so another owner's id
is as unknown as a missing one. Folders are root-only (0700).
"""
from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

from openbay.protocol.recordings import RecordingInfo

_ID = re.compile(r"^r-[0-9a-f]{12}$")
_OWNER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class RecordingStore:
    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        root.chmod(0o700)

    def _dir(self, owner_id: str) -> Path:
        if not _OWNER.match(owner_id):
            raise ValueError("bad owner id")
        d = self.root / owner_id
        d.mkdir(mode=0o700, exist_ok=True)
        return d

    def content_path(self, info: RecordingInfo) -> Path:
        return self._dir(info.owner_id) / f"{info.recording_id}.{'mp4' if info.kind == 'video' else 'jsonl'}"

    def save(self, info: RecordingInfo) -> None:
        path = self._dir(info.owner_id) / f"{info.recording_id}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(info.model_dump_json())
        os.replace(tmp, path)

    def get(self, owner_id: str, recording_id: str) -> RecordingInfo | None:
        if not _ID.match(recording_id):
            return None
        path = self._dir(owner_id) / f"{recording_id}.json"
        try:
            return RecordingInfo.model_validate_json(path.read_text())
        except (FileNotFoundError, ValueError):
            return None

    def of_owner(self, owner_id: str) -> Iterator[RecordingInfo]:
        for path in sorted(self._dir(owner_id).glob("r-*.json")):
            try:
                yield RecordingInfo.model_validate_json(path.read_text())
            except ValueError:
                continue

    def delete(self, info: RecordingInfo) -> None:
        for suffix in (".json", ".jsonl", ".mp4"):
            (self._dir(info.owner_id) / f"{info.recording_id}{suffix}").unlink(missing_ok=True)

    def sweep(self, retention_s: float) -> int:
        """Delete recordings older than the retention; how many went."""
        cutoff = time.time() - retention_s
        gone = 0
        for meta in self.root.glob("*/r-*.json"):
            if meta.stat().st_mtime < cutoff:
                for suffix in (".json", ".jsonl", ".mp4"):
                    meta.with_suffix(suffix).unlink(missing_ok=True)
                gone += 1
        return gone
