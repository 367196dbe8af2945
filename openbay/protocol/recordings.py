"""Recordings of sessions: a browser's pages (rrweb events) or a computer's screen (video)."""
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from .wire import RequestBody


class RecordingInfo(BaseModel):
    recording_id: str
    session_id: str
    owner_id: str
    kind: Literal["rrweb", "video"]
    status: Literal["recording", "stopped", "failed"] = "recording"
    task_ids: list[str] = Field(default_factory=list, description="tasks that ran while it recorded")
    started_at: datetime
    ended_at: datetime | None = None
    events: int = 0
    bytes: int = 0
    error_message: str = ""


class RecordingList(BaseModel):
    recordings: list[RecordingInfo]


class RecordingStart(RequestBody):
    task_id: str | None = Field(default=None, max_length=64)
