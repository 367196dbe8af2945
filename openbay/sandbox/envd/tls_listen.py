"""envd over TCP with TLS and a per-session token: the entry point of a Kubernetes pod.

Run as `python3 -S -E tls_listen.py PORT CERT KEY TOKEN_FILE [HOST]` (HOST: all addresses). The server reaches the pod
over the pod network, so the socket is not private the way the local unix socket is:
TLS (a per-session certificate the server pins) keeps the traffic unread and unchanged,
and every connection starts with the session's token and a newline before its first
frame; a connection without the right token is closed unanswered. After that the
connection is served exactly like one on the unix socket.
"""
import asyncio
import hmac
import ssl
import sys

import daemon
import wire

PREAMBLE_TIMEOUT_S = 10


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


def authenticated(token: bytes):
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), PREAMBLE_TIMEOUT_S)
        except (asyncio.TimeoutError, ConnectionError, ValueError, ssl.SSLError):
            writer.close()
            return
        if not hmac.compare_digest(line.rstrip(b"\n"), token):
            writer.close()
            return
        await daemon.serve_connection(reader, writer)
    return serve


async def main(port: int, cert: str, key: str, token_file: str, host: str = "0.0.0.0") -> None:
    with open(token_file, "rb") as f:
        token = f.read().strip()
    if len(token) < 32:
        raise SystemExit("envd: the session token is missing or too short")
    server = await asyncio.start_server(authenticated(token), host=host, port=port, limit=wire.READ_LIMIT,
                                        ssl=tls_context(cert, key))
    await daemon.serve_until_stopped(server)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), *sys.argv[2:6]))
