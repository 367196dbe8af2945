"""Every name under localhost is the loopback address (RFC 6761), as browsers and curl have it.
glibc without nss-myhostname does not resolve them, so the tests' own HTTP and WebSocket clients
get the same rule here: port links live on `<port>-<session>.localhost` hosts."""
import socket

_getaddrinfo = socket.getaddrinfo


def _loopback_for_localhost(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else host
    if isinstance(name, str) and name.lower().rstrip(".").endswith(".localhost"):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)


def install() -> None:
    socket.getaddrinfo = _loopback_for_localhost
