"""Where AgentBay's clients find their key and server: as AgentBay reads them
(AGENTBAY_API_KEY, AGENTBAY_ENDPOINT, AGENTBAY_TIMEOUT_MS, a .env file), falling back to
OpenBay's (OPENBAY_API_KEY, OPENBAY_BASE_URL, the local server's files)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from openbay.sdk.config import find_api_key, find_base_url

from .errors import AuthenticationError

DEFAULT_TIMEOUT_MS = 60_000


@dataclass
class Config:
    """AgentBay's Config. `endpoint` is OpenBay's URL (`http://host:port`); a bare host gets http://.
    `region_id` is accepted and not used: an OpenBay server is one region."""
    timeout_ms: int | None = None
    region_id: str | None = None
    endpoint: str | None = None


def _dotenv(env_file: str | None) -> dict[str, str]:
    """KEY=VALUE lines of `env_file`, or of .env in the working directory (or a parent)."""
    candidates = [Path(env_file)] if env_file else [d / ".env" for d in (Path.cwd(), *Path.cwd().parents)]
    for path in candidates:
        if path.is_file():
            out = {}
            for line in path.read_text(errors="replace").splitlines():
                key, sep, value = line.strip().partition("=")
                if sep and key and not key.startswith("#"):
                    out[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
            return out
    return {}


def _endpoint_url(endpoint: str) -> str:
    return endpoint if "://" in endpoint else f"http://{endpoint}"


def resolve(api_key: str, cfg: Config | None, env_file: str | None) -> tuple[str, str, float]:
    """(api key, base URL, timeout in seconds)."""
    dotenv = _dotenv(env_file)

    def env(name: str) -> str:
        return os.environ.get(name) or dotenv.get(name, "")

    key = api_key or env("AGENTBAY_API_KEY") or env("OPENBAY_API_KEY") or find_api_key(None)
    if not key:
        raise AuthenticationError("API key is required: pass api_key=, or set AGENTBAY_API_KEY "
                                  "(or OPENBAY_API_KEY)")
    endpoint = (cfg.endpoint if cfg else None) or env("AGENTBAY_ENDPOINT") or env("OPENBAY_BASE_URL")
    base_url = _endpoint_url(endpoint) if endpoint else find_base_url(None)
    timeout_ms = (cfg.timeout_ms if cfg else None) or int(env("AGENTBAY_TIMEOUT_MS") or DEFAULT_TIMEOUT_MS)
    return key, base_url.rstrip("/"), timeout_ms / 1000
