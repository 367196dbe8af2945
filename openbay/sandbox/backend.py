"""What the services need from a sandbox backend, whatever runs the sandboxes: the `Backend`
protocol every backend has, and the abilities (small protocols) a backend may declare on top.

A backend declares an ability by naming it among its bases (`class LocalBackend(Pausable, ...)`);
`abilities_of` reads the declaration once and checks the members are really there. The server
asks nothing of a backend beyond `Backend` and what it declared: the rest answers 501.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .envd.client import EnvdClient

if TYPE_CHECKING:
    from .images.store import ImageManifest, ImageStore


def human_bytes(n: int) -> str:
    """1073741824 -> "1 GiB", for messages such as an out-of-memory kill's."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


class SandboxError(Exception):
    """The sandbox could not be started or reached."""


class SandboxFull(SandboxError):
    """The machine has no room for another sandbox now (its sessions hold every id block)."""


@dataclass(frozen=True)
class ResourceLimits:
    memory_bytes: int = 1024 * 1024 * 1024
    max_processes: int = 256
    cpu_cores: float = 1.0


@dataclass(frozen=True)
class NetworkPolicy:
    """Egress rules of one session (validated at the API; enforced by the backend).

    Entries are CIDRs ("10.0.0.0/8"), host names ("pypi.org") or wildcards ("*.debian.org").
    `allow_host_ports` are ports of the OpenBay machine reached as host.openbay.internal.
    """
    allow_out: tuple[str, ...] = ()
    deny_out: tuple[str, ...] = ()
    allow_host_ports: tuple[int, ...] = ()
    # what the admin carved out of the egress floor for this session (CIDRs, or "*": all of it)
    private_allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class SandboxSpec:
    session_id: str
    image_id: str
    envs: dict[str, str] = field(default_factory=dict)
    network: bool = True
    limits: ResourceLimits = field(default_factory=ResourceLimits)
    network_policy: NetworkPolicy = field(default_factory=NetworkPolicy)
    disk_bytes: int = 10 * 1024 ** 3
    restore_disk: str | None = None  # start with a copy of this disk (a dead session's) instead of a blank one


@dataclass(frozen=True)
class SandboxMetrics:
    """What `session.get_metrics()` reports (None where the backend cannot tell)."""
    cpu_percent: float | None = None
    memory_used_bytes: int | None = None
    memory_limit_bytes: int | None = None
    disk_used_bytes: int | None = None
    disk_quota_bytes: int | None = None
    net_rx_bytes: int | None = None
    net_tx_bytes: int | None = None
    denied_connections: int | None = None  # refused by the session's egress policy
    processes: int | None = None
    uptime_s: float | None = None


@dataclass
class Sandbox:
    """A running sandbox: its id and the envd client that is the only way in."""
    session_id: str
    envd: EnvdClient
    pid: int = 0


class Backend(Protocol):
    name: str  # what the server's messages call it ("local", "kubernetes")

    @property
    def place(self) -> str:
        """Where its sandboxes are, as replicas on one store must agree on it ("under <root>",
        "in namespace <ns> of <API server>")."""

    async def start(self, spec: SandboxSpec) -> Sandbox: ...

    async def stop(self, session_id: str) -> None:
        """Stop the sandbox and remove everything it held; a no-op if it is gone."""

    def is_alive(self, session_id: str) -> bool: ...

    async def cleanup_stale(self) -> list[str]:
        """Remove what sandboxes of an earlier server run left behind; the ids removed."""

    async def close(self) -> None:
        """Stop every sandbox (server shutdown)."""

    async def metrics(self, session_id: str) -> SandboxMetrics:
        """What it can measure of the sandbox (None where it cannot tell)."""


# --- abilities: what some backends can do beyond Backend -----------------------------------

class Pausable(Protocol):
    """Freeze every process of a sandbox (memory kept, no CPU) and thaw it again."""

    async def pause(self, session_id: str) -> None: ...

    async def resume(self, session_id: str) -> None: ...


class Reattach(Protocol):
    """Sandboxes outlive the server process: a later server (or another replica) takes them in hand."""

    async def reattach(self, session_id: str) -> Sandbox | None:
        """The session's sandbox if it is alive and proves it is this session's; None otherwise."""

    async def detach(self) -> None:
        """Server shutdown that leaves every sandbox running, for the next server to reattach."""

    def forget(self, session_id: str) -> None:
        """Another replica ended the session and stops its sandbox: stop watching it, touch nothing."""


class KeptDisks(Protocol):
    """A dead session's disk is kept for a while, so a new session can start from it (restore_from)."""

    async def keep_files(self, session_id: str) -> None:
        """The sandbox goes, its disk stays."""

    async def kept_disk(self, session_id: str) -> Path | None: ...

    def sweep_kept(self, older_than_s: float) -> list[str]:
        """Forget the disks kept longer than the grace period; the session ids."""


class OomReports(Protocol):
    """Says when the kernel killed a process for the sandbox's memory limit."""

    def oom_kills(self, session_id: str) -> int: ...

    def memory_limit(self, session_id: str) -> int | None: ...


class DiskUsage(Protocol):
    """A running sandbox's disk: (used, quota) bytes, cheaply (session info shows it)."""

    def disk_usage(self, session_id: str) -> tuple[int | None, int | None]: ...


class ExitNotices(Protocol):
    """Calls `on_exit(session_id, reason)` the moment a sandbox dies on its own."""

    on_exit: Callable[[str, str], None] | None


class Templates(Protocol):
    """An image store of its own on this host: owners' templates built in a sandbox or imported
    from OCI archives, and the built-in images' manifests."""

    images: ImageStore

    def image(self, image_ref: str) -> ImageManifest: ...

    async def commit(self, session_id: str, into: Path) -> None:
        """Stop the sandbox and keep what it changed (its upper layer) at `into`."""


class Snapshots(Protocol):
    """A running session's files saved as an image of its owner (in the `Templates` store)."""

    async def snapshot(self, session_id: str, ref: str, owner_id: str, description: str = "") -> ImageManifest: ...


class SandboxRoot(Protocol):
    """Sandboxes keep their files under a folder of this host (replicas must share it; contexts live there)."""

    root: Path


ABILITIES: tuple[type, ...] = (Pausable, Reattach, KeptDisks, OomReports, DiskUsage, ExitNotices, Templates,
                               Snapshots, SandboxRoot)


def _missing(backend: object, ability: type) -> list[str]:
    """Members of the ability the backend leaves to the protocol's stub, or does not have."""
    own = vars(ability)
    methods = [n for n, v in own.items() if inspect.isfunction(v) and not n.startswith("_")]
    return ([n for n in methods if getattr(type(backend), n) is own[n]]
            + [n for n in own.get("__annotations__", {}) if not hasattr(backend, n)])


def abilities_of(backend: object) -> frozenset[type]:
    """The abilities the backend's class declares, each checked to be there in full: a declared
    ability with a member left to the protocol's stub is a bug, refused at once (not at the
    first call, months later)."""
    declared = [a for a in ABILITIES if a in type(backend).__mro__]
    if missing := [f"{a.__name__}.{n}" for a in declared for n in _missing(backend, a)]:
        raise TypeError(f"{type(backend).__name__} declares abilities it does not have: " + ", ".join(missing))
    return frozenset(declared)
