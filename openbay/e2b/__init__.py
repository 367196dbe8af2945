"""E2B's protocol served by OpenBay, so that programs written for E2B's official SDKs
(`e2b`, `e2b-code-interpreter`) run unchanged against an OpenBay server: set E2B_API_KEY to
an OpenBay key and E2B_API_URL and E2B_SANDBOX_URL to the server's URL.

An adapter over the server's services (sessions, envd), never a second sandbox model:
`control_plane` is E2B's REST API, `data_plane` routes envd's Connect RPC services
(`process_service`, `filesystem_service`), envd's file routes and the code interpreter.
"""
from __future__ import annotations

from fastapi import FastAPI

from . import control_plane, template_routes
from .data_plane import E2BDataPlane


def mount(app: FastAPI) -> None:
    """Serve E2B's API from this OpenBay app (before it starts)."""
    app.state.e2b_processes, app.state.e2b_watchers, app.state.e2b_contexts = {}, {}, {}
    app.state.e2b_chart_hooks = {}  # session id -> True once the kernel has the chart hook
    app.include_router(control_plane.router)
    app.include_router(template_routes.router)
    app.add_middleware(E2BDataPlane, openbay_app=app)
