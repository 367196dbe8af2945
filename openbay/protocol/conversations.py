"""Conversations as the WyseOS Mate SDK sees them: a session's messages (derived from
its tasks' events), its name and summary, the task runner's request, and uploads."""
from datetime import datetime
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from .tasks import LLMOverride, TaskInfo
from .wire import RequestBody

MAX_PAGE_SIZE = 100
MAX_BETWEEN = 1000
MESSAGE_ROLES = ("user", "assistant", "tool", "system")
# what each stored event type is as a message; a status "pending" event is the user's task
MESSAGE_TYPES = ("task", "plan", "reasoning", "content", "tool_call", "tool_result", "answer", "error",
                 "call_for_user", "user_input", "status")
ROLE_OF_TYPE = {"task": "user", "user_input": "user", "tool_result": "tool", "status": "system",
                "error": "system"}  # the rest: assistant
UPLOAD_EXTENSIONS = (".txt", ".pdf", ".png", ".jpg", ".jpeg", ".md", ".csv", ".html", ".htm", ".rss",
                     ".xml", ".gif", ".py", ".json")
ATTACHMENTS_DIR = "/home/user/attachments"


class Message(BaseModel):
    message_id: str = Field(description="<task_id>.<seq>: stable, and ordered within a task")
    session_id: str
    task_id: str
    role: str
    type: str
    content: str = Field(description="the message as text")
    payload: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime


class MessagePage(BaseModel):
    page_num: int
    page_size: int
    total: int
    total_page: int
    data: list[Message]


class SessionName(RequestBody):
    # something besides white space (as Python's str.strip() sees it, control separators too)
    name: str = Field(min_length=1, max_length=200, json_schema_extra={"pattern": r"\S"})

    @field_validator("name")
    @classmethod
    def _not_blank(cls, name: str) -> str:
        if not name.strip():
            raise ValueError("name must not be blank")
        return name


class ConversationInfo(BaseModel):
    session_id: str
    name: str
    status: str
    image_id: str
    created_at: datetime
    updated_at: datetime
    message_count: int
    task_count: int
    duration_s: float


class TaskMode(str, Enum):
    """Default: the task as given. DeepSearch: several sources, cross-checked, cited.
    Marketing: research of audience, competitors and channels, with drafts (never published)."""
    Default = "default"
    DeepSearch = "deep_search"
    Marketing = "marketing"


class Attachment(RequestBody):
    file_name: str = Field(default="", max_length=255)
    file_url: str = Field(default="", max_length=4096)
    file_id: str = Field(default="", max_length=64)


class RunTaskRequest(RequestBody):
    """A task for the task runner: a plan first, attachments in the session's home."""
    task: str = Field(min_length=1, max_length=20_000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)
    task_mode: TaskMode = Field(default=TaskMode.Default, strict=False)
    auto_accept_plan: bool = True
    capture_screenshots: bool = False
    completion_timeout: float = Field(default=300, gt=0, le=86_400)
    max_user_input_timeout: float = Field(default=0, ge=0, le=86_400, description="0: wait forever")
    max_steps: int | None = Field(default=None, ge=1, le=1000)
    llm: LLMOverride | None = None
    extra: dict[str, Any] = Field(default_factory=dict, max_length=64,
                                  description="further parameters, given to the agent with the task")


class RunTaskStarted(BaseModel):
    task: TaskInfo
    attachments: list[str] = Field(default_factory=list, description="paths in the session")


class UploadInfo(BaseModel):
    file_id: str
    file_name: str
    file_url: str
    size: int
    session_id: str | None = None
    created_at: datetime


class QianfanRunRequest(RequestBody):
    """Baidu Qianfan's browser-use agent request (POST /v2/agent/browser_use/run)."""
    query: str = Field(min_length=1, max_length=20_000)
    conversation_id: str | None = Field(default=None, max_length=64)
    stream: Literal[True] = True
    screenshots: bool = Field(default=False, description="a screenshot per step, shown to the model and "
                              "fetchable by a signed URL; off by default, as text-only models cannot see images")
