"""Sandboxes: the Backend protocol, its abilities, and its implementations (local runc, Kubernetes pods)."""
from .backend import (
    Backend,
    NetworkPolicy,
    ResourceLimits,
    Sandbox,
    SandboxError,
    SandboxFull,
    SandboxMetrics,
    SandboxSpec,
    abilities_of,
)
from .envd.client import EnvdClient, EnvdError

__all__ = ["Backend", "Sandbox", "SandboxError", "SandboxFull", "SandboxSpec", "ResourceLimits", "NetworkPolicy",
           "SandboxMetrics", "EnvdClient", "EnvdError", "abilities_of"]
