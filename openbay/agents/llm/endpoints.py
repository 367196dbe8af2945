"""Which model endpoints the server may call: the admin's decision, never a tenant's.

A task, an operator call or a conversation may name a model endpoint of its own
(`llm.base_url`); the server calls it from its own process, outside every session's
network namespace and egress policy, so an open choice would let a tenant make the
server fetch anything on the host's own network. The server therefore calls only:

- its configured endpoint (OPENBAY_LLM_BASE_URL), always;
- the endpoints the admin names in OPENBAY_LLM_ALLOWED_BASE_URLS (comma or space
  separated base URLs, matched by scheme, host, port and path);
- with `*` in that list, any endpoint whose host is (and resolves only to) public
  addresses. An endpoint on a loopback, private, link-local or otherwise non-public
  address is allowed only by name.

Anything else is refused before a single byte is sent.
"""
from __future__ import annotations

import ipaddress
import os
import socket
import threading
from urllib.parse import urlsplit

ANY_PUBLIC = "*"


class EndpointNotAllowed(Exception):
    """A model endpoint the admin did not allow."""


def same_endpoint(a: str, b: str) -> bool:
    """Whether two base URLs name one endpoint (scheme, host, port and path; case of the host,
    default ports and a trailing slash aside). Anything unparsable is another endpoint."""
    na = _norm(a)
    return na is not None and na == _norm(b)


def _norm(url: str) -> tuple | None:
    try:
        parts = urlsplit(url.strip())
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return None
    if not parts.hostname or parts.scheme.lower() not in ("http", "https"):
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port, parts.path.rstrip("/"), parts.query


def host_of(url: str) -> str:
    """The host (and port) of a URL, never its user:password, path or query: what messages name."""
    try:
        parts = urlsplit(url.strip())
        return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else "?"
    except ValueError:
        return "?"


def is_public_host(host: str) -> bool:
    """Whether every address `host` is or resolves to is a global (public) one."""
    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return False
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    return bool(addresses) and all(a.is_global and not a.is_multicast for a in addresses)


def parse_list(text: str) -> list[str]:
    return [p for p in text.replace(",", " ").split() if p]


class ModelEndpoints:
    """The endpoints the admin allows; shared by every LLMConfig the server makes."""

    def __init__(self, own: str = "", listed: list[str] | tuple[str, ...] = ()):
        self.own = own
        self.listed = list(listed)
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, own: str, listed: str | None = None) -> ModelEndpoints:
        raw = os.environ.get("OPENBAY_LLM_ALLOWED_BASE_URLS", "") if listed is None else listed
        for entry in parse_list(raw):
            if entry != ANY_PUBLIC and _norm(entry) is None:
                raise SystemExit(f"OPENBAY_LLM_ALLOWED_BASE_URLS: {entry!r} is not an http(s) base URL or `*`")
        return cls(own, parse_list(raw))

    def allow(self, base_url: str) -> None:
        """The admin allows one more endpoint (tests use it for models they start later)."""
        with self._lock:
            self.listed.append(base_url)

    def allows(self, base_url: str) -> bool:
        if _norm(base_url) is None:
            return False
        with self._lock:
            named = [self.own, *self.listed]
        if any(e != ANY_PUBLIC and same_endpoint(base_url, e) for e in named if e):
            return True
        return ANY_PUBLIC in named and is_public_host(urlsplit(base_url.strip()).hostname or "")

    def check(self, base_url: str) -> None:
        if not self.allows(base_url):
            raise EndpointNotAllowed(
                f"the model endpoint at {host_of(base_url)} is not allowed on this server: the admin chooses "
                "which model endpoints the server calls (OPENBAY_LLM_ALLOWED_BASE_URLS); leave llm.base_url "
                "out to use the server's own model")
