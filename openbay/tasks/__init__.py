"""Task runner: scheduling, cancellation, budgets, event persistence, call-for-user rendezvous."""
from .bus import EventBus
from .runner import TaskConflict, TaskScheduler

__all__ = ["EventBus", "TaskConflict", "TaskScheduler"]
