"""The server's service graph, declared in one place: what each service is made of and given
(`build_services`), and what runs at startup and at shutdown, in which order (`serving`).
Routes reach the graph through `services(request)`."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, replace
from pathlib import Path

from starlette.requests import HTTPConnection

from openbay.agents.llm import LLMConfig, ModelEndpoints
from openbay.sandbox import Backend, ResourceLimits, egress_floor
from openbay.sandbox.backend import ExitNotices, SandboxRoot
from openbay.store import Database, KeyRepository, SessionRepository
from openbay.store.action_cache import ActionCacheRepository
from openbay.store.context_repository import ContextRepository
from openbay.store.conversation_repository import ConversationRepository
from openbay.store.network_repository import NetworkRepository
from openbay.store.task_repository import TaskRepository
from openbay.store.template_uploads import TemplateUploadRepository
from openbay.tasks import TaskScheduler

from .abilities import BackendAbilities
from .config import Settings
from .console_sessions import ConsoleVisits
from .disk import DiskGuard
from .links import LinkSigner
from .metrics import Metrics
from .orphans import own_and_report
from .ratelimit import AuthThrottle, RateLimiter
from .replicas import Replicas
from .services.browser import BrowserService
from .services.computer import ComputerService
from .services.contexts import ContextService
from .services.conversations import ConversationService
from .services.images import ImageService
from .services.keys import KeyService
from .services.mobile import MobileService
from .services.network_policies import NetworkPolicyService
from .services.operator import OperatorService
from .services.pools import build_pools
from .services.ports import PortService
from .services.recording_store import RecordingStore
from .services.recordings import RecordingService
from .services.session_mcp import SessionMcpService
from .services.sessions import DiskSettings, SessionService
from .services.tasks import TaskService
from .services.uploads import UploadService

log = logging.getLogger("openbay.server")


@dataclass
class Services:
    """Everything a running server's routes act through."""
    settings: Settings
    metrics: Metrics
    links: LinkSigner
    db: Database
    backend: Backend
    abilities: BackendAbilities  # what the backend declared it can do; the rest answers 501
    keys: KeyService
    images: ImageService
    network_policies: NetworkPolicyService
    contexts: ContextService
    sessions: SessionService
    browser: BrowserService
    computer: ComputerService
    ports: PortService
    mobile: MobileService
    tasks: TaskService
    operator: OperatorService
    recordings: RecordingService
    conversations: ConversationService
    uploads: UploadService
    session_mcp: SessionMcpService
    template_uploads: TemplateUploadRepository  # archives for owners' next builds, in the store
    rate_limiter: RateLimiter  # requests per key
    auth_throttle: AuthThrottle  # failed sign-ins per client and key prefix
    console_visits: ConsoleVisits  # signed-in console visitors (cookies) of this server
    replicas: Replicas | None = None  # several servers on one PostgreSQL (OPENBAY_REPLICAS)


def build_services(settings: Settings, db: Database, backend: Backend, links: LinkSigner, metrics: Metrics, *,
                   replicas: Replicas | None = None, task_bus=None, task_leases=None) -> Services:
    """Every service, each given what it needs in its constructor, in the order they depend on one
    another. Sessions call back into services made after them (a session's end closes its browser,
    ports, recording and operator connection; a mobile session claims its device first; an image in
    use cannot be deleted): those callbacks name services defined further down this function and
    run only once the server serves. With `replicas` (joined), sessions announce their changes to
    the other replicas, tasks share their events (`task_bus`) and run under leases (`task_leases`)."""
    public_url = settings.resolved_public_url()
    abilities = BackendAbilities(backend)  # checked here, once: the services ask nothing else of it
    log.info("sandbox backend %s: %s", backend.name, ", ".join(abilities.names()) or "no abilities beyond the basics")
    sandbox_root = local_root(abilities) or settings.home
    # the server's model; the other OPENBAY_LLM_* (fallback, output cap, context, tool mode) from the environment
    llm = LLMConfig.from_env(base_url=settings.llm_base_url, api_key=settings.llm_api_key, model=settings.llm_model)
    llm = replace(llm, endpoints=ModelEndpoints.from_env(llm.base_url, settings.llm_allowed_base_urls))
    action_cache = ActionCacheRepository(db)

    async def session_ending(session_id: str, sandbox) -> None:
        for service in (browser, ports, recordings, operator):
            await service.session_ending(session_id, sandbox)

    keys = KeyService(KeyRepository(db))
    network_policies = NetworkPolicyService(NetworkRepository(db), settings.host_port_allowed,
                                            egress_floor.parse_exceptions(settings.egress_allow_private))
    images = ImageService(abilities, settings.home / "template-logs", in_use=lambda ref: sessions.uses_image(ref),
                          build_policy=network_policies.for_builds)
    contexts = ContextService(ContextRepository(db), sandbox_root / "contexts", max_bytes=settings.max_file_bytes,
                              links=links, public_url=public_url)
    limits = ResourceLimits(memory_bytes=settings.sandbox_memory_mb * 1024 * 1024,
                            max_processes=settings.sandbox_max_processes, cpu_cores=settings.sandbox_cpus)
    pools = build_pools(backend, settings.pool_sizes(), limits, settings.default_disk_mb * 1024 * 1024)
    metrics.gauge("browser_pool_ready", lambda: p.ready if (p := pools.get("browser")) else 0)
    metrics.gauge("pool_ready", lambda: sum(p.ready for p in pools.values()))
    sessions = SessionService(
        SessionRepository(db), abilities, metrics=metrics, limits=limits,
        max_per_owner=settings.max_sessions_per_owner, max_paused_s=settings.max_paused_s, public_url=public_url,
        disk=DiskSettings(settings.default_disk_mb, settings.max_disk_mb), images=images,
        dead_grace_s=settings.dead_grace_s, contexts=contexts, network_policies=network_policies,
        disk_guard=DiskGuard([settings.home, sandbox_root], settings.min_free_disk_mb), pools=pools,
        preflight={"mobile": lambda session_id: mobile.claim(session_id)},
        exposed_ports=lambda session_id: ports.listed(session_id), before_end=session_ending,
        announce=replicas.announce if replicas else None, replica_id=replicas.id if replicas else None,
        holder_alive=replicas.holder_alive if replicas else None)
    if (exits := abilities.get(ExitNotices)) is not None:  # a sandbox that dies is marked dead at once
        exits.on_exit = sessions.sandbox_exited
    browser = BrowserService(sessions, links, public_url)
    computer = ComputerService(sessions)
    ports = PortService(sessions, links, settings.link_origins(), NetworkRepository(db))
    mobile = MobileService.from_settings(sessions, settings)
    task_repo = TaskRepository(db)
    runner = TaskScheduler(task_repo, llm=llm, prices=settings.price_table(), on_usage=metrics.add_usage,
                           action_cache=action_cache, bus=task_bus, leases=task_leases)
    recordings = RecordingService(RecordingStore(settings.home / "recordings"), sessions, browser,
                                  settings.recording_retention_days * 86400)
    operator = OperatorService(browser, action_cache, llm, settings.price_table(), metrics)
    conversation_repo = ConversationRepository(db)
    return Services(
        settings=settings, metrics=metrics, links=links, db=db, backend=backend, abilities=abilities,
        keys=keys, images=images, network_policies=network_policies, contexts=contexts,
        sessions=sessions, browser=browser, computer=computer, ports=ports, mobile=mobile,
        tasks=TaskService(task_repo, runner, sessions, browser, mobile,
                          tell_holder=replicas.tell_holder if replicas else None),
        operator=operator, recordings=recordings,
        conversations=ConversationService(conversation_repo, sessions),
        uploads=UploadService(conversation_repo, sessions, settings.home / "uploads",
                              max_bytes=settings.max_upload_bytes, public_url=public_url),
        session_mcp=SessionMcpService(sessions, browser, computer, settings.max_output_bytes),
        template_uploads=TemplateUploadRepository(db),
        rate_limiter=RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst),
        auth_throttle=AuthThrottle(settings.auth_failure_burst, settings.auth_failures_per_min),
        console_visits=ConsoleVisits(), replicas=replicas)


