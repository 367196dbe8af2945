"""Owners' default egress policies (`bay.network_policy`): an admin key sets and clears them;
any key reads its own owner's."""
from __future__ import annotations

from openbay.protocol.network import NetworkPolicyParams, OwnerNetworkPolicy

from . import calls
from .calls import Call, Request
from .methods import AsyncPart, Part, awaited, blocking


class NetworkPolicyCalls:
    def get(self, owner_id: str | None = None) -> Call[OwnerNetworkPolicy]:
        """An owner's default policy (admin), or without owner_id the caller's own."""
        path = f"/v1/owners/{owner_id}/network-policy" if owner_id else "/v1/network-policy"
        return (yield from calls.value(Request("GET", path), OwnerNetworkPolicy.model_validate))

    def set(self, owner_id: str, policy: NetworkPolicyParams | dict) -> Call[OwnerNetworkPolicy]:
        """Set an owner's default (admin key); it is joined with every new session's own policy."""
        body = policy.model_dump() if isinstance(policy, NetworkPolicyParams) else policy
        return (yield from calls.value(Request("PUT", f"/v1/owners/{owner_id}/network-policy", json=body),
                                       OwnerNetworkPolicy.model_validate))

    def clear(self, owner_id: str) -> Call[OwnerNetworkPolicy]:
        return (yield from calls.value(Request("DELETE", f"/v1/owners/{owner_id}/network-policy"),
                                       OwnerNetworkPolicy.model_validate))


class NetworkPolicyApi(Part):
    get = blocking(NetworkPolicyCalls.get)
    set = blocking(NetworkPolicyCalls.set)
    clear = blocking(NetworkPolicyCalls.clear)


class AsyncNetworkPolicyApi(AsyncPart):
    get = awaited(NetworkPolicyCalls.get)
    set = awaited(NetworkPolicyCalls.set)
    clear = awaited(NetworkPolicyCalls.clear)
