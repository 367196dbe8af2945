"""Sandboxes no server owns: this server records itself as the owner of its sandbox root, reports
at start the roots whose owners are all gone, and `openbay gc` removes them (see sandbox/runc/orphans.py)."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from openbay.sandbox.runc.orphans import Orphan, candidate_roots, find_orphans, record_owner, remove

log = logging.getLogger("openbay.server")
__all__ = ["Orphan", "candidate_roots", "find_orphans", "remove", "own_and_report"]


async def own_and_report(root: Path | None, state_dir: Path) -> list[Orphan]:
    """Record this server as an owner of `root` (None: its backend keeps no sandboxes on this
    host), then log the orphans of the machine: one warning, with the command that removes them."""
    if root is None:
        return []
    await asyncio.to_thread(record_owner, root, state_dir)
    orphans = await asyncio.to_thread(find_orphans)
    if orphans:
        count = sum(len(o.sandboxes) for o in orphans)
        log.warning("%d sandbox roots on this machine belong to no server (their state folders are gone: %s), "
                    "with %d sandboxes; `openbay gc` lists them, `openbay gc --yes` removes them",
                    len(orphans), ", ".join(s for o in orphans for s in o.state_dirs), count)
    return orphans
