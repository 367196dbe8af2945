"""AgentBay services that only Alibaba's cloud has, answered as AgentBay answers a failure
(success=False, or AgentBayError where AgentBay raises) with one sentence saying why: VPC
network binding, cloud-phone device simulation, and browser extensions uploaded to the cloud."""
from __future__ import annotations

import os
from typing import Any

from .errors import AgentBayError
from .failures import CLOUD_ONLY
from .models import MobileSimulateConfig, MobileSimulateMode, MobileSimulateUploadResult
from .results import ApiResponse

NETWORK = CLOUD_ONLY.format(feature="BetaNetwork", why="it binds sessions to a VPC network of Alibaba Cloud; "
                            "an OpenBay session's egress is set by its network policy")
SIMULATE = CLOUD_ONLY.format(feature="mobile device simulation", why="it dresses AgentBay's cloud phones as "
                             "another device; an OpenBay mobile session drives your own device")
EXTENSIONS = ("browser extensions are not served by OpenBay yet: its Chromium starts without extensions, so "
              "ExtensionsService stores none")


class NetworkResult(ApiResponse):
    def __init__(self, request_id: str = "", success: bool = False, network_id: str = "", network_token: str = "",
                 error_message: str = ""):
        super().__init__(request_id)
        self.success, self.network_id, self.network_token = success, network_id, network_token
        self.error_message = error_message


class NetworkStatusResult(ApiResponse):
    def __init__(self, request_id: str = "", success: bool = False, online: bool = False, error_message: str = ""):
        super().__init__(request_id)
        self.success, self.online, self.error_message = success, online, error_message


class BetaNetwork:
    def __init__(self, agent_bay: Any):
        self._agent_bay = agent_bay

    def get_network_bind_token(self, network_id: str | None = None) -> NetworkResult:
        return NetworkResult(success=False, network_id=network_id or "", error_message=NETWORK)

    def describe(self, network_id: str) -> NetworkStatusResult:
        return NetworkStatusResult(success=False, error_message=NETWORK)


class AsyncBetaNetwork(BetaNetwork):
    async def get_network_bind_token(self, network_id: str | None = None) -> NetworkResult:  # type: ignore[override]
        return BetaNetwork.get_network_bind_token(self, network_id)

    async def describe(self, network_id: str) -> NetworkStatusResult:  # type: ignore[override]
        return BetaNetwork.describe(self, network_id)


class MobileSimulateService:
    """The settings are kept (so programs that build a config run); uploading device info refuses."""

    def __init__(self, agent_bay: Any):
        self._agent_bay = agent_bay
        self._enable, self._mode, self._context_id = False, MobileSimulateMode.PROPERTIES_ONLY, ""

    def set_simulate_enable(self, enable: bool) -> None:
        self._enable = enable

    def get_simulate_enable(self) -> bool:
        return self._enable

    def set_simulate_mode(self, mode: MobileSimulateMode) -> None:
        self._mode = mode

    def get_simulate_mode(self) -> MobileSimulateMode:
        return self._mode

    def set_simulate_context_id(self, context_id: str) -> None:
        self._context_id = context_id

    def get_simulate_context_id(self) -> str:
        return self._context_id

    def get_simulate_config(self) -> MobileSimulateConfig:
        return MobileSimulateConfig(simulate=self._enable, simulate_path=None, simulate_mode=self._mode,
                                    simulated_context_id=self._context_id or None)

    def has_mobile_info(self, context_sync: Any) -> bool:
        return False

    def upload_mobile_info(self, mobile_dev_info_content: str, context_sync: Any = None) -> MobileSimulateUploadResult:
        return MobileSimulateUploadResult(False, error_message=SIMULATE)


class AsyncMobileSimulateService(MobileSimulateService):
    async def has_mobile_info(self, context_sync: Any) -> bool:  # type: ignore[override]
        return False

    async def upload_mobile_info(self, mobile_dev_info_content: str,  # type: ignore[override]
                                 context_sync: Any = None) -> MobileSimulateUploadResult:
        return MobileSimulateService.upload_mobile_info(self, mobile_dev_info_content, context_sync)


class Extension:
    def __init__(self, id: str, name: str, created_at: str | None = None):
        self.id, self.name, self.created_at = id, name, created_at


class ExtensionOption:
    def __init__(self, context_id: str, extension_ids: list[str]):
        if not context_id or not str(context_id).strip():
            raise ValueError("context_id cannot be empty")
        if not extension_ids:
            raise ValueError("extension_ids cannot be empty")
        self.context_id, self.extension_ids = context_id, list(extension_ids)

    def validate(self) -> bool:
        return bool(self.context_id and self.extension_ids)


class ExtensionsService:
    """list() is empty and cleanup() has nothing to do; create/update/delete raise AgentBayError
    (AgentBay raises on a failed upload too) saying OpenBay loads no extensions."""

    def __init__(self, agent_bay: Any, context_id: str = ""):
        self._agent_bay, self.context_id = agent_bay, context_id

    def list(self) -> list[Extension]:
        return []

    def create(self, local_path: str) -> Extension:
        if not os.path.exists(local_path):
            raise FileNotFoundError(f"Extension file not found: {local_path}")
        raise AgentBayError(EXTENSIONS)

    def update(self, extension_id: str, new_local_path: str) -> Extension:
        raise AgentBayError(EXTENSIONS)

    def cleanup(self) -> bool:
        return True

    def delete(self, extension_id: str) -> bool:
        return False

    def create_extension_option(self, extension_ids: list[str]) -> ExtensionOption:
        return ExtensionOption(self.context_id, extension_ids)


class AsyncExtensionsService(ExtensionsService):
    async def list(self) -> list[Extension]:  # type: ignore[override]
        return []

    async def create(self, local_path: str) -> Extension:  # type: ignore[override]
        return ExtensionsService.create(self, local_path)

    async def update(self, extension_id: str, new_local_path: str) -> Extension:  # type: ignore[override]
        raise AgentBayError(EXTENSIONS)

    async def cleanup(self) -> bool:  # type: ignore[override]
        return True

    async def delete(self, extension_id: str) -> bool:  # type: ignore[override]
        return False

    async def create_extension_option(self, extension_ids: list[str]) -> ExtensionOption:  # type: ignore[override]
        return ExtensionOption(self.context_id, extension_ids)
