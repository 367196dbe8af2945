from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(request: Request) -> dict:
    state = request.app.state
    return {"status": "ok", "version": state.version, "backend": state.backend.name,
            "sessions_running": len(state.sessions.live)}


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(request: Request) -> str:
    return request.app.state.metrics.render()
