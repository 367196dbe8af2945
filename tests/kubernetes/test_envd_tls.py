"""envd's TCP listener for pods (tls_listen.py), run for real on loopback with a session's
certificate and token, reached through the Kubernetes backend's own connector."""
import asyncio
import socket
import sys
from pathlib import Path

import pytest

import openbay.sandbox.envd as envd_package
from openbay.sandbox.envd import wire
from openbay.sandbox.envd.client import EnvdClient, EnvdError
from openbay.sandbox.envd.upload import upload
from openbay.sandbox.kubernetes import objects
from openbay.sandbox.kubernetes.backend import self_signed_pair
from openbay.sandbox.kubernetes.envd_tls import tls_connector
from tests.helpers.waiting import async_wait_for

TOKEN = "k" * 43


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
async def envd(tmp_path_factory):
    """(port, certificate) of an envd listening with TLS and TOKEN."""
    tmp = tmp_path_factory.mktemp("envd-tls")
    cert, key = self_signed_pair()
    (tmp / "tls.crt").write_bytes(cert)
    (tmp / "tls.key").write_bytes(key)
    (tmp / "token").write_text(TOKEN + "\n")
    port = free_port()
    script = Path(envd_package.__file__).parent / "tls_listen.py"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-S", "-E", str(script), str(port), str(tmp / "tls.crt"), str(tmp / "tls.key"),
        str(tmp / "token"), "127.0.0.1")
    async def listening():
        try:
            _, w = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return False
        w.close()
        return True
    await async_wait_for(listening, what="envd's TLS listener")
    yield port, cert
    proc.terminate()
    await proc.wait()


def client(port: int, cert: bytes, token: str = TOKEN, name: str = objects.ENVD_TLS_NAME) -> EnvdClient:
    return EnvdClient(tls_connector("127.0.0.1", port, token, cert, name))


async def test_commands_run_over_tls_with_the_token(envd, tmp_path):
    port, cert = envd
    assert (await client(port, cert).ping())["ok"] is True
    result = await client(port, cert).exec({"command": "echo over-tls; echo err >&2", "cwd": str(tmp_path)})
    assert result["exit_code"] == 0
    assert result["output"] == "over-tls\n" and result["stderr"] == "err\n"


async def test_file_content_goes_both_ways_over_tls(envd, tmp_path):
    """Reads are sent by sendfile on the unix socket; over TLS the kernel cannot encrypt, so
    the same op must fall back to plain writes and give the same bytes."""
    port, cert = envd
    data = bytes(range(256)) * (12 * 1024) + b"tail"  # three frames of file data and a bit
    path = str(tmp_path / "over-tls.bin")

    async def chunks():
        yield data

    written = await upload(client(port, cert), {"op": "fs.write", "path": path}, chunks())
    assert written["bytes"] == len(data)
    got = [payload async for kind, payload in client(port, cert).stream({"op": "fs.read", "path": path})
           if kind == wire.BYTES]
    assert b"".join(got) == data and len(got) == 4


async def test_a_wrong_token_gets_no_answer(envd):
    port, cert = envd
    with pytest.raises(EnvdError, match="without an answer"):
        await client(port, cert, token="x" * 43).ping()


async def test_another_certificate_is_refused(envd):
    """The server trusts only the session's own certificate: an envd with another one fails TLS."""
    port, _ = envd
    other, _ = self_signed_pair()
    with pytest.raises(EnvdError, match="certificate verify failed"):
        await client(port, other).ping()
    with pytest.raises(EnvdError, match="certificate verify failed"):  # and only under the name in it
        await client(port, envd[1], name="evil.example.com").ping()


async def test_plain_tcp_is_not_served(envd):
    port, _ = envd
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(TOKEN.encode() + b"\n" + b'{"op":"ping"}')
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 10) == b""  # the TLS handshake fails; nothing is answered
    writer.close()
