"""Egress policies: owners' defaults (set by an admin) and each session's effective policy.

A session's policy is its owner's default joined with its own (the owner's entries first).
The backend lets `allow_out` win over `deny_out`, so a session may not allow what its
owner's default denies: such an entry is refused (422) rather than quietly let through.
Host ports must be among those the admin setting OPENBAY_ALLOW_HOST_PORTS permits.

The egress floor (sandbox/egress_floor.py) is the admin's alone: a session may allow a CIDR
in it (a private, link-local or loopback range, the host's own networks) or a cloud metadata
name only when an admin key asks, when the owner's default (set by an admin) allows it, or when
OPENBAY_EGRESS_ALLOW_PRIVATE carves it out; anything else is refused with 403.
"""
from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable

from openbay.protocol import ErrorCode
from openbay.protocol.network import NetworkPolicyParams, OwnerNetworkPolicy
from openbay.sandbox import NetworkPolicy, egress_floor
from openbay.store.network_repository import NetworkRepository

from ..errors import ApiError, not_found

CACHE_S = 10.0  # an admin's change reaches every server replica within this


def backend_policy(policy: NetworkPolicyParams, floor_lifted: bool = False) -> NetworkPolicy:
    """What the backend enforces. The allowed CIDRs are carved out of the floor for this session
    (effective() let only the admin's ones inside it through); `floor_lifted` (the admin's `*`)
    also lets allowed names reach private addresses."""
    cidrs = [ipaddress.ip_network(e) for e in policy.allow_out if egress_floor.is_cidr(e)]
    carve = [str(n) for n in ipaddress.collapse_addresses(cidrs)]
    if floor_lifted and any(not egress_floor.is_cidr(e) for e in policy.allow_out):
        carve = [egress_floor.ANY]
    return NetworkPolicy(allow_out=tuple(policy.allow_out), deny_out=tuple(policy.deny_out),
                         allow_host_ports=tuple(policy.allow_host_ports), private_allowed=tuple(carve))


def _covers(pattern: str, name: str) -> bool:
    return pattern in ("*", name) or (pattern.startswith("*.") and name.endswith(pattern[1:]))


def overlaps(a: str, b: str) -> bool:
    """Whether two normalized entries can name the same destination (a name and a CIDR are
    not compared: what a name resolves to is known only when it is looked up)."""
    if egress_floor.is_cidr(a) and egress_floor.is_cidr(b):
        return ipaddress.ip_network(a).overlaps(ipaddress.ip_network(b))
    if egress_floor.is_cidr(a) or egress_floor.is_cidr(b):
        return False
    return _covers(a, b) or _covers(b, a)


def _joined(*lists: list) -> list:
    out: list = []
    for items in lists:
        out += [i for i in items if i not in out]
    return out


