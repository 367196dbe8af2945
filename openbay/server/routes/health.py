import hmac

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from openbay.protocol import ErrorCode

from ..auth import bearer_secret, principal_for
from ..errors import ApiError
from ..services.session_metrics import render_totals
from ..wiring import services

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(request: Request) -> dict:
    state = services(request)
    return {"status": "ok", "version": request.app.version, "backend": state.backend.name,
            "sessions_running": sum(s.row.status == "running" for s in state.sessions.live.values())}


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(request: Request) -> str:
    """Prometheus text, for an admin key or the scraper's own OPENBAY_METRICS_TOKEN (as a Bearer);
    owner ids appear only when the admin asks (OPENBAY_METRICS_OWNERS=1)."""
    settings = request.app.state.settings
    secret = bearer_secret(request.headers.get("authorization", ""))
    if not (settings.metrics_token and secret and hmac.compare_digest(secret, settings.metrics_token)):
        who = await principal_for(request, secret)
        if not who.admin:
            raise ApiError(ErrorCode.FORBIDDEN, "/metrics needs an admin key or OPENBAY_METRICS_TOKEN")
    state = services(request)
    return state.metrics.render(owners=settings.metrics_owners) + await render_totals(state.sessions)
