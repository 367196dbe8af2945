"""Task runner: scheduling, cancellation, budgets, event persistence, call-for-user rendezvous."""
from .bus import EventBus
from .runner import TaskConflict, TaskRunner

__all__ = ["EventBus", "TaskConflict", "TaskRunner"]