class NetworkPolicyService:
    def __init__(self, repo: NetworkRepository, host_port_allowed: Callable[[int], bool],
                 floor_exceptions: list[str] | None = None):
        self.repo = repo
        self.host_port_allowed = host_port_allowed
        self.floor_exceptions = list(floor_exceptions or [])  # OPENBAY_EGRESS_ALLOW_PRIVATE
        self._host_networks: list[str] | None = None
        self._cache: dict[str, tuple[float, NetworkPolicyParams]] = {}

    async def owner_default(self, owner_id: str) -> NetworkPolicyParams:
        hit = self._cache.get(owner_id)
        if hit and time.monotonic() - hit[0] < CACHE_S:
            return hit[1]
        stored = await self.repo.owner_policy(owner_id)
        policy = NetworkPolicyParams.model_validate(stored) if stored else NetworkPolicyParams()
        self._cache[owner_id] = (time.monotonic(), policy)
        return policy

    async def get_owner(self, owner_id: str) -> OwnerNetworkPolicy:
        await self._require_owner(owner_id)
        return OwnerNetworkPolicy(owner_id=owner_id, policy=await self.owner_default(owner_id))

    async def set_owner(self, owner_id: str, policy: NetworkPolicyParams) -> OwnerNetworkPolicy:
        await self._require_owner(owner_id)
        self._check_host_ports(policy.allow_host_ports)
        await self.repo.set_owner_policy(owner_id, None if policy.is_empty() else policy.model_dump())
        self._cache.pop(owner_id, None)
        return OwnerNetworkPolicy(owner_id=owner_id, policy=policy)

    async def _require_owner(self, owner_id: str) -> None:
        if not await self.repo.owner_exists(owner_id):
            raise not_found("owner", owner_id)

    def _check_host_ports(self, ports: list[int]) -> None:
        refused = [p for p in ports if not self.host_port_allowed(p)]
        if refused:
            raise ApiError(ErrorCode.FORBIDDEN, f"allow_host_ports: port {refused[0]} of this machine is not one "
                           "the admin lets sessions reach (the server's OPENBAY_ALLOW_HOST_PORTS)")

    async def for_builds(self, owner_id: str) -> NetworkPolicy:
        """What an owner's template builds may reach: its default policy (set by an admin)."""
        return self.backend(await self.effective(owner_id, None, admin=True))

    def backend(self, policy: NetworkPolicyParams) -> NetworkPolicy:
        return backend_policy(policy, egress_floor.ANY in self.floor_exceptions)

    def _check_floor(self, entries: list[str], default: NetworkPolicyParams) -> None:
        """An owner cannot lift the floor: only the admin's exceptions (the server's, or the
        owner's default that an admin set) let a session allow a range inside it."""
        if self._host_networks is None:
            self._host_networks = egress_floor.host_networks()
        exceptions = self.floor_exceptions + [e for e in default.allow_out if egress_floor.is_cidr(e)]
        for entry in entries:
            if egress_floor.is_cidr(entry) and egress_floor.in_floor(entry, self._host_networks) \
                    and not egress_floor.carved(entry, exceptions):
                raise ApiError(ErrorCode.FORBIDDEN, f"allow_out entry {entry!r} reaches into loopback, link-local "
                               "(cloud metadata), private or this machine's own networks, which sessions never "
                               "reach; only the admin can open such a range (the server's "
                               "OPENBAY_EGRESS_ALLOW_PRIVATE, or the owner's default network policy)")
            if not egress_floor.is_cidr(entry) and (egress_floor.is_metadata_name(entry.removeprefix("*."))
                                        or entry.removeprefix("*.").endswith("localhost")):
                raise ApiError(ErrorCode.FORBIDDEN, f"allow_out entry {entry!r} names the cloud metadata service "
                               "or this machine, which sessions never reach")

    async def effective(self, owner_id: str, asked: NetworkPolicyParams | None,
                        admin: bool = False) -> NetworkPolicyParams:
        """The owner's default joined with what the session asks for (`admin`: an admin key
        asks, and may open ranges of the egress floor)."""
        asked = asked or NetworkPolicyParams()
        default = await self.owner_default(owner_id)
        self._check_host_ports(asked.allow_host_ports)
        for entry in asked.allow_out:
            denied = next((d for d in default.deny_out if overlaps(entry, d)), None)
            if denied is not None:
                raise ApiError(ErrorCode.CONFLICT, f"allow_out entry {entry!r} overlaps {denied!r}, which the "
                               "owner's default network policy denies")
        if not admin:
            self._check_floor(asked.allow_out, default)
        # the admin setting has the last word, also over a default set before it changed
        host_ports = [p for p in default.allow_host_ports if self.host_port_allowed(p)]
        return NetworkPolicyParams(allow_out=_joined(default.allow_out, asked.allow_out),
                                   deny_out=_joined(default.deny_out, asked.deny_out),
                                   allow_host_ports=sorted(set(host_ports) | set(asked.allow_host_ports)))
