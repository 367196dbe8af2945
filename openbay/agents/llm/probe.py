"""What a model server says about a model before the first call: its context size,
whether it takes tools and images, whether its template has a system role.

Asked once per (endpoint, model) and kept: llama.cpp's `/props` (n_ctx,
chat_template_caps.supports_tools, modalities.vision), `/v1/models` (llama.cpp's
meta.n_ctx, vLLM's max_model_len, others' context_length), Ollama's `/api/show`
(capabilities, num_ctx). Anything a server does not answer stays unknown (None).
"""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass

import httpx

log = logging.getLogger("openbay.llm")
PROBE_TIMEOUT_S = 3.0
OLLAMA_DEFAULT_CTX = 4096  # what Ollama runs a model with unless num_ctx is set


@dataclass
class ModelInfo:
    server: str = ""                    # llama.cpp, ollama, vllm, or "" when it did not say
    context_tokens: int | None = None
    supports_tools: bool | None = None
    supports_vision: bool | None = None
    system_role: bool = True


_cache: dict[tuple[str, str], ModelInfo] = {}
_locks: dict[tuple[str, str], asyncio.Lock] = {}


async def probe(base_url: str, model: str, api_key: str = "") -> ModelInfo:
    """The server's word on the model; asked once per endpoint and model, then cached."""
    key = (base_url.rstrip("/"), model)
    if key in _cache:
        return _cache[key]
    async with _locks.setdefault(key, asyncio.Lock()):
        if key not in _cache:
            _cache[key] = await _ask(key[0], model, api_key)
            log.info("model %s at %s: %s", model, key[0], _cache[key])
    return _cache[key]


def remember(base_url: str, model: str, **facts) -> None:
    """Keep what a call taught us (e.g. a 500 'image input is not supported')."""
    info = _cache.setdefault((base_url.rstrip("/"), model), ModelInfo())
    for k, v in facts.items():
        setattr(info, k, v)


def forget_all() -> None:
    _cache.clear()


def _root(base_url: str) -> str:
    return re.sub(r"/v1/?$", "", base_url.rstrip("/"))


async def _ask(base_url: str, model: str, api_key: str) -> ModelInfo:
    info = ModelInfo()
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_S, headers=headers) as http:
        props, models = await asyncio.gather(_get(http, _root(base_url) + "/props"),
                                             _get(http, base_url + "/models"))
        if isinstance(props, dict) and "default_generation_settings" in props:
            _read_llama_props(info, props)
        if isinstance(models, dict):
            _read_models(info, models, model)
        if info.server == "" and (":11434" in base_url or _owned_by(models, model) == "library"):
            await _read_ollama(info, http, base_url, model)
    return info


async def _get(http: httpx.AsyncClient, url: str):
    try:
        r = await http.get(url)
        return r.json() if r.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None


def _read_llama_props(info: ModelInfo, props: dict) -> None:
    info.server = "llama.cpp"
    n_ctx = (props.get("default_generation_settings") or {}).get("n_ctx") or props.get("n_ctx")
    if isinstance(n_ctx, int) and n_ctx > 0:
        info.context_tokens = n_ctx
    caps = props.get("chat_template_caps")
    if isinstance(caps, dict):
        if "supports_tools" in caps:
            info.supports_tools = bool(caps["supports_tools"])
        if "supports_system_role" in caps:
            info.system_role = bool(caps["supports_system_role"])
    modalities = props.get("modalities")
    if isinstance(modalities, dict) and "vision" in modalities:
        info.supports_vision = bool(modalities["vision"])


def _entry(models: dict, model: str) -> dict | None:
    data = models.get("data") if isinstance(models.get("data"), list) else []
    return next((m for m in data if isinstance(m, dict) and m.get("id") == model), None) or \
        (data[0] if len(data) == 1 and isinstance(data[0], dict) else None)


def _owned_by(models, model: str) -> str:
    entry = _entry(models, model) if isinstance(models, dict) else None
    return str(entry.get("owned_by", "")) if entry else ""


def _read_models(info: ModelInfo, models: dict, model: str) -> None:
    entry = _entry(models, model)
    if entry is None:
        return
    if entry.get("owned_by") == "vllm":
        info.server = info.server or "vllm"
    meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {}
    for value in (meta.get("n_ctx"), entry.get("max_model_len"), entry.get("context_length"),
                  entry.get("context_window"), meta.get("n_ctx_train")):
        if info.context_tokens is None and isinstance(value, int) and value > 0:
            info.context_tokens = value


async def _read_ollama(info: ModelInfo, http: httpx.AsyncClient, base_url: str, model: str) -> None:
    try:
        r = await http.post(_root(base_url) + "/api/show", json={"model": model})
        show = r.json() if r.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        show = None
    if not isinstance(show, dict):
        return
    info.server = "ollama"
    caps = show.get("capabilities")
    if isinstance(caps, list):
        info.supports_tools = "tools" in caps
        info.supports_vision = "vision" in caps
    m = re.search(r"num_ctx\s+(\d+)", str(show.get("parameters") or ""))
    info.context_tokens = int(m.group(1)) if m else OLLAMA_DEFAULT_CTX
