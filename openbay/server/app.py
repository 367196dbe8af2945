"""The FastAPI app factory: settings, routes and middleware; the services come from wiring.py."""
import contextlib
import logging
import os
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI

from openbay.sandbox import Backend
from openbay.store import Database

from . import logs
from .config import Settings
from .console_sessions import ConsoleVisits
from .errors import install_error_handlers
from .link_proxy import LinkProxy
from .links import LinkSigner, load_secret
from .metrics import Metrics
from .middleware import install_middleware
from .openapi import install_openapi
from .ratelimit import AuthThrottle, RateLimiter
from .replicas import Replicas, SessionAdoption
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
        from openbay.sandbox.kubernetes import KubernetesBackend
        return KubernetesBackend.from_env()
    from openbay.sandbox.local import LocalBackend, default_sandbox_root
    backend = LocalBackend(settings.sandbox_root or default_sandbox_root(settings.home))
    backend.check()
    return backend


def create_app(settings: Settings | None = None, backend: Backend | None = None,
               on_bootstrap_key=None) -> FastAPI:
    """`on_bootstrap_key(key, home)` is called once when an empty store got its admin key."""
    settings = settings or Settings.from_env()
    logs.hide(settings.llm_api_key)  # a model server may echo it back into what is logged
    settings.home.mkdir(parents=True, exist_ok=True)
    settings.home.chmod(0o700)
    metrics = Metrics()
    links = LinkSigner(load_secret(settings.home))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        db = Database(settings.resolved_database_url())
        await db.migrate()
        replicas = Replicas(db) if settings.replicated() else None
        if replicas:
            await replicas.join()  # before the backend: a replica starting while another cleans up waits
        bus, leases = await replicas.task_parts(db) if replicas else (None, None)
        app.state.services = build_services(settings, db, backend or default_backend(settings), links, metrics,
                                            replicas=replicas, task_bus=bus, task_leases=leases)
        async with serving(app.state.services, on_bootstrap_key):
            yield

    app = FastAPI(title="OpenBay", version=_version(), lifespan=lifespan,
                  description="Sessions in isolated sandboxes, commands, files, browsers and agents.")
    app.state.settings = settings
    app.state.version = _version()
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)
    app.state.auth_throttle = AuthThrottle(settings.auth_failure_burst, settings.auth_failures_per_min)
    app.state.template_uploads = {}  # (owner, upload id) -> archive for that owner's next build
    app.state.console_visits = ConsoleVisits()
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
    if settings.replicated():  # a session another replica made is adopted before its routes run
        app.add_middleware(SessionAdoption, state=app.state)
    app.add_middleware(LinkProxy, origins=settings.link_origins())  # innermost: links get request ids, metrics...
    install_middleware(app, max_body_bytes=settings.max_body_bytes, metrics=metrics,
                       unlimited_prefixes=files.UNLIMITED_PATHS + uploads.UNLIMITED_PATHS
                       + template_routes.UNLIMITED_PATHS)
    return app
