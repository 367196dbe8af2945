"""The FastAPI app factory: wires settings, store, backend and services together."""
import asyncio
import contextlib
import logging
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from fastapi import FastAPI

from openbay.sandbox import Backend, ResourceLimits
from openbay.store import Database, KeyRepository, SessionRepository
from openbay.store.context_repository import ContextRepository
from openbay.store.network_repository import NetworkRepository

from . import logs
from .config import Settings
from .console_sessions import ConsoleVisits
from .disk import DiskGuard
from .errors import install_error_handlers
from .link_proxy import LinkProxy
from .links import LinkSigner, load_secret
from .metrics import Metrics
from .middleware import install_middleware
from .openapi import install_openapi
from .ratelimit import RateLimiter
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
from .services.browser import BrowserService
from .services.computer import ComputerService
from .services.contexts import ContextService
from .services.conversations import start_conversation_services
from .services.images import ImageService
from .services.keys import KeyService
from .services.mobile import MobileService
from .services.network_policies import NetworkPolicyService
from .services.operator import start_operator_service
from .services.pools import start_pools
from .services.ports import PortService
from .services.recording_store import RecordingStore
from .services.recordings import RecordingService
from .services.sessions import DiskSettings, SessionService
from .services.tasks import start_task_service

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


def compose_services(state, settings: Settings, metrics: Metrics) -> None:
    """Every service of a starting server and what each is wired to, declared in one place, in
    the order they depend on one another (the store, backend and link signer are on `state`)."""
    state.keys = KeyService(KeyRepository(state.db))
    state.images = ImageService(state.backend, settings.home / "template-logs",
                                in_use=lambda ref: state.sessions.uses_image(ref))
    state.network_policies = NetworkPolicyService(NetworkRepository(state.db), settings.host_port_allowed)
    state.contexts = ContextService(
        ContextRepository(state.db), Path(getattr(state.backend, "root", settings.home)) / "contexts",
        max_bytes=settings.max_file_bytes)
    state.sessions = SessionService(
        SessionRepository(state.db), state.backend, metrics=metrics,
        limits=ResourceLimits(memory_bytes=settings.sandbox_memory_mb * 1024 * 1024,
                              max_processes=settings.sandbox_max_processes, cpu_cores=settings.sandbox_cpus),
        max_per_owner=settings.max_sessions_per_owner, max_paused_s=settings.max_paused_s,
        public_url=settings.resolved_public_url(),
        disk=DiskSettings(settings.default_disk_mb, settings.max_disk_mb), images=state.images,
        dead_grace_s=settings.dead_grace_s, contexts=state.contexts, network_policies=state.network_policies,
        disk_guard=DiskGuard([settings.home, Path(getattr(state.backend, "root", settings.home))],
                             settings.min_free_disk_mb),
        # a mobile session claims its device first (state.mobile is made just below)
        preflight={"mobile": lambda session_id: state.mobile.claim(session_id)})
    state.browser = BrowserService(state.sessions, state.links, settings.resolved_public_url())
    state.computer = ComputerService(state.sessions)
    state.ports = PortService(state.sessions, state.links, settings.link_origins(), NetworkRepository(state.db))
    state.mobile = MobileService.from_settings(state.sessions, settings)


def create_app(settings: Settings | None = None, backend: Backend | None = None,
               on_bootstrap_key=None) -> FastAPI:
    """`on_bootstrap_key(key, home)` is called once when an empty store got its admin key."""
    settings = settings or Settings.from_env()
    logs.hide(settings.llm_api_key)  # a model server may echo it back into what is logged
    settings.home.mkdir(parents=True, exist_ok=True)
    settings.home.chmod(0o700)
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        state = app.state
        state.db = Database(settings.resolved_database_url())
        await state.db.migrate()
        state.replicas = replicas = Replicas(state.db) if settings.replicated() else None
        alone = await replicas.join() if replicas else True  # only then may it clean up sandboxes
        state.backend = backend or default_backend(settings)
        compose_services(state, settings, metrics)
        if replicas:
            replicas.serve_sessions(state.sessions)
        dead = await state.sessions.recover(cleanup=alone)
        if replicas:
            await replicas.settled()
        log.info("reattached %d sessions", len(state.sessions.live))
        await state.ports.restore()
        if dead:
            log.warning("%d sessions of the previous run had died: marked dead, their files kept", len(dead))
        key = await state.keys.bootstrap(settings.home, settings.bootstrap_key)
        if key and on_bootstrap_key:
            on_bootstrap_key(key, settings.home)
        state.sessions.pools.update(start_pools(state.backend, settings.pool_sizes(), state.sessions.limits,
                                                settings.default_disk_mb * 1024 * 1024))
        metrics.gauge("browser_pool_ready", lambda: p.ready if (p := state.sessions.pools.get("browser")) else 0)
        metrics.gauge("pool_ready", lambda: sum(p.ready for p in state.sessions.pools.values()))
        bus, leases = await replicas.task_parts(state.db) if replicas else (None, None)
        state.tasks = await start_task_service(state, settings, bus=bus, leases=leases)
        if replicas:
            await replicas.run(state.tasks)
        state.operator = start_operator_service(state, settings, metrics)
        state.recordings = RecordingService(RecordingStore(settings.home / "recordings"), state.sessions,
                                            state.browser, settings.recording_retention_days * 86400)
        start_conversation_services(state, settings)
        reaper = asyncio.create_task(state.sessions.reap_forever(settings.reap_interval_s))
        sweeper = asyncio.create_task(state.recordings.sweep_forever())
        try:
            yield
        finally:
            reaper.cancel()
            sweeper.cancel()
            await state.tasks.runner.shutdown()  # replicas: released, so another takes them over
            # replicas: the sandboxes (and a shared root) are left to the others, unless this is the last
            last = await replicas.leave() if replicas else True
            await state.operator.close()
            for pool in state.sessions.pools.values():
                await pool.close()
            await state.sessions.shutdown(stop_sandboxes=settings.stop_sandboxes_on_exit and last)
            if last:
                await state.backend.close()
            await state.db.close()

    app = FastAPI(title="OpenBay", version=_version(), lifespan=lifespan,
                  description="Sessions in isolated sandboxes, commands, files, browsers and agents.")
    app.state.settings = settings
    app.state.version = _version()
    app.state.metrics = metrics
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)
    app.state.links = LinkSigner(load_secret(settings.home))
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
