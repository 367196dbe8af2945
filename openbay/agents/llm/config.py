"""Which model to talk to: OPENBAY_LLM_* from the environment, overridable per task."""
from __future__ import annotations

import os
from dataclasses import dataclass, field


class LLMNotConfigured(Exception):
    """No model is configured, so a task cannot start."""


@dataclass(frozen=True)
class LLMConfig:
    base_url: str = ""
    api_key: str = field(default="", repr=False)  # never printed
    model: str = ""

    @classmethod
    def from_env(cls) -> LLMConfig:
        return cls(base_url=os.environ.get("OPENBAY_LLM_BASE_URL", ""),
                   api_key=os.environ.get("OPENBAY_LLM_API_KEY", ""),
                   model=os.environ.get("OPENBAY_LLM_MODEL", ""))

    def merged(self, base_url: str | None = None, api_key: str | None = None,
               model: str | None = None) -> LLMConfig:
        return LLMConfig(base_url=base_url or self.base_url, api_key=api_key or self.api_key,
                         model=model or self.model)

    def check(self) -> None:
        missing = [name for name, v in (("OPENBAY_LLM_BASE_URL", self.base_url),
                                        ("OPENBAY_LLM_MODEL", self.model)) if not v]
        if missing:
            raise LLMNotConfigured(
                "no model configured: set " + " and ".join(missing)
                + " on the server (and OPENBAY_LLM_API_KEY if the endpoint needs one), "
                  "or pass llm={base_url, model} with the task")
