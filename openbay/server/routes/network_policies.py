"""Owners' default egress policies: an admin sets them; every owner can read its own."""
from fastapi import APIRouter, Depends, Request

from openbay.protocol.network import NetworkPolicyParams, OwnerNetworkPolicy

from ..auth import require_admin, require_principal
from ..services.keys import Principal
from ..wiring import services

router = APIRouter(prefix="/v1", tags=["network policies"])


@router.get("/network-policy", response_model=OwnerNetworkPolicy)
async def my_policy(request: Request, who: Principal = Depends(require_principal)):
    """The default policy of the caller's owner, joined with each of its sessions' own."""
    return await services(request).network_policies.get_owner(who.owner_id)


@router.get("/owners/{owner_id}/network-policy", response_model=OwnerNetworkPolicy)
async def get_policy(owner_id: str, request: Request, _: Principal = Depends(require_admin)):
    return await services(request).network_policies.get_owner(owner_id)


@router.put("/owners/{owner_id}/network-policy", response_model=OwnerNetworkPolicy)
async def set_policy(owner_id: str, body: NetworkPolicyParams, request: Request,
                     _: Principal = Depends(require_admin)):
    return await services(request).network_policies.set_owner(owner_id, body)


@router.delete("/owners/{owner_id}/network-policy", response_model=OwnerNetworkPolicy)
async def clear_policy(owner_id: str, request: Request, _: Principal = Depends(require_admin)):
    return await services(request).network_policies.set_owner(owner_id, NetworkPolicyParams())
