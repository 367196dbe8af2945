"""What a browser task may type and where it may go.

Secrets (`sensitive_data`) are given as {"x_password": "..."}, or per domain as
{"https://*.example.com": {"x_password": "..."}}. The model only ever sees
`<secret>x_password</secret>`: it writes that in input_text, and the value is put in at
the moment of typing, on an allowed domain only. Everything the model, the events and the
step records get is masked (a value shown back by the page becomes the tag again).

Domains (`allowed_domains`, `prohibited_domains`): "example.com" is the site and its
subdomains, "*.example.com" only the subdomains, "127.0.0.1:8080" one port, and a scheme
("https://example.com") pins the scheme. Prohibited wins; with an allow list, anything
not on it is refused. about:blank is always allowed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

SECRET_TAG = re.compile(r"<secret>([A-Za-z_][A-Za-z0-9_]{0,63})</secret>")


def _host_port(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url if "://" in url else "//" + url)
    host = (parts.hostname or "").lower().rstrip(".")
    return parts.scheme.lower(), host, f"{host}:{parts.port}" if parts.port else host


def matches(pattern: str, url: str) -> bool:
    """Whether `url` is on the domain `pattern` names (see the module doc)."""
    scheme, host, host_port = _host_port(url)
    p_scheme, p_host, p_host_port = _host_port(pattern.replace("*.", "wildcard-sub.", 1))
    if p_scheme and p_scheme != scheme:
        return False
    if p_host_port != p_host:  # a port given: it must match
        host, p_host = host_port, p_host_port
    if p_host.startswith("wildcard-sub."):
        return host.endswith(p_host[len("wildcard-sub"):])
    return host == p_host or host.endswith("." + p_host)


@dataclass
class DomainPolicy:
    allowed: list[str]
    prohibited: list[str]

    def refuses(self, url: str) -> str:
        """Why `url` may not be opened ('' when it may)."""
        if url.startswith("about:") or not (self.allowed or self.prohibited):
            return ""
        if any(matches(p, url) for p in self.prohibited):
            return f"{_host_port(url)[2] or url} is a prohibited domain for this task"
        if self.allowed and not any(matches(p, url) for p in self.allowed):
            return (f"{_host_port(url)[2] or url} is not among the allowed domains for this task "
                    f"({', '.join(self.allowed)})")
        return ""


class SecretRefused(Exception):
    """A secret was asked for where it may not go; the message is for the model."""


@dataclass
class Secret:
    name: str
    value: str
    domains: list[str] | None  # None: anywhere the task may go


class Secrets:
    def __init__(self, sensitive_data: dict | None):
        self.items: list[Secret] = []
        for key, value in (sensitive_data or {}).items():
            if isinstance(value, dict):  # {"domain pattern": {"name": "value"}}
                self.items += [Secret(n, v, [key]) for n, v in value.items()]
            else:
                self.items.append(Secret(key, value, None))
        # longest first, so a secret inside another is masked as the longer one
        self._by_length = sorted((s for s in self.items if s.value), key=lambda s: -len(s.value))

    def __bool__(self) -> bool:
        return bool(self.items)

    def prompt_note(self) -> str:
        if not self.items:
            return ""
        tags = [f"<secret>{n}</secret>" for n in sorted({s.name for s in self.items})]
        return ("\n\nSecrets: to type one, write its tag exactly in input_text (you never see the "
                f"values): {', '.join(tags)}.")

    def mask(self, text: str) -> str:
        for s in self._by_length:
            if s.value in text:
                text = text.replace(s.value, f"<secret>{s.name}</secret>")
        return text

    def mask_all(self, value):
        """`mask` through strings, lists and dicts (event payloads, step records)."""
        if not self.items:
            return value
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, list):
            return [self.mask_all(v) for v in value]
        if isinstance(value, dict):
            return {k: self.mask_all(v) for k, v in value.items()}
        return value

    def fill_in(self, text: str, url: str) -> str:
        """`text` with its <secret> tags replaced by the values allowed on `url`."""
        def value(m: re.Match) -> str:
            found = [s for s in self.items if s.name == m.group(1)]
            if not found:
                raise SecretRefused(f"there is no secret named {m.group(1)!r}")
            for s in found:
                if s.domains is None or any(matches(d, url) for d in s.domains):
                    return s.value
            raise SecretRefused(f"the secret {m.group(1)!r} may not be used on {_host_port(url)[2] or url}")
        return SECRET_TAG.sub(value, text)


class MaskedHooks:
    """AgentHooks that mask secrets in everything they pass on."""

    def __init__(self, hooks, secrets: Secrets):
        self.hooks, self.secrets = hooks, secrets

    async def emit(self, type: str, payload: dict) -> None:
        await self.hooks.emit(type, self.secrets.mask_all(payload))

    async def ask_user(self, question: str, kind: str = "question"):
        return await self.hooks.ask_user(self.secrets.mask(question), kind)

    async def record_step(self, step) -> None:
        step.url, step.title = self.secrets.mask(step.url), self.secrets.mask(step.title)
        step.actions = self.secrets.mask_all(step.actions)
        await self.hooks.record_step(step)
