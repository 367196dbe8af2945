"""E2B's template endpoints: names resolve to OpenBay images and templates; builds are
refused with E2B's error shape and a sentence saying what to do instead."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from openbay.server.services.keys import Principal
from openbay.server.wiring import services

from .access import control_principal
from .errors import E2BRoute, e2b_error
from .templates import BUILD_REFUSAL, image_of, template_of

router = APIRouter(include_in_schema=False, route_class=E2BRoute)


@router.get("/templates/aliases/{alias}")
async def template_alias(alias: str, request: Request, who: Principal = Depends(control_principal)):
    image = services(request).images.resolve(who, image_of(alias))  # 404 in E2B's shape when unknown
    return JSONResponse({"templateID": template_of(image.name), "public": "/" not in image.ref})


@router.post("/templates")
@router.post("/v2/templates")
@router.post("/v3/templates")
@router.post("/templates/{template_id}")
@router.post("/v2/templates/{template_id}/builds/{build_id}")
async def template_build(request: Request, who: Principal = Depends(control_principal)):
    return e2b_error(501, BUILD_REFUSAL)
