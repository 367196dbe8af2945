"""Sandboxes: the Backend protocol and its implementations (local bubblewrap)."""
from .backend import Backend, ResourceLimits, Sandbox, SandboxError, SandboxSpec
from .envd.client import EnvdClient, EnvdError

__all__ = ["Backend", "Sandbox", "SandboxError", "SandboxSpec", "ResourceLimits",
           "EnvdClient", "EnvdError"]
