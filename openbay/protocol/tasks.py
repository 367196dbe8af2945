"""Agent tasks: what a caller asks for, what a task looks like, and the events it streams."""
import json
from datetime import datetime
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

AGENT_KINDS = ("browser", "computer", "mobile")
MAX_SCHEMA_BYTES = 64 * 1024


class TaskStatus(str, Enum):
    PENDING = "pending"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    INTERRUPTED = "interrupted"  # the server stopped and the task could not go on (its session died)

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({TaskStatus.FINISHED, TaskStatus.FAILED, TaskStatus.CANCELLED,
                               TaskStatus.TIMED_OUT, TaskStatus.INTERRUPTED})
TERMINAL_STATUS_NAMES = frozenset(s.value for s in TERMINAL_STATUSES)


class EventType(str, Enum):
    REASONING = "reasoning"
    CONTENT = "content"
    TOOL_CALL = "tool_call"
    TOOL_RESULT = "tool_result"
    ERROR = "error"
    CALL_FOR_USER = "call_for_user"
    STATUS = "status"
    PLAN = "plan"              # the agent's numbered steps, again whenever they change
    USER_INPUT = "user_input"  # the person's answer to call_for_user or to a plan
    ANSWER = "answer"          # the final answer of a task that finished


class LLMOverride(BaseModel):
    """Per-task model settings; unset fields fall back to the server's OPENBAY_LLM_*."""
    base_url: str | None = Field(default=None, max_length=2048, pattern=r"^https?://")
    api_key: str | None = Field(default=None, max_length=4096, repr=False)
    model: str | None = Field(default=None, max_length=256)


class TaskCreateRequest(BaseModel):
    task: str = Field(min_length=1, max_length=20_000)
    max_steps: int = Field(default=50, ge=1, le=1000)
    timeout_s: float = Field(default=600, gt=0, le=86_400, description="wall-clock limit")
    max_tokens: int | None = Field(default=None, ge=1, description="token budget of the whole task")
    use_vision: bool = False
    full_page_screenshot: bool = False
    output_schema: dict[str, Any] | None = Field(default=None, description="JSON schema of done.data")
    call_for_user_timeout_s: float = Field(default=300, gt=0, le=86_400)
    llm: LLMOverride | None = None
    plan: bool = Field(default=False, description="write a plan (numbered steps) before acting")
    auto_accept_plan: bool = Field(default=True, description="false: wait for the person to accept or edit it")
    context: str | None = Field(default=None, max_length=20_000,
                                description="what came before in the conversation, shown to the agent with the task")

    @field_validator("output_schema")
    @classmethod
    def _schema_is_small_and_valid(cls, schema):
        if schema is None:
            return None
        if len(json.dumps(schema)) > MAX_SCHEMA_BYTES:
            raise ValueError(f"output_schema is larger than {MAX_SCHEMA_BYTES} bytes")
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as e:
            raise ValueError(f"output_schema is not a valid JSON schema: {e.message}") from None
        return schema


class TaskUsage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class StepLog(BaseModel):
    """One step of the agent: what it saw, did and spent."""
    step: int
    url: str = ""
    title: str = ""
    actions: list[dict[str, Any]] = Field(default_factory=list)
    usage: TaskUsage = Field(default_factory=TaskUsage)
    has_screenshot: bool = False
    created_at: datetime | None = None


class TaskInfo(BaseModel):
    task_id: str
    session_id: str
    kind: str
    task: str
    status: TaskStatus
    error_message: str = ""
    steps: int = 0
    max_steps: int
    result: str | None = Field(default=None, description="the agent's final text")
    data: Any = Field(default=None, description="done.data, valid against output_schema if given")
    output_schema: dict[str, Any] | None = None
    usage: TaskUsage = Field(default_factory=TaskUsage)
    execution_logs: list[StepLog] = Field(default_factory=list)
    screenshots: list[str] = Field(default_factory=list, description="base64 images, one per step with vision "
                                   "(JPEG; PNG for a computer screenshot sent unscaled)")
    created_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    session_duration_s: float = 0.0
    message_count: int = 0


class TaskEvent(BaseModel):
    task_id: str
    seq: int
    type: EventType
    timestamp: datetime
    payload: dict[str, Any] = Field(default_factory=dict)


class TaskEventList(BaseModel):
    events: list[TaskEvent]
    status: TaskStatus


class UserReply(BaseModel):
    content: str = Field(max_length=100_000)


class ClientMessage(BaseModel):
    """What a client may send on the events WebSocket."""
    type: Literal["reply"]
    content: str = Field(max_length=100_000)
