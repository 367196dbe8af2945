"""AgentBay's smaller value and result types (session status and data, env, screenshots,
file changes, context binds, beta context mounts, extra configs), with AgentBay's fields."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .results import ApiResponse, FileChangeEvent


class SessionStatus(Enum):
    RUNNING = "RUNNING"
    PAUSING = "PAUSING"
    PAUSED = "PAUSED"
    RESUMING = "RESUMING"
    DELETING = "DELETING"
    DELETED = "DELETED"


@dataclass
class BaseResult(ApiResponse):
    success: bool = False
    error_message: str = ""


@dataclass
class EnvResult(ApiResponse):
    success: bool = False
    envs: dict[str, str] = field(default_factory=dict)
    error_message: str = ""


@dataclass
class AdbUrlResult(ApiResponse):
    success: bool = False
    error_message: str = ""
    data: str | None = None


@dataclass
class GetSessionData:
    """What AgentBay's get_session answers; OpenBay fills the fields it has (ids, status, link)."""
    app_instance_id: str = ""
    resource_id: str = ""
    session_id: str = ""
    success: bool = False
    http_port: str = ""
    network_interface_ip: str = ""
    token: str = ""
    link_url: str = ""
    ws_url: str = ""
    vpc_resource: bool = False
    vpc_ip: str = ""
    vpc_id: str = ""
    resource_url: str = ""
    status: str = ""
    tool_list: str = ""
    contexts: list[dict[str, str]] | None = None


@dataclass
class GetSessionResult(ApiResponse):
    http_status_code: int = 0
    code: str = ""
    success: bool = False
    data: GetSessionData | None = None
    error_message: str = ""


def extract_request_id(response: Any) -> str:
    """The request id of a response: OpenBay's results carry it as `request_id`; AgentBay's
    raw API responses as body.RequestId (to_map())."""
    if response is None:
        return ""
    if isinstance(getattr(response, "request_id", None), str):
        return response.request_id
    try:
        body = response.to_map().get("body", {})
        return body.get("RequestId", "") if isinstance(body, dict) else ""
    except (AttributeError, TypeError):
        return ""


class ScreenshotMode(str, Enum):
    NORMAL = "normal"


@dataclass
class ScreenshotResult(BaseResult):
    """An image in memory: data is the encoded bytes, type its format ("png", "jpeg")."""
    type: str = ""
    data: bytes = b""
    mime_type: str = ""
    width: int | None = None
    height: int | None = None


@dataclass
class FileChangeResult(ApiResponse):
    success: bool = False
    events: list[FileChangeEvent] = field(default_factory=list)
    raw_data: str = ""
    error_message: str = ""

    def has_changes(self) -> bool:
        return len(self.events) > 0

    def _files(self, kind: str) -> list[str]:
        return [e.path for e in self.events if e.event_type == kind and e.path_type == "file"]

    def get_modified_files(self) -> list[str]:
        return self._files("modify")

    def get_created_files(self) -> list[str]:
        return self._files("create")

    def get_deleted_files(self) -> list[str]:
        return self._files("delete")


@dataclass
class ContextBindResult(ApiResponse):
    success: bool = False
    error_message: str = ""


class BetaContextMountAccessMode(Enum):
    READ_WRITE = "readWrite"
    READ_ONLY = "readOnly"


class BetaContextMountStrategy(Enum):
    STANDARD = "standard"
    PERFORMANCE = "performance"


@dataclass
class BetaContextMount:
    """A context mounted at `path`. On OpenBay it is synced like a ContextSync: downloaded when the
    session starts, uploaded when it ends (read_only mounts are not uploaded)."""
    context_id: str
    path: str
    access_mode: BetaContextMountAccessMode = BetaContextMountAccessMode.READ_WRITE
    strategy: BetaContextMountStrategy = BetaContextMountStrategy.STANDARD
    source_path: str = ""

    @classmethod
    def new(cls, context_id: str, path: str, access_mode: BetaContextMountAccessMode | None = None,
            strategy: BetaContextMountStrategy | None = None, source_path: str | None = None) -> BetaContextMount:
        return cls(context_id, path, access_mode or BetaContextMountAccessMode.READ_WRITE,
                   strategy or BetaContextMountStrategy.STANDARD, source_path or "")

    def with_access_mode(self, access_mode: BetaContextMountAccessMode) -> BetaContextMount:
        self.access_mode = access_mode
        return self

    def with_strategy(self, strategy: BetaContextMountStrategy) -> BetaContextMount:
        self.strategy = strategy
        return self

    def with_source_path(self, source_path: str) -> BetaContextMount:
        self.source_path = source_path
        return self


class MobileSimulateMode(Enum):
    PROPERTIES_ONLY = "PropertiesOnly"
    SENSORS_ONLY = "SensorsOnly"
    PACKAGES_ONLY = "PackagesOnly"
    SERVICES_ONLY = "ServicesOnly"
    ALL = "All"


