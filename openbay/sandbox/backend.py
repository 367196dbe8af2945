"""What the services need from a sandbox backend, whatever runs the sandboxes."""
from dataclasses import dataclass, field
from typing import Protocol

from .envd.client import EnvdClient


class SandboxError(Exception):
    """The sandbox could not be started or reached."""


@dataclass(frozen=True)
class ResourceLimits:
    memory_bytes: int = 1024 * 1024 * 1024
    max_processes: int = 256
    cpu_cores: float = 1.0


@dataclass(frozen=True)
class SandboxSpec:
    session_id: str
    image_id: str
    envs: dict[str, str] = field(default_factory=dict)
    network: bool = True
    limits: ResourceLimits = field(default_factory=ResourceLimits)


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
