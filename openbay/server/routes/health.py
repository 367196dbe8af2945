from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from ..services.session_metrics import render_totals
from ..wiring import services

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(request: Request) -> dict:
    state = services(request)
    return {"status": "ok", "version": request.app.state.version, "backend": state.backend.name,
            "sessions_running": sum(s.row.status == "running" for s in state.sessions.live.values())}


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(request: Request) -> str:
    state = services(request)
    return state.metrics.render() + await render_totals(state.sessions)
