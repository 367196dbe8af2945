"""The server's way to an envd that listens on TCP with TLS (envd/tls_listen.py)."""
import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable

from ..envd import wire
from ..envd.client import Connector


def client_context(cert_pem: bytes) -> ssl.SSLContext:
    """Trusts exactly the session's own certificate, nothing else (not the system's CAs)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_verify_locations(cadata=cert_pem.decode())
    return ctx


def tls_connector(host: str, port: int, token: str, cert_pem: bytes, server_name: str,
                  open_socket: Callable[[], Awaitable[socket.socket]] | None = None) -> Connector:
    """TLS to host:port, or over the stream `open_socket()` gives (a port-forward through the
    Kubernetes API: the TLS inside it still ends at the session's envd)."""
    ctx = client_context(cert_pem)
    preamble = token.encode() + b"\n"

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        where = {"sock": await open_socket()} if open_socket is not None else {"host": host, "port": port}
        reader, writer = await asyncio.open_connection(**where, ssl=ctx, server_hostname=server_name,
                                                     limit=wire.READ_LIMIT)
        writer.write(preamble)
        return reader, writer
    return connect
