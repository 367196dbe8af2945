"""Which model to talk to: OPENBAY_LLM_* from the environment, overridable per task."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from .endpoints import ModelEndpoints, same_endpoint

TOOL_MODES = ("auto", "native", "text")
DEFAULT_MAX_OUTPUT_TOKENS = 2048


class LLMNotConfigured(Exception):
    """No model is configured, so a task cannot start."""


def _int_env(name: str) -> int | None:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


@dataclass(frozen=True)
class LLMConfig:
    base_url: str = ""
    api_key: str = field(default="", repr=False)  # never printed
    model: str = ""
    # the cap on one answer (sent as max_tokens); a smaller context lowers it further
    max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS
    # the model's context in tokens when the server does not say (llama.cpp /props, /v1/models do)
    context_tokens: int | None = None
    # taken over after rate limits, server errors or invalid output past the retries
    fallback_model: str = ""
    # auto: native tool calling unless the server shows it cannot; text: tools described in the
    # prompt and read back from the answer's text (for servers without a tool-capable template)
    tool_mode: str = "auto"
    # the endpoints the admin allows (the server sets it; None: a library caller's own choice)
    endpoints: ModelEndpoints | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_env(cls, **given) -> LLMConfig:
        """OPENBAY_LLM_* from the environment; fields `given` (not None or empty) win."""
        mode = os.environ.get("OPENBAY_LLM_TOOL_MODE", "auto").strip().lower()
        return cls(base_url=os.environ.get("OPENBAY_LLM_BASE_URL", ""),
                   api_key=os.environ.get("OPENBAY_LLM_API_KEY", ""),
                   model=os.environ.get("OPENBAY_LLM_MODEL", ""),
                   max_output_tokens=_int_env("OPENBAY_LLM_MAX_OUTPUT_TOKENS") or DEFAULT_MAX_OUTPUT_TOKENS,
                   context_tokens=_int_env("OPENBAY_LLM_CONTEXT_TOKENS"),
                   fallback_model=os.environ.get("OPENBAY_LLM_FALLBACK_MODEL", ""),
                   tool_mode=mode if mode in TOOL_MODES else "auto").merged(**given)

    def merged(self, base_url: str | None = None, api_key: str | None = None, model: str | None = None,
               **extra) -> LLMConfig:
        """This config with the fields given (None: keep ours). Our API key goes only to our own
        endpoint: another base URL without a key of its own gets none (a task must not be able to
        send the server's key wherever it likes). Another base URL must be one the admin allowed
        (EndpointNotAllowed)."""
        if base_url and self.endpoints is not None and not same_endpoint(base_url, self.base_url):
            self.endpoints.check(base_url)
        given = {k: v for k, v in extra.items() if v is not None}
        ours = not base_url or same_endpoint(base_url, self.base_url)
        return replace(self, base_url=base_url or self.base_url,
                       api_key=api_key or (self.api_key if ours else ""), model=model or self.model, **given)

    def fallback(self) -> LLMConfig | None:
        """The same endpoint with the fallback model, if one is set."""
        if not self.fallback_model or self.fallback_model == self.model:
            return None
        return replace(self, model=self.fallback_model, fallback_model="")

    def check(self) -> None:
        missing = [name for name, v in (("OPENBAY_LLM_BASE_URL", self.base_url),
                                        ("OPENBAY_LLM_MODEL", self.model)) if not v]
        if missing:
            raise LLMNotConfigured(
                "no model configured: set " + " and ".join(missing)
                + " on the server (and OPENBAY_LLM_API_KEY if the endpoint needs one), "
                  "or pass llm={base_url, model} with the task")
