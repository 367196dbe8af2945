"""Persistence: tables, repositories and migrations (SQLAlchemy 2, async)."""
from .db import Database
from .repositories import KeyRepository, SessionRepository

__all__ = ["Database", "KeyRepository", "SessionRepository"]
