"""Server settings, read from OPENBAY_* environment variables."""
import os
from dataclasses import dataclass, field
from pathlib import Path

from openbay.agents.pricing import BadPrices, PriceTable

from .link_origins import BadLinkUrl, LinkOrigins

DEFAULT_PORT = 8730


def state_dir() -> Path:
    return Path(os.environ.get("OPENBAY_HOME") or Path.home() / ".openbay")


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    try:
        return int(raw) if raw else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    try:
        return float(raw) if raw else default
    except ValueError:
        raise SystemExit(f"{name} must be a number, not {raw!r}") from None


def parse_pool_sizes(text: str) -> dict[str, int]:
    """OPENBAY_POOL: "linux=2,browser=1" -> {"linux": 2, "browser": 1}."""
    sizes: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, count = part.partition("=")
        if not name or not count.isdigit():
            raise SystemExit(f"OPENBAY_POOL: {part!r} is not IMAGE=COUNT")
        sizes[name.strip()] = int(count)
    return sizes
def _host_ports(name: str) -> str:
    """OPENBAY_ALLOW_HOST_PORTS: empty (none), `*` (any) or a comma-separated list of ports."""
    raw = os.environ.get(name, "").strip()
    if raw in ("", "*"):
        return raw
    for part in raw.split(","):
        if not part.strip().isdigit() or not 1 <= int(part) <= 65535:
            raise SystemExit(f"{name} must be `*` or a comma-separated list of ports, not {raw!r}")
    return raw


