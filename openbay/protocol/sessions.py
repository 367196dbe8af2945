"""Sessions: create parameters, info, lists, labels."""
import re
from datetime import datetime
from enum import Enum
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from .contexts import MAX_SYNCS, ContextSync, validate_context_syncs
from .network import NetworkPolicyParams
from .ports import ExposedPort
from .wire import RequestBody

IMAGE_IDS = ("linux", "code", "browser", "computer", "mobile")

_LABEL_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,62}$")
_ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
MAX_LABELS = 32
MAX_LABEL_VALUE = 256


class SessionStatus(str, Enum):
    RUNNING = "running"
    PAUSED = "paused"
    DELETED = "deleted"
    EXPIRED = "expired"
    DEAD = "dead"


def validate_labels(labels: dict[str, str]) -> dict[str, str]:
    if len(labels) > MAX_LABELS:
        raise ValueError(f"at most {MAX_LABELS} labels")
    for k, v in labels.items():
        if not _LABEL_KEY.fullmatch(k):
            raise ValueError(f"label key {k!r} must match {_LABEL_KEY.pattern}")
        if len(v) > MAX_LABEL_VALUE:
            raise ValueError(f"label {k!r}: value longer than {MAX_LABEL_VALUE} characters")
    return labels


def validate_envs(envs: dict[str, str]) -> dict[str, str]:
    if len(envs) > 256:
        raise ValueError("at most 256 environment variables")
    for k, v in envs.items():
        if not _ENV_KEY.fullmatch(k):
            raise ValueError(f"environment variable name {k!r} must match {_ENV_KEY.pattern}")
        if "\0" in v or len(v) > 32_768:
            raise ValueError(f"environment variable {k!r}: value has a NUL byte or is over 32 KiB")
    return envs


def _keyed(key: re.Pattern, max_items: int, max_value: int, value_pattern: str | None = None):
    """A dict field whose schema says what validate_labels / validate_envs check."""
    value: dict = {"type": "string", "maxLength": max_value}
    if value_pattern:
        value["pattern"] = value_pattern
    return Field(default_factory=dict, json_schema_extra={
        "maxProperties": max_items, "propertyNames": {"pattern": key.pattern}, "additionalProperties": value})


def labels_field():
    return _keyed(_LABEL_KEY, MAX_LABELS, MAX_LABEL_VALUE)


def envs_field():
    return _keyed(_ENV_KEY, 256, 32_768, r"^[^\x00]*$")


class SessionLifecycle(RequestBody):
    """What happens to an idle session: deleted (the default) or paused when its timeout passes."""
    on_idle: Literal["delete", "pause"] = "delete"


class CreateSessionParams(RequestBody):
    image_id: str = Field(default="linux", max_length=64)
    labels: dict[str, str] = labels_field()
    timeout_s: int = Field(default=1800, ge=1, le=7 * 86400,
                           description="idle lifetime: the session is reaped this long after its last use")
    envs: dict[str, str] = envs_field()
    network: Literal["default", "none"] = "default"
    disk_quota_mb: int | None = Field(default=None, ge=16, description=(
        "disk quota of the session (its changes to the image, home and /tmp); default 10 GiB, "
        "at most the server's OPENBAY_MAX_DISK_MB"))
    snapshot_id: str | None = Field(default=None, max_length=64, description=(
        "start from a snapshot of yours (its image and files); image_id is then ignored"))
    restore_from: str | None = Field(default=None, max_length=64, description=(
        "a dead session of yours whose files (kept for a grace period) this session starts with"))
    network_policy: NetworkPolicyParams | None = Field(
        default=None, description="egress rules, joined with the owner's default policy")
    context_syncs: list[ContextSync] = Field(
        default_factory=list, max_length=MAX_SYNCS,
        description="contexts restored into the session, saved back on delete")
    lifecycle: SessionLifecycle = Field(default_factory=SessionLifecycle)
    record: bool = Field(default=False, description="record the session: a browser's pages (rrweb), "
                         "a computer's screen (video); the console replays it")

    _check_labels = field_validator("labels")(validate_labels)
    _check_envs = field_validator("envs")(validate_envs)
    _check_syncs = field_validator("context_syncs")(validate_context_syncs)


class LabelsBody(RequestBody):
    labels: dict[str, str] = labels_field()

    _check_labels = field_validator("labels")(validate_labels)


class SessionInfo(BaseModel):
    session_id: str
    image_id: str
    status: SessionStatus
    labels: dict[str, str] = Field(default_factory=dict)
    network: str = "default"
    timeout_s: int
    created_at: datetime
    last_active_at: datetime
    expires_at: datetime
    kind: str | None = Field(default=None, description="the built-in image a template descends from")
    disk_used_bytes: int | None = None
    disk_quota_bytes: int | None = None
    end_reason: str | None = None
    resource_url: str = ""
    network_policy: NetworkPolicyParams | None = Field(default=None, description="the effective egress policy")
    exposed_ports: list[ExposedPort] = Field(default_factory=list, description="ports reachable through links")
    paused_at: datetime | None = None
    lifecycle: SessionLifecycle = Field(default_factory=SessionLifecycle)


class SessionMetrics(BaseModel):
    """A session's resource use now, under the names AgentBay's and E2B's get_metrics use;
    None where the sandbox backend cannot tell."""
    session_id: str
    status: SessionStatus
    cpu_count: float | None = Field(default=None, description="cores the session may use")
    cpu_used_pct: float | None = Field(default=None, description="percent of cpu_count, lately")
    mem_used: int | None = Field(default=None, description="bytes")
    mem_total: int | None = Field(default=None, description="bytes: the session's memory limit")
    disk_used: int | None = Field(default=None, description="bytes")
    disk_total: int | None = Field(default=None, description="bytes: the session's disk quota")
    rx_used_kbyte: float | None = Field(default=None, description="received since the session started")
    tx_used_kbyte: float | None = Field(default=None, description="sent since the session started")
    process_count: int | None = None
    uptime_s: float | None = None
    timestamp: datetime


class SessionList(BaseModel):
    sessions: list[SessionInfo]
    next_token: str | None = None
    total_count: int
    max_results: int
