"""The Android device of a mobile session over REST (the device logic is openbay.sandbox.android.adb)."""
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from openbay.protocol.computer import Done
from openbay.protocol.mobile import (
    MobileAppList,
    MobileDevice,
    MobileStartApp,
    MobileStopApp,
    MobileText,
    MobileUiElement,
    MobileUiElements,
    SendKey,
    Swipe,
    Tap,
)
from openbay.sandbox.android.adb import AdbDevice
from openbay.sandbox.android.uiautomator import clickable_elements

from ..auth import require_principal
from ..errors import responses
from ..services.keys import Principal
from ..wiring import services

router = APIRouter(prefix="/v1/sessions/{session_id}/mobile", tags=["mobile"], responses=responses(400, 409, 502, 503))


async def device(session_id: str, request: Request,
                 who: Principal = Depends(require_principal)) -> AdbDevice:
    return await services(request).mobile.device(who, session_id)


def _run(request: Request, dev: AdbDevice, action):
    return services(request).mobile.run(dev, action)


@router.get("", response_model=MobileDevice)
async def device_state(request: Request, dev: AdbDevice = Depends(device)):
    return MobileDevice(serial=dev.serial, state=await _run(request, dev, dev.state()))


@router.post("/tap", response_model=Done)
async def tap(body: Tap, request: Request, dev: AdbDevice = Depends(device)):
    await _run(request, dev, dev.tap(body.x, body.y))
    return Done()


@router.post("/swipe", response_model=Done)
async def swipe(body: Swipe, request: Request, dev: AdbDevice = Depends(device)):
    await _run(request, dev, dev.swipe(body.start_x, body.start_y, body.end_x, body.end_y,
                                        body.duration_ms))
    return Done()


@router.post("/text", response_model=Done)
async def input_text(body: MobileText, request: Request, dev: AdbDevice = Depends(device)):
    await _run(request, dev, dev.input_text(body.text))
    return Done()


@router.post("/key", response_model=Done)
async def send_key(body: SendKey, request: Request, dev: AdbDevice = Depends(device)):
    await _run(request, dev, dev.send_key(body.key))
    return Done()


@router.get("/screenshot", response_class=Response,
            responses={200: {"content": {"image/png": {}}, "description": "the device's screen"}})
async def screenshot(request: Request, dev: AdbDevice = Depends(device)):
    return Response(await _run(request, dev, dev.screenshot()), media_type="image/png")


@router.get("/ui", response_model=MobileUiElements)
async def ui_elements(request: Request, dev: AdbDevice = Depends(device),
                      clickable_only: bool = Query(default=False, description="a flat list of "
                                                   "the elements a tap acts on")):
    roots = await _run(request, dev, dev.ui_elements())
    if clickable_only:
        dicts = [{**e.to_dict(), "children": []} for e in clickable_elements(roots)]
    else:
        dicts = [e.to_dict() for e in roots]
    return MobileUiElements(elements=[MobileUiElement.model_validate(d) for d in dicts])


@router.get("/apps", response_model=MobileAppList)
async def list_apps(request: Request, dev: AdbDevice = Depends(device),
                    third_party_only: bool = True):
    return MobileAppList(packages=await _run(request, dev, dev.list_apps(third_party_only)))


@router.post("/apps/start", response_model=Done)
async def start_app(body: MobileStartApp, request: Request, dev: AdbDevice = Depends(device)):
    await _run(request, dev, dev.start_app(body.package, body.activity))
    return Done()


@router.post("/apps/stop", response_model=Done)
async def stop_app(body: MobileStopApp, request: Request, dev: AdbDevice = Depends(device)):
    await _run(request, dev, dev.stop_app(body.package))
    return Done()
