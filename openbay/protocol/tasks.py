"""Agent tasks: what a caller asks for, what a task looks like, and the events it streams."""
import json
import re
from datetime import datetime
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from .wire import RequestBody

AGENT_KINDS = ("browser", "computer", "mobile")
MAX_SCHEMA_BYTES = 64 * 1024
_SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_DOMAIN = re.compile(r"^(https?://)?(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]{0,252})(:\d{1,5})?$")


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
    USAGE = "usage"            # a step's tokens and cost, and the task's totals so far


class LLMOverride(RequestBody):
    """Per-task model settings; unset fields fall back to the server's OPENBAY_LLM_*."""
    base_url: str | None = Field(default=None, max_length=2048, pattern=r"^https?://")
    api_key: str | None = Field(default=None, max_length=4096, repr=False)
    model: str | None = Field(default=None, max_length=256)
    max_output_tokens: int | None = Field(default=None, ge=16, le=1_000_000,
                                          description="the cap on one answer of the model (max_tokens)")
    context_tokens: int | None = Field(default=None, ge=256, le=10_000_000,
                                       description="the model's context when the server does not say")
    fallback_model: str | None = Field(default=None, max_length=256,
                                       description="takes over after rate limits, errors or invalid output")
    tool_mode: Literal["auto", "native", "text"] | None = Field(
        default=None, description="text: tools described in the prompt, for servers without tool calling")


_DOMAINS = {"items": {"type": "string", "pattern": _DOMAIN.pattern}}  # what _domains checks, for the spec


class TaskCreateRequest(RequestBody):
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
    sensitive_data: dict[str, str | dict[str, str]] | None = Field(
        default=None, repr=False, description='secrets the agent types without seeing: {"x_password": "..."}, '
        'or per domain {"https://*.example.com": {"x_password": "..."}}; the model sees <secret>x_password</secret>')
    allowed_domains: list[str] = Field(default_factory=list, max_length=100, json_schema_extra=_DOMAINS,
                                       description="only these may be opened (example.com, *.example.com, host:port)")
    prohibited_domains: list[str] = Field(default_factory=list, max_length=100, json_schema_extra=_DOMAINS,
                                          description="these may never be opened")
    use_cache: bool = Field(default=False, description="reuse the steps of an earlier run of the same task "
                            "(browser agent, the owner's action cache) where its pages are the same")

    @field_validator("sensitive_data")
    @classmethod
    def _secrets(cls, data):
        if not data:
            return data
        if len(data) > 64:
            raise ValueError("at most 64 sensitive_data entries")
        for key, value in data.items():
            pairs = value.items() if isinstance(value, dict) else [(key, value)]
            if isinstance(value, dict) and not _DOMAIN.fullmatch(key):
                raise ValueError(f"sensitive_data: {key[:100]!r} is not a domain pattern")
            for name, secret in pairs:
                if not _SECRET_NAME.fullmatch(name):
                    raise ValueError(f"sensitive_data: {name[:64]!r} is not a name (letters, digits, _)")
                if len(secret) > 10_000:
                    raise ValueError(f"sensitive_data: the value of {name!r} is over 10,000 characters")
        return data

    @field_validator("allowed_domains", "prohibited_domains")
    @classmethod
    def _domains(cls, domains: list[str]) -> list[str]:
        for d in domains:
            if not _DOMAIN.fullmatch(d):
                raise ValueError(f"{d[:100]!r} is not a domain pattern (example.com, *.example.com, "
                                 "127.0.0.1:8080, https://example.com)")
        return domains
    record: bool = Field(default=False, description="record the session from this task on (until the session ends "
                         "or the recording is stopped)")

    @field_validator("output_schema")
    @classmethod
    def _schema_is_small_and_valid(cls, schema):
        return None if schema is None else checked_schema(schema, "output_schema")


def checked_schema(schema: dict, what: str) -> dict:
    """`schema` if it is a valid JSON schema of at most MAX_SCHEMA_BYTES; else ValueError naming `what`."""
    if len(json.dumps(schema)) > MAX_SCHEMA_BYTES:
        raise ValueError(f"{what} is larger than {MAX_SCHEMA_BYTES} bytes")
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as e:
        raise ValueError(f"{what} is not a valid JSON schema: {e.message}") from None
    return schema


class TaskUsage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float = Field(default=0.0, description="from the admin's price table (OPENBAY_LLM_PRICES)")


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


class UserReply(RequestBody):
    content: str = Field(max_length=100_000)


class ClientMessage(RequestBody):
    """What a client may send on the events WebSocket."""
    type: Literal["reply"]
    content: str = Field(max_length=100_000)


class TaskSummary(BaseModel):
    """A task in a list: what it was asked and how it went, without steps or screenshots."""
    task_id: str
    session_id: str
    kind: str
    task: str
    status: TaskStatus
    steps: int = 0
    result: str | None = None
    created_at: datetime
    ended_at: datetime | None = None


class TaskSummaryList(BaseModel):
    tasks: list[TaskSummary]
