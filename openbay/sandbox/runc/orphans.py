"""Sandbox roots no server will ever find again, and their removal (`openbay gc`).

Sandboxes outlive a stopped server on purpose: the next start with the same state folder
reattaches them. A root whose every owner is gone (its state folder removed, and no process
of it running) has nobody left to do that: its containers, network namespaces, firewall
chains, mounts, cgroups and kept disks would live forever. Each server records itself in
its root (`<root>/.owners/`); only a root with owners recorded, all gone, is an orphan, so a
root of another engineer's running server, or one made before owners were recorded, is
never touched.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..images.store import remove_tree
from . import network
from .firewall import session_chains
from .local import CGROUP_ROOT, VAR_ROOT, LocalBackend
from .runtime import Runc

OWNERS = ".owners"
ROOTS = VAR_ROOT / ".roots"  # links to roots made elsewhere (OPENBAY_SANDBOX_ROOT), so gc finds them


def _process_start(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def record_owner(root: Path, state_dir: Path) -> None:
    """This server (its state folder and process) owns the sandboxes under `root`."""
    state_dir = Path(state_dir).resolve()
    owners = Path(root) / OWNERS
    owners.mkdir(mode=0o700, exist_ok=True)
    name = hashlib.sha256(str(state_dir).encode()).hexdigest()[:16]
    record = {"state_dir": str(state_dir), "pid": os.getpid(), "pid_start": _process_start(os.getpid())}
    tmp = owners / f".{name}.tmp"
    tmp.write_text(json.dumps(record))
    tmp.replace(owners / name)
    root = Path(root).resolve()
    if root.parent != VAR_ROOT.resolve():
        ROOTS.mkdir(mode=0o700, parents=True, exist_ok=True)
        link = ROOTS / hashlib.sha256(str(root).encode()).hexdigest()[:16]
        if not link.is_symlink():
            link.symlink_to(root)


def _owner_alive(record: dict) -> bool:
    if Path(record.get("state_dir", "/")).is_dir():
        return True
    pid, start = record.get("pid"), record.get("pid_start")
    return isinstance(pid, int) and start is not None and _process_start(pid) == start


def owners_of(root: Path) -> list[dict] | None:
    """The recorded owners of a root; None when none are recorded (the root is left alone)."""
    records = []
    try:
        for path in sorted((Path(root) / OWNERS).iterdir()):
            if not path.name.startswith("."):
                try:
                    records.append(json.loads(path.read_text()))
                except (OSError, ValueError):
                    records.append({})  # unreadable: counts as gone only if nothing else lives
    except OSError:
        return None
    return records or None


@dataclass
class Orphan:
    """A sandbox root nobody owns any more, and what is left of it on this machine."""
    root: Path
    state_dirs: list[str]
    sandboxes: list[str] = field(default_factory=list)  # session folders and containers runc knows
    network_namespaces: list[str] = field(default_factory=list)
    firewall_chains: list[str] = field(default_factory=list)
    mounts: list[str] = field(default_factory=list)
    cgroups: list[str] = field(default_factory=list)
    kept_disks: list[str] = field(default_factory=list)


def candidate_roots(owned: bool = True) -> list[Path]:
    """Sandbox roots of this machine with owners recorded (owned=False: those without, made
    before servers recorded their owners; never removed: nobody can tell whose they are)."""
    roots = set()
    for parent in (VAR_ROOT, ROOTS):
        try:
            for d in parent.iterdir():
                if d.is_dir() and (d / OWNERS).is_dir() == owned and (owned or _looks_like_root(d)):
                    roots.add(d.resolve())
        except OSError:
            continue
    return sorted(roots)


def _looks_like_root(d: Path) -> bool:
    return any(d.glob("envd-*")) or any(d.glob("s-*"))


def find_orphans() -> list[Orphan]:
    """Every sandbox root whose owners (all of them) are gone, with what is left of it."""
    found = []
    for root in candidate_roots():
        records = owners_of(root)
        if records is None or any(_owner_alive(r) for r in records):
            continue
        found.append(_inventory(root, [r.get("state_dir", "?") for r in records]))
    return found


def _inventory(root: Path, state_dirs: list[str]) -> Orphan:
    orphan = Orphan(root, state_dirs)
    backend_tag = hashlib.sha256(str(root).encode()).hexdigest()[:12]
    containers = Runc(Path("/run/openbay") / backend_tag).containers()
    sessions = sorted(d.name for d in root.iterdir() if d.is_dir() and d.name.startswith(("s-", "b-")))
    orphan.sandboxes = sorted(set(sessions) | set(containers))
    for name in sessions:
        net = network.SessionNet.load(root / name / "net.json")
        if net is not None and (network.NETNS_DIR / net.netns).exists():
            orphan.network_namespaces.append(net.netns)
        if net is not None:
            orphan.firewall_chains += session_chains(net)
    prefix = str(root) + "/"
    try:
        with open("/proc/self/mountinfo") as f:
            orphan.mounts = sorted({line.split()[4] for line in f if line.split()[4].startswith(prefix)})
    except OSError:
        pass
    orphan.cgroups = sorted(str(p) for p in CGROUP_ROOT.glob(f"*/openbay-{backend_tag}") if p.is_dir())
    orphan.kept_disks = sorted(d.name for d in (root / ".dead").glob("s-*"))
    return orphan


async def remove(orphan: Orphan) -> None:
    """Everything of the orphaned root goes: containers killed, their networks, firewall chains
    and mounts with them (as the local backend ends a sandbox), kept disks, cgroups, the root."""
    backend = LocalBackend(orphan.root)
    await backend.cleanup_stale()  # no server runs it: every container is stale; disks put aside
    backend.sweep_kept(-1)  # and those disks go too
    await backend.close()  # waits for the networks' removal; the root goes once it is empty
    for cgroup in orphan.cgroups:
        for d in sorted(Path(cgroup).glob("**/"), key=lambda p: len(p.parts), reverse=True):
            try:
                os.rmdir(d)
            except OSError:
                pass
    if orphan.root.exists():
        remove_tree(orphan.root)
    for link in ROOTS.glob("*") if ROOTS.is_dir() else ():
        if link.is_symlink() and Path(os.readlink(link)) == orphan.root:
            link.unlink()
