"""Mate's constructors module."""
from .task_runner import create_task_runner

__all__ = ["create_task_runner"]
