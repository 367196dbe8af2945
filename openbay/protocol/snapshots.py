"""Snapshots: a session's files saved as an image of its owner, to start new sessions from."""
from pydantic import BaseModel, Field

from .wire import RequestBody


class SnapshotCreate(RequestBody):
    name: str = Field(default="", max_length=200, description="a label of yours")


class SnapshotInfo(BaseModel):
    snapshot_id: str
    name: str = ""
    session_id: str = Field(description="the session it was taken of")
    image_id: str = Field(description="the image that session ran")
    size_bytes: int = 0
    created_at: float = 0.0


class SnapshotList(BaseModel):
    snapshots: list[SnapshotInfo]
