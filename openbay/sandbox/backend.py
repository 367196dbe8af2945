"""What the services need from a sandbox backend, whatever runs the sandboxes."""
from dataclasses import dataclass, field
from typing import Protocol

from .envd.client import EnvdClient


def human_bytes(n: int) -> str:
    """1073741824 -> "1 GiB", for messages such as an out-of-memory kill's."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


class SandboxError(Exception):
    """The sandbox could not be started or reached."""


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
    name: str

    async def start(self, spec: SandboxSpec) -> Sandbox: ...

    async def stop(self, session_id: str) -> None:
        """Stop the sandbox and remove everything it held; a no-op if it is gone."""

    def is_alive(self, session_id: str) -> bool: ...

    async def cleanup_stale(self) -> list[str]:
        """Remove what sandboxes of an earlier server run left behind; the ids removed."""

    async def close(self) -> None:
        """Stop every sandbox (server shutdown)."""

    async def pause(self, session_id: str) -> None:
        """Freeze every process of the sandbox (memory kept, no CPU)."""

    async def resume(self, session_id: str) -> None:
        """Thaw a paused sandbox."""

    async def metrics(self, session_id: str) -> SandboxMetrics: ...
