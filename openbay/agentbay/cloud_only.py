"""AgentBay services that only Alibaba's cloud has, answered as AgentBay answers a failure
(success=False, or AgentBayError where AgentBay raises) with one sentence saying why: VPC
network binding and cloud-phone device simulation."""
from __future__ import annotations

from typing import Any

from .failures import CLOUD_ONLY
from .models import MobileSimulateConfig, MobileSimulateMode, MobileSimulateUploadResult
from .results import ApiResponse

NETWORK = CLOUD_ONLY.format(feature="BetaNetwork", why="it binds sessions to a VPC network of Alibaba Cloud; "
                            "an OpenBay session's egress is set by its network policy")
SIMULATE = CLOUD_ONLY.format(feature="mobile device simulation", why="it dresses AgentBay's cloud phones as "
                             "another device; an OpenBay mobile session drives your own device")


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
