from fastapi import APIRouter, Depends, Request

from openbay.protocol import ErrorCode, KeyCreated, KeyCreateRequest, KeyInfo, KeyList, KeyUpdate

from ..auth import require_admin, require_principal
from ..errors import ApiError, responses
from ..services.keys import Principal
from ..wiring import services

router = APIRouter(prefix="/v1", tags=["keys"])


@router.post("/keys", status_code=201, response_model=KeyCreated)
async def create_key(body: KeyCreateRequest, request: Request, _: Principal = Depends(require_admin)):
    return await services(request).keys.create(body.name, admin=body.admin, max_sessions=body.max_sessions)


@router.get("/keys", response_model=KeyList)
async def list_keys(request: Request, _: Principal = Depends(require_admin)):
    return KeyList(keys=await services(request).keys.list())


@router.patch("/keys/{key_id}", response_model=KeyInfo)
async def update_key(key_id: str, body: KeyUpdate, request: Request, _: Principal = Depends(require_admin)):
    """Set the key's session quota (null: the server's limit); its visitors keep their sign-in."""
    updated = await services(request).keys.set_quota(key_id, body.max_sessions)
    services(request).console_visits.update_key(key_id, body.max_sessions)
    return updated


@router.delete("/keys/{key_id}", response_model=KeyInfo, responses=responses(409))
async def revoke_key(key_id: str, request: Request, who: Principal = Depends(require_admin)):
    if key_id == who.key_id:  # an admin never locks itself out; another admin key may revoke this one
        raise ApiError(ErrorCode.CONFLICT, "this is the key making the request; revoke it with another admin key")
    revoked = await services(request).keys.revoke(key_id)
    services(request).console_visits.close_key(key_id)  # its console visitors are signed out
    return revoked


@router.get("/whoami")
async def whoami(who: Principal = Depends(require_principal)) -> dict:
    return {"owner_id": who.owner_id, "key_id": who.key_id, "name": who.name, "admin": who.admin}
