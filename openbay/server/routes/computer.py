"""The computer of a computer session over REST: screen, mouse, keyboard, windows, apps."""
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from openbay.protocol.computer import (
    ActiveWindow,
    ClickMouse,
    ComputerStatus,
    CursorPosition,
    Done,
    DragMouse,
    InputText,
    InstalledAppList,
    MoveMouse,
    PressKeys,
    ProcessList,
    ReleaseKeys,
    ResizeWindow,
    ScreenSize,
    Scroll,
    StartApp,
    StopApp,
    StoppedApps,
    WindowAction,
    WindowList,
)
from openbay.sandbox import Sandbox

from ..auth import require_principal
from ..errors import responses
from ..services.keys import Principal
from ..wiring import services

router = APIRouter(prefix="/v1/sessions/{session_id}", tags=["computer"], responses=responses(409, 502))
WindowId = Path(gt=0, lt=2 ** 32, description="a window_id from list_windows")


async def computer_sandbox(session_id: str, request: Request,
                           who: Principal = Depends(require_principal)) -> Sandbox:
    return await services(request).computer.sandbox(who, session_id)


def _svc(request: Request):
    return services(request).computer


@router.get("/computer", response_model=ComputerStatus)
async def status(request: Request, sandbox: Sandbox = Depends(computer_sandbox)):
    """The computer's state; waits for it to be up (it starts with the session)."""
    return await _svc(request).status(sandbox)


@router.get("/computer/screenshot", response_class=Response,
            responses={200: {"content": {"image/png": {}}, "description": "the whole screen"}})
async def screenshot(request: Request, sandbox: Sandbox = Depends(computer_sandbox)):
    return Response(await _svc(request).screenshot(sandbox), media_type="image/png")


@router.get("/computer/screen", response_model=ScreenSize)
async def screen_size(request: Request, sandbox: Sandbox = Depends(computer_sandbox)):
    return await _svc(request).screen_size(sandbox)


@router.get("/computer/cursor", response_model=CursorPosition)
async def cursor_position(request: Request, sandbox: Sandbox = Depends(computer_sandbox)):
    return await _svc(request).cursor_position(sandbox)


@router.post("/computer/mouse/move", response_model=Done)
async def move_mouse(body: MoveMouse, request: Request, sandbox: Sandbox = Depends(computer_sandbox)):
    await _svc(request).move_mouse(sandbox, body.x, body.y)
    return Done()


@router.post("/computer/mouse/click", response_model=Done)
async def click_mouse(body: ClickMouse, request: Request, sandbox: Sandbox = Depends(computer_sandbox)):
    await _svc(request).click_mouse(sandbox, body.x, body.y, body.button.value)
    return Done()


@router.post("/computer/mouse/drag", response_model=Done)
async def drag_mouse(body: DragMouse, request: Request, sandbox: Sandbox = Depends(computer_sandbox)):
    await _svc(request).drag_mouse(sandbox, body.from_x, body.from_y, body.to_x, body.to_y,
                                   body.button.value)
    return Done()


@router.post("/computer/mouse/scroll", response_model=Done)
async def scroll(body: Scroll, request: Request, sandbox: Sandbox = Depends(computer_sandbox)):
    await _svc(request).scroll(sandbox, body.x, body.y, body.direction.value, body.amount)
    return Done()


@router.post("/computer/keyboard/text", response_model=Done)
async def input_text(body: InputText, request: Request, sandbox: Sandbox = Depends(computer_sandbox)):
    await _svc(request).input_text(sandbox, body.text)
    return Done()


@router.post("/computer/keyboard/keys", response_model=Done)
async def press_keys(body: PressKeys, request: Request, sandbox: Sandbox = Depends(computer_sandbox)):
    await _svc(request).press_keys(sandbox, body.keys, body.hold)
    return Done()


@router.post("/computer/keyboard/release", response_model=Done)
async def release_keys(body: ReleaseKeys, request: Request, sandbox: Sandbox = Depends(computer_sandbox)):
    await _svc(request).release_keys(sandbox, body.keys)
    return Done()


@router.get("/windows", response_model=WindowList)
async def list_windows(request: Request, sandbox: Sandbox = Depends(computer_sandbox)):
    return WindowList(windows=await _svc(request).list_windows(sandbox))


@router.get("/windows/active", response_model=ActiveWindow)
async def active_window(request: Request, sandbox: Sandbox = Depends(computer_sandbox)):
    return ActiveWindow(window=await _svc(request).active_window(sandbox))


@router.post("/windows/{window_id}/resize", response_model=Done)
async def resize_window(body: ResizeWindow, request: Request, window_id: int = WindowId,
                        sandbox: Sandbox = Depends(computer_sandbox)):
    await _svc(request).window_action(sandbox, window_id, "resize", width=body.width,
                                      height=body.height)
    return Done()


@router.post("/windows/{window_id}/{action}", response_model=Done)
async def window_action(action: WindowAction, request: Request, window_id: int = WindowId,
                        sandbox: Sandbox = Depends(computer_sandbox)):
    await _svc(request).window_action(sandbox, window_id, action.value)
    return Done()


@router.get("/applications", response_model=InstalledAppList)
async def installed_apps(request: Request, sandbox: Sandbox = Depends(computer_sandbox)):
    return InstalledAppList(apps=await _svc(request).installed_apps(sandbox))


@router.post("/applications/start", response_model=ProcessList)
async def start_app(body: StartApp, request: Request, sandbox: Sandbox = Depends(computer_sandbox)):
    return ProcessList(processes=await _svc(request).start_app(sandbox, body.start_cmd,
                                                               body.work_directory))


@router.get("/applications/running", response_model=ProcessList)
async def running_apps(request: Request, sandbox: Sandbox = Depends(computer_sandbox)):
    return ProcessList(processes=await _svc(request).running_apps(sandbox))


@router.post("/applications/stop", response_model=StoppedApps)
async def stop_app(body: StopApp, request: Request, sandbox: Sandbox = Depends(computer_sandbox)):
    return StoppedApps(stopped=await _svc(request).stop_app(sandbox, pid=body.pid, pname=body.pname))