class _Model:
    """AgentBay's API models' validate/to_map/from_map, over the instance's own attributes."""
    _keys: dict[str, str] = {}

    def validate(self) -> None:
        pass

    def to_map(self) -> dict[str, Any]:
        out = {}
        for attr, key in self._keys.items():
            value = getattr(self, attr)
            if value is not None:
                out[key] = value.to_map() if isinstance(value, _Model) else (
                    value.value if isinstance(value, Enum) else value)
        return out

    def from_map(self, m: dict[str, Any] | None = None) -> Any:
        for attr, key in self._keys.items():
            if m and key in m:
                setattr(self, attr, m[key])
        return self


class MobileSimulateConfig(_Model):
    _keys = {"simulate": "Simulate", "simulate_path": "SimulatePath", "simulate_mode": "SimulateMode",
             "simulated_context_id": "SimulatedContextId"}

    def __init__(self, simulate: bool = False, simulate_path: str | None = None,
                 simulate_mode: MobileSimulateMode | None = None, simulated_context_id: str | None = None):
        self.simulate, self.simulate_path = simulate, simulate_path
        self.simulate_mode, self.simulated_context_id = simulate_mode, simulated_context_id


class AppManagerRule(_Model):
    _keys = {"rule_type": "RuleType", "app_package_name_list": "AppPackageNameList"}

    def __init__(self, rule_type: str | None = None, app_package_name_list: list[str] | None = None):
        self.rule_type, self.app_package_name_list = rule_type, app_package_name_list


class MobileExtraConfig(_Model):
    _keys = {"lock_resolution": "LockResolution", "app_manager_rule": "AppManagerRule",
             "hide_navigation_bar": "HideNavigationBar", "uninstall_blacklist": "UninstallBlacklist",
             "simulate_config": "SimulateConfig"}

    def __init__(self, lock_resolution: bool | None = None, app_manager_rule: AppManagerRule | None = None,
                 hide_navigation_bar: bool | None = None, uninstall_blacklist: list[str] | None = None,
                 simulate_config: MobileSimulateConfig | None = None):
        self.lock_resolution, self.app_manager_rule = lock_resolution, app_manager_rule
        self.hide_navigation_bar, self.uninstall_blacklist = hide_navigation_bar, uninstall_blacklist
        self.simulate_config = simulate_config


class ExtraConfigs(_Model):
    """CreateSessionParams(extra_configs=...): accepted; its mobile settings (resolution lock, app
    rules, device simulation) are settings of AgentBay's cloud phones, not applied on OpenBay."""
    _keys = {"mobile": "Mobile"}

    def __init__(self, mobile: MobileExtraConfig | None = None):
        self.mobile = mobile


class MobileSimulateUploadResult:
    def __init__(self, success: bool, mobile_simulate_context_id: str = "", error_message: str = ""):
        self.success, self.mobile_simulate_context_id = success, mobile_simulate_context_id
        self.error_message = error_message


class AgentEvent:
    """One streamed event of an agent task (reasoning, content, tool_call, tool_result, error,
    call_for_user), as AgentBay's callbacks get it; `payload` is OpenBay's event as sent."""

    def __init__(self, type: str = "", seq: int = 0, round: int = 0, content: str = "", tool_call_id: str = "",
                 tool_name: str = "", args: dict | None = None, result: dict | None = None, prompt: str = "",
                 error: dict | None = None, task_id: str = "", payload: dict | None = None):
        self.type, self.seq, self.round, self.content = type, seq, round, content
        self.tool_call_id, self.tool_name, self.args, self.result = tool_call_id, tool_name, args, result
        self.prompt, self.error, self.task_id, self.payload = prompt, error, task_id, payload or {}

    @classmethod
    def of(cls, event: Any) -> AgentEvent:
        """AgentBay's event from OpenBay's (openbay.sdk's AgentEvent: type, seq, task_id, payload)."""
        p, kind = event.payload, event.type
        return cls(type=kind, seq=event.seq, round=int(p.get("step") or 0), content=event.content,
                   tool_call_id=str(p.get("id") or ""),
                   tool_name=str(p.get("name") or ("call_for_user" if kind == "call_for_user" else "")),
                   args=p.get("args") if kind == "tool_call" else None,
                   result={"output": p.get("output", ""), "ok": p.get("ok", True)} if kind == "tool_result" else None,
                   prompt=str(p.get("content") or "") if kind == "call_for_user" else "",
                   error=dict(p) if kind == "error" else None, task_id=event.task_id, payload=dict(p))

    def __repr__(self) -> str:
        return f"AgentEvent(type={self.type!r}, seq={self.seq}, content={self.content[:60]!r})"
