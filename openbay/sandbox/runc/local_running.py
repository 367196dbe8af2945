"""What the local backend knows of a running sandbox, and what it wrote down beside it."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..backend import Sandbox
from ..images.store import ImageManifest
from . import network
from .dns_proxy import NamePolicy


@dataclass
class Running:
    sandbox: Sandbox
    directory: Path
    image: ImageManifest
    pid: int
    pidfd: int
    started: float
    memory_bytes: int
    disk_bytes: int
    net: network.SessionNet | None = None
    names: NamePolicy | None = None
    exited: bool = False
    ids: int | None = None  # the first host id of the session's block


def read_meta(directory: Path) -> dict:
    try:
        return json.loads((directory / "bundle" / "meta.json").read_text())
    except (OSError, ValueError):
        return {}


def write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def log_tail(path: Path, limit: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-limit:].strip()
    except OSError:
        return ""