@contextlib.asynccontextmanager
async def serving(s: Services, on_bootstrap_key=None):
    """Startup, in order: reattach the sessions of the previous run (and their exposed ports), make
    the first admin key of an empty store, fill the warm pools, go on with the tasks whose session
    survived, then reap idle sessions and sweep old recordings. Shutdown: stop that work and the
    tasks, then let go of the sandboxes (detached for the next server to reattach, or stopped when
    the settings say so), the backend and the store. Replicas: only the one running alone cleans up
    sandboxes at startup, tasks go on where their lease ran out (Replicas.run) rather than here,
    and only the last one to leave stops sandboxes and closes the backend."""
    replicas = s.replicas
    if replicas:  # before any sandbox is touched: a replica on other sandboxes than the others' refuses
        await replicas.claim_deployment(sandboxes(s.abilities))
    await own_and_report(local_root(s.abilities), s.settings.home)
    dead = await s.sessions.recover(cleanup=replicas.alone if replicas else True)
    if replicas:
        await replicas.settled()
    log.info("reattached %d sessions", len(s.sessions.live))
    await s.ports.restore()
    if dead:
        log.warning("%d sessions of the previous run had died: marked dead, their files kept", len(dead))
    key = await s.keys.bootstrap(s.settings.home, s.settings.bootstrap_key)
    if key and on_bootstrap_key:
        on_bootstrap_key(key, s.settings.home)
    for pool in s.sessions.pools.values():
        pool.start()
    if replicas:
        await replicas.run(s.sessions, s.tasks)
    else:
        resumed, interrupted = await s.tasks.recover()
        if resumed or interrupted:
            log.warning("tasks of the previous run: %d resumed, %d interrupted", len(resumed), len(interrupted))
    background = [asyncio.create_task(s.sessions.reap_forever(s.settings.reap_interval_s)),
                  asyncio.create_task(s.recordings.sweep_forever())]
    try:
        yield s
    finally:
        for job in background:
            job.cancel()
        await s.tasks.runner.shutdown()  # replicas: released, so another takes them over
        # replicas: the sandboxes (and a shared root) are left to the others, unless this is the last
        last = await replicas.leave() if replicas else True
        await s.operator.close()
        for pool in s.sessions.pools.values():
            await pool.close()
        await s.sessions.shutdown(stop_sandboxes=s.settings.stop_sandboxes_on_exit and last)
        if last:
            await s.backend.close()
        await s.db.close()


def local_root(abilities: BackendAbilities) -> Path | None:
    """Where the backend keeps sandboxes' files on this host (None: nowhere here)."""
    has_root = abilities.get(SandboxRoot)
    return Path(has_root.root) if has_root is not None else None


def sandboxes(abilities: BackendAbilities) -> str:
    """The sandboxes a server runs on, as replicas must agree on them: backend and place."""
    return f"{abilities.backend.name} sandboxes {abilities.backend.place}"


def services(conn: HTTPConnection) -> Services:
    """The running server's services, for a route (HTTP or WebSocket)."""
    return conn.app.state.services
