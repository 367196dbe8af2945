"""Owners' default egress policies (`bay.network_policy`): an admin key sets and clears them;
any key reads its own owner's."""
from __future__ import annotations

from typing import TYPE_CHECKING

from openbay.protocol.network import NetworkPolicyParams, OwnerNetworkPolicy

from . import calls
from .calls import Request

if TYPE_CHECKING:
    from .client import BayApi


class NetworkPolicyApi:
    def __init__(self, bay: BayApi):
        self._bay = bay

    def get(self, owner_id: str | None = None) -> OwnerNetworkPolicy:
        """An owner's default policy (admin), or without owner_id the caller's own."""
        path = f"/v1/owners/{owner_id}/network-policy" if owner_id else "/v1/network-policy"
        return self._bay._run(calls.value(Request("GET", path), OwnerNetworkPolicy.model_validate))

    def set(self, owner_id: str, policy: NetworkPolicyParams | dict) -> OwnerNetworkPolicy:
        """Set an owner's default (admin key); it is joined with every new session's own policy."""
        body = policy.model_dump() if isinstance(policy, NetworkPolicyParams) else policy
        return self._bay._run(calls.value(Request("PUT", f"/v1/owners/{owner_id}/network-policy", json=body),
                                          OwnerNetworkPolicy.model_validate))

    def clear(self, owner_id: str) -> OwnerNetworkPolicy:
        return self._bay._run(calls.value(Request("DELETE", f"/v1/owners/{owner_id}/network-policy"),
                                          OwnerNetworkPolicy.model_validate))
