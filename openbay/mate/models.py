"""WyseOS Mate's request and result models, with Mate's field names, filled from OpenBay."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class Attachments(_Model):
    """An uploaded file as a task's attachment (what file_upload.upload_file returns fits)."""
    file_name: str = ""
    file_url: str = ""
    extension: str | None = None
    url: str | None = None
    attachment_id: str | None = None
    message_id: str | None = None
    file_type: str | None = None
    file_size: int | None = None
    created_at: str | None = None
    updated_at: str | None = None


class UserTaskMessage(_Model):
    role: str
    content: str
    metadata: dict[str, Any] | None = None


class MessageResponse(_Model):
    """One message of a session. `type` is Mate's: text, plan, input, rich (a browser action
    and its result), task_result, error; `message` holds OpenBay's event payload."""
    type: str = ""
    message_id: str = ""
    source: str = ""
    source_component: str = ""
    source_type: str = ""
    content: str = ""
    created_at: str = ""
    browser_id: str | None = None
    session_round: int | None = None
    timestamp: int | None = None
    attachments: list[Attachments] = Field(default_factory=list)
    code: int | None = None
    error: str | None = None
    chunk_id: str | None = None
    chunk_index: int | None = None
    delta: bool | None = None
    message: Any = None


class SessionInfo(_Model):
    session_id: str
    name: str = ""
    status: str = ""
    browser_id: str = ""
    team_id: str | None = None
    intent_id: str | None = None
    task: list[UserTaskMessage] = Field(default_factory=list)
    task_result: dict[str, Any] | None = None
    attachments: list[Attachments] = Field(default_factory=list)
    platform: str = ""
    mode: str | None = None
    visibility: str = ""
    extra: dict[str, Any] | None = None
    created_at: str = ""
    updated_at: str = ""


class CreateSessionRequest(_Model):
    task: Annotated[str, Field(min_length=1)]
    intent_id: str | None = None
    mode: str | None = None
    platform: str | None = None
    extra: dict[str, Any] | None = None


class CreateSessionResponse(_Model):
    session_id: str


class GetMessagesResponse(_Model):
    messages: list[MessageResponse]
    total_count: int
    has_next: bool = False
    has_prev: bool = False


class MessageFilter(_Model):
    """role: user, assistant, tool or system; content: text the message must contain;
    from_timestamp / to_timestamp: the window of creation times."""
    role: str | None = None
    content: str | None = None
    from_timestamp: datetime | None = None
    to_timestamp: datetime | None = None


class UpdateSessionNameRequest(_Model):
    session_id: str
    title: str


class ListOptions(_Model):
    page_num: int = Field(default=1, ge=1)
    page_size: int = Field(default=20, ge=1, le=100)
