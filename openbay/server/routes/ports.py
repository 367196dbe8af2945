"""Ports inside a session: list, expose and unexpose them (the links themselves: link_proxy)."""
from fastapi import APIRouter, Depends, Path, Request

from openbay.protocol.ports import ExposedPort, ExposedPortList, ExposePortRequest

from ..auth import require_principal
from ..services.keys import Principal
from ..wiring import services

router = APIRouter(tags=["ports"])


@router.get("/v1/sessions/{session_id}/ports", response_model=ExposedPortList)
async def list_ports(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    await services(request).sessions.get(who, session_id)
    return ExposedPortList(ports=services(request).ports.listed(session_id))


# the range check_port enforces (with a message that names it), stated for the spec
def _port():
    return Path(json_schema_extra={"minimum": 1, "maximum": 65535})


@router.put("/v1/sessions/{session_id}/ports/{port}", response_model=ExposedPort)
async def expose_port(session_id: str, request: Request, port: int = _port(), body: ExposePortRequest | None = None,
                      who: Principal = Depends(require_principal)):
    return await services(request).ports.expose(who, session_id, port, (body or ExposePortRequest()).public)


@router.delete("/v1/sessions/{session_id}/ports/{port}", response_model=ExposedPortList)
async def unexpose_port(session_id: str, request: Request, port: int = _port(),
                        who: Principal = Depends(require_principal)):
    return ExposedPortList(ports=await services(request).ports.unexpose(who, session_id, port))


