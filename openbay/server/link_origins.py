"""Where port links are served: each link on an origin of its own, never the console's.

A link is `<scheme>://<port>-<session id>.<link domain>[:port]/`, the domain from
OPENBAY_LINK_URL (`https://*.links.example.com`, a wildcard DNS name and certificate of the
admin's). A server on loopback needs nothing set: its links are `*.localhost` on its own port,
names that browsers and curl resolve to loopback (RFC 6761). Every request whose Host is under
the link domain goes to the link proxy and never to the API or the console, so an app behind a
link can neither read the console's answers nor ride its cookie (another site: the console's
SameSite=Strict cookie stays home), and one link's app cannot read another's.

Without a link domain (a server on another address and no OPENBAY_LINK_URL), links fall back
to paths on the server's own origin, and every answer through them carries
`Content-Security-Policy: sandbox` without allow-same-origin: the app's scripts run in an
opaque origin that reads nothing of the console's and sends no cookie of its own site along.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

LINKS_PREFIX = "/links"
LOOPBACK_NAMES = ("127.0.0.1", "localhost")
# what an app behind a path link gets instead of an origin of its own
SANDBOX_CSP = b"sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads"
_LABEL = re.compile(r"^(\d{1,5})-([a-z0-9][a-z0-9-]{0,56})$")


class BadLinkUrl(ValueError):
    pass


@dataclass(frozen=True)
class LinkOrigins:
    """How link URLs are made and recognized. `suffix` empty: links are paths on `public_url`."""
    public_url: str
    scheme: str = ""
    suffix: str = ""  # ".links.example.com": a link's host is <label><suffix>
    port: int | None = None

    @classmethod
    def of(cls, link_url: str, public_url: str) -> LinkOrigins:
        """From OPENBAY_LINK_URL, else *.localhost for a server on loopback, else path links."""
        public_url = public_url.rstrip("/")
        if link_url:
            return cls._parse(link_url, public_url)
        public = urlsplit(public_url)
        if public.hostname in LOOPBACK_NAMES:
            return cls(public_url, public.scheme, ".localhost", public.port)
        return cls(public_url)

    @classmethod
    def _parse(cls, link_url: str, public_url: str) -> LinkOrigins:
        parts = urlsplit(link_url.strip())
        try:
            port = parts.port
        except ValueError:
            raise BadLinkUrl(f"OPENBAY_LINK_URL {link_url!r} has a bad port") from None
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host.startswith("*.") or len(host) < 4 \
                or "*" in host[2:] or parts.path not in ("", "/") or parts.query or parts.username:
            raise BadLinkUrl(f"OPENBAY_LINK_URL must look like https://*.links.example.com[:port], not {link_url!r}")
        suffix = host[1:]
        own = (urlsplit(public_url).hostname or "").lower()
        if own.endswith(suffix):  # the proxy would take the console's own requests
            raise BadLinkUrl(f"the server's own host {own} is under OPENBAY_LINK_URL's domain {suffix[1:]}: "
                             "links need a domain the console is not in")
        return cls(public_url, parts.scheme, suffix, port)

    @property
    def on_own_origins(self) -> bool:
        return bool(self.suffix)

    def prefix(self, session_id: str, port: int) -> str:
        """The path in front of the app's own ("" on a link's own host)."""
        return "" if self.suffix else f"{LINKS_PREFIX}/{session_id}/{port}"

    def url(self, session_id: str, port: int) -> str:
        """The link's base URL, ending in /."""
        if not self.suffix:
            return f"{self.public_url}{self.prefix(session_id, port)}/"
        label = f"{port}-{session_id}".lower()
        if not _LABEL.match(label):
            raise BadLinkUrl(f"session id {session_id!r} does not fit in a host name")
        return f"{self.scheme}://{label}{self.suffix}{f':{self.port}' if self.port else ''}/"

    def label_of(self, host_header: str) -> str | None:
        """The link label when the request's Host is under the link domain, else None."""
        if not self.suffix:
            return None
        host = host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header
        host = host.lower().rstrip(".")
        return host[:-len(self.suffix)] if host.endswith(self.suffix) else None


def parse_label(label: str) -> tuple[str, int] | None:
    """(session id, port) of `<port>-<session id>`, or None when it is not one."""
    match = _LABEL.match(label)
    return (match.group(2), int(match.group(1))) if match else None
