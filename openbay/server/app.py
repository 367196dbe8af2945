"""The FastAPI app factory: settings, routes and middleware; the services come from wiring.py.
The app's state holds two things: `settings` from the start, `services` once it serves."""
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI
from starlette.routing import Route

from openbay.sandbox import Backend
from openbay.store import Database

from . import logs, middleware
from .config import Settings
from .errors import install_error_handlers
from .links import LinkSigner, load_secret
from .metrics import Metrics
from .openapi import install_openapi
from .replicas import Replicas
from .routes import browser as browser_routes
from .routes import code, commands, console, contexts, files, health, keys, live_view, qianfan, sessions, uploads, vnc
from .routes import computer as computer_routes
from .routes import conversations as conversation_routes
from .routes import mobile as mobile_routes
from .routes import network_policies as network_policy_routes
from .routes import operator as operator_routes
from .routes import ports as port_routes
from .routes import pty as pty_routes
from .routes import recordings as recording_routes
from .routes import session_mcp as session_mcp_routes
from .routes import snapshots as snapshot_routes
from .routes import tasks as task_routes
from .routes import templates as template_routes
from .wiring import build_services, serving

log = logging.getLogger("openbay.server")


def _version() -> str:
    try:
        return version("openbay")
    except PackageNotFoundError:
        return "0+unknown"


def default_backend(settings: Settings) -> Backend:
    if os.environ.get("OPENBAY_BACKEND", "local") == "kubernetes":  # sessions as pods (docs/kubernetes.md)
        from openbay.sandbox.kubernetes.backend import KubernetesBackend
        return KubernetesBackend.from_env()
    from openbay.sandbox.runc.local import LocalBackend, default_sandbox_root
    backend = LocalBackend(settings.sandbox_root or default_sandbox_root(settings.home))
    backend.check()
    return backend


class OpenBayApp(FastAPI):
    """The server's app. What lives above the server layer (the MCP endpoint) joins it through
    `add_endpoint` before it starts."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.beside: list[Callable[[], AbstractAsyncContextManager]] = []

    def add_endpoint(self, path: str, endpoint, methods: list[str],
                     running: Callable[[], AbstractAsyncContextManager] | None = None) -> None:
        """An ASGI app served at `path`, after the API's routes; `running()` is entered once the
        services are up and left before they stop."""
        self.router.routes.append(Route(path, endpoint, methods=methods))
        if running is not None:
            self.beside.append(running)


def create_app(settings: Settings | None = None, backend: Backend | None = None,
               on_bootstrap_key=None) -> OpenBayApp:
    """`on_bootstrap_key(key, home)` is called once when an empty store got its admin key."""
    settings = settings or Settings.from_env()
    logs.hide(settings.llm_api_key)  # a model server may echo it back into what is logged
    settings.home.mkdir(parents=True, exist_ok=True)
    settings.home.chmod(0o700)
    metrics = Metrics()
    links = LinkSigner(load_secret(settings.home))

    @contextlib.asynccontextmanager
    async def lifespan(app: OpenBayApp) -> AsyncIterator[None]:
        db = Database(settings.resolved_database_url())
        await db.migrate()
        replicas = Replicas(db) if settings.replicated() else None
        if replicas:
            await replicas.join()  # before the backend: a replica starting while another cleans up waits
        bus, leases = await replicas.task_parts(db) if replicas else (None, None)
        app.state.services = build_services(settings, db, backend or default_backend(settings), links, metrics,
                                            replicas=replicas, task_bus=bus, task_leases=leases)
        async with serving(app.state.services, on_bootstrap_key), contextlib.AsyncExitStack() as beside:
            for running in app.beside:
                await beside.enter_async_context(running())
            yield

    unlimited = files.UNLIMITED_PATHS + uploads.UNLIMITED_PATHS + template_routes.UNLIMITED_PATHS
    app = OpenBayApp(title="OpenBay", version=_version(), lifespan=lifespan,
                     middleware=middleware.stack(settings, metrics, unlimited),
                     description="Sessions in isolated sandboxes, commands, files, browsers and agents.")
    app.state.settings = settings
    install_error_handlers(app)
    # routes match in order: the hot ones (commands, sessions, health) first
    for module in (health, keys, sessions, commands, console, files, code, contexts):
        app.include_router(module.router)
    app.include_router(task_routes.router)
    app.include_router(template_routes.router)
    app.include_router(snapshot_routes.router)
    app.include_router(browser_routes.router)
    app.include_router(operator_routes.router)
    app.include_router(live_view.router)
    app.include_router(computer_routes.router)
    app.include_router(vnc.router)
    app.include_router(pty_routes.router)
    app.include_router(recording_routes.router)
    app.include_router(mobile_routes.router)
    app.include_router(port_routes.router)
    app.include_router(network_policy_routes.router)
    for module in (conversation_routes, uploads, qianfan, session_mcp_routes):
        app.include_router(module.router)
    install_openapi(app)
    return app