@dataclass
class Settings:
    home: Path = field(default_factory=state_dir)
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    database_url: str = ""
    public_url: str = ""
    link_url: str = ""  # OPENBAY_LINK_URL: https://*.links.example.com, the origins of port links
    bootstrap_key: str = ""
    sandbox_root: Path | None = None
    replicas: str = "auto"  # several servers on one store: auto (on with PostgreSQL), 1, 0
    max_body_bytes: int = 16 * 1024 * 1024
    max_output_bytes: int = 10 * 1024 * 1024
    max_file_bytes: int = 4 * 1024 * 1024 * 1024
    max_upload_bytes: int = 10 * 1024 * 1024  # one attachment (file_upload)
    sandbox_memory_mb: int = 1024
    sandbox_max_processes: int = 256
    sandbox_cpus: float = 1.0
    max_sessions_per_owner: int = 256
    rate_limit_per_s: float = 200.0
    rate_limit_burst: int = 400
    auth_failure_burst: int = 10  # failed sign-ins / bad keys per client address or key prefix, then 429
    auth_failures_per_min: float = 6.0  # ... refilled at this rate
    metrics_token: str = field(default="", repr=False)  # OPENBAY_METRICS_TOKEN: /metrics without an admin key
    metrics_owners: bool = False  # OPENBAY_METRICS_OWNERS=1: model usage labelled by owner id
    reap_interval_s: float = 5.0
    max_paused_s: float = 7 * 86400  # a paused session ends after this long paused
    min_free_disk_mb: int = 512  # below this much free space new sessions and uploads are refused
    log_json: bool = False
    # mobile sessions: Android devices by adb serial (a comma-separated list is a device pool)
    adb_serial: str = ""
    adb_server_port: int = 5037
    llm_base_url: str = ""  # the agents' model: any OpenAI-compatible endpoint
    llm_api_key: str = field(default="", repr=False)
    llm_model: str = ""
    # model endpoints a task may name besides llm_base_url: base URLs, or `*` for any public one
    llm_allowed_base_urls: str = ""
    llm_prices: str = ""  # JSON: US dollars per million tokens by model (see agents/pricing.py)
    pool_browser: int = 0  # browser sandboxes kept started for instant creates
    pool: str = ""  # OPENBAY_POOL: "linux=2,browser=1", sandboxes kept started per image
    # sandboxes outlive the server (the next one reattaches); 1 stops them at shutdown instead
    stop_sandboxes_on_exit: bool = False
    dead_grace_s: float = 86400.0  # a dead session's files are kept this long (restore_from)
    default_disk_mb: int = 10 * 1024  # each session's disk quota unless it asks for another
    max_disk_mb: int = 100 * 1024  # the most a session may ask for
    # ports of this machine sessions may ask for as host.openbay.internal: "", "*" or "8000,3000"
    allow_host_ports: str = ""
    # ranges of the egress floor (private, link-local, the host's own) sessions may allow: "", "*" or CIDRs
    egress_allow_private: str = ""
    recording_retention_days: float = 7.0  # session recordings are deleted this long after they end

    def pool_sizes(self) -> dict[str, int]:
        sizes = parse_pool_sizes(self.pool)
        if self.pool_browser:
            sizes.setdefault("browser", self.pool_browser)
        return sizes

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        s = cls(
            database_url=os.environ.get("OPENBAY_DATABASE_URL", ""),
            public_url=os.environ.get("OPENBAY_PUBLIC_URL", ""),
            link_url=os.environ.get("OPENBAY_LINK_URL", ""),
            bootstrap_key=os.environ.get("OPENBAY_BOOTSTRAP_KEY", ""),
            sandbox_root=Path(p) if (p := os.environ.get("OPENBAY_SANDBOX_ROOT")) else None,
            replicas=os.environ.get("OPENBAY_REPLICAS", "auto"),
            max_body_bytes=_int("OPENBAY_MAX_BODY_BYTES", cls.max_body_bytes),
            max_output_bytes=_int("OPENBAY_MAX_OUTPUT_BYTES", cls.max_output_bytes),
            max_file_bytes=_int("OPENBAY_MAX_FILE_BYTES", cls.max_file_bytes),
            max_upload_bytes=_int("OPENBAY_MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            sandbox_memory_mb=_int("OPENBAY_SANDBOX_MEMORY_MB", cls.sandbox_memory_mb),
            sandbox_max_processes=_int("OPENBAY_SANDBOX_MAX_PROCESSES", cls.sandbox_max_processes),
            sandbox_cpus=_float("OPENBAY_SANDBOX_CPUS", cls.sandbox_cpus),
            max_sessions_per_owner=_int("OPENBAY_MAX_SESSIONS_PER_OWNER", cls.max_sessions_per_owner),
            rate_limit_per_s=_float("OPENBAY_RATE_LIMIT_PER_S", cls.rate_limit_per_s),
            rate_limit_burst=_int("OPENBAY_RATE_LIMIT_BURST", cls.rate_limit_burst),
            auth_failure_burst=_int("OPENBAY_AUTH_FAILURE_BURST", cls.auth_failure_burst),
            auth_failures_per_min=_float("OPENBAY_AUTH_FAILURES_PER_MIN", cls.auth_failures_per_min),
            metrics_token=os.environ.get("OPENBAY_METRICS_TOKEN", ""),
            metrics_owners=os.environ.get("OPENBAY_METRICS_OWNERS") == "1",
            reap_interval_s=_float("OPENBAY_REAP_INTERVAL_S", cls.reap_interval_s),
            max_paused_s=_float("OPENBAY_MAX_PAUSED_S", cls.max_paused_s),
            min_free_disk_mb=_int("OPENBAY_MIN_FREE_DISK_MB", cls.min_free_disk_mb),
            log_json=os.environ.get("OPENBAY_LOG_JSON") == "1",
            adb_serial=os.environ.get("OPENBAY_ADB_SERIAL", ""),
            adb_server_port=_int("OPENBAY_ADB_SERVER_PORT", cls.adb_server_port),
            pool=os.environ.get("OPENBAY_POOL", ""),
            stop_sandboxes_on_exit=os.environ.get("OPENBAY_STOP_SANDBOXES_ON_EXIT") == "1",
            dead_grace_s=_float("OPENBAY_DEAD_SESSION_GRACE_S", cls.dead_grace_s),
            default_disk_mb=_int("OPENBAY_DEFAULT_DISK_MB", cls.default_disk_mb),
            max_disk_mb=_int("OPENBAY_MAX_DISK_MB", cls.max_disk_mb),
            llm_base_url=os.environ.get("OPENBAY_LLM_BASE_URL", ""),
            llm_api_key=os.environ.get("OPENBAY_LLM_API_KEY", ""),
            llm_model=os.environ.get("OPENBAY_LLM_MODEL", ""),
            llm_allowed_base_urls=os.environ.get("OPENBAY_LLM_ALLOWED_BASE_URLS", ""),
            llm_prices=os.environ.get("OPENBAY_LLM_PRICES", ""),
            pool_browser=_int("OPENBAY_POOL_BROWSER", 0),
            allow_host_ports=_host_ports("OPENBAY_ALLOW_HOST_PORTS"),
            egress_allow_private=os.environ.get("OPENBAY_EGRESS_ALLOW_PRIVATE", ""),
            recording_retention_days=_float("OPENBAY_RECORDING_RETENTION_DAYS", cls.recording_retention_days),
        )
        for k, v in overrides.items():
            setattr(s, k, v)
        return s

    def host_port_allowed(self, port: int) -> bool:
        ports = self.allow_host_ports.strip()
        return ports == "*" or str(port) in {p.strip() for p in ports.split(",")}

    def price_table(self) -> PriceTable:
        try:
            return PriceTable.parse(self.llm_prices)
        except BadPrices as e:
            raise SystemExit(str(e)) from None

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.home / 'openbay.db'}"

    def replicated(self) -> bool:
        """Whether this server is one of several replicas sharing the store (PostgreSQL only)."""
        postgres = self.resolved_database_url().startswith(("postgresql", "postgres:"))
        if self.replicas == "1" and not postgres:
            raise SystemExit("OPENBAY_REPLICAS=1 needs a PostgreSQL OPENBAY_DATABASE_URL")
        return postgres and self.replicas != "0"

    def resolved_public_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    def link_origins(self) -> LinkOrigins:
        try:
            return LinkOrigins.of(self.link_url, self.resolved_public_url())
        except BadLinkUrl as e:
            raise SystemExit(str(e)) from None
