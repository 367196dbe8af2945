from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from ..services.session_metrics import render_totals

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(request: Request) -> dict:
    state = request.app.state
    return {"status": "ok", "version": state.version, "backend": state.backend.name,
            "sessions_running": sum(s.row.status == "running" for s in state.sessions.live.values())}


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(request: Request) -> str:
    state = request.app.state
    return state.metrics.render() + await render_totals(state.sessions)
