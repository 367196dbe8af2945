"""The server's way to an envd that listens on TCP with TLS (envd/tls_listen.py)."""
import asyncio
import ssl

from .envd import wire
from .envd.client import Connector


def client_context(cert_pem: bytes) -> ssl.SSLContext:
    """Trusts exactly the session's own certificate, nothing else (not the system's CAs)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_verify_locations(cadata=cert_pem.decode())
    return ctx


def tls_connector(host: str, port: int, token: str, cert_pem: bytes, server_name: str) -> Connector:
    ctx = client_context(cert_pem)
    preamble = token.encode() + b"\n"

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection(host, port, ssl=ctx, server_hostname=server_name,
                                                     limit=wire.READ_LIMIT)
        writer.write(preamble)
        return reader, writer
    return connect
