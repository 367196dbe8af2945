"""Pod IPs on loopback: each running pod gets an address of its own in 127.0.0.0/8, and each port
its containers declare is listened on there and carried into the pod's sandbox, to that port on
the sandbox's own loopback, by envd's `port` op (the way OpenBay's signed links reach a session's
ports). Whatever the connection carries (TLS for envd's listener) goes end to end untouched: the
bytes are only relayed, as a CNI's routes would carry them. Ports a pod does not declare are not
reachable at its IP (on a cluster they would be).
"""
from __future__ import annotations

import asyncio
import contextlib
import errno
import secrets

from openbay.sandbox.envd.channel import EnvdChannel, open_channel
from openbay.sandbox.envd.client import EnvdClient, EnvdError

READ = 256 * 1024


async def port_open(envd: EnvdClient, port: int) -> bool:
    """A tcpSocket probe: something inside the pod accepts connections on `port`."""
    try:
        channel = await open_channel(envd, {"op": "port", "port": port})
    except (EnvdError, OSError):
        return False
    await channel.close()
    return True


async def until_one_ends(*coroutines) -> None:
    """Run the pumps of a relay; when one ends (its side closed), the others are stopped."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, channel: EnvdChannel) -> None:
    async def inward() -> None:
        while data := await reader.read(READ):
            await channel.send(data)

    async def outward() -> None:
        while (data := await channel.recv()) is not None:
            writer.write(data)
            await writer.drain()

    try:
        await until_one_ends(inward(), outward())
    finally:
        await channel.close()
        writer.close()


class PodNetwork:
    def __init__(self):
        self._octet = 64 + secrets.randbelow(128)  # fakes side by side rarely pick the same /16
        self._next = 1
        self._servers: dict[str, list[asyncio.AbstractServer]] = {}

    async def attach(self, pod_uid: str, envd: EnvdClient, ports: list[int]) -> str:
        """The pod's IP, its declared ports listened on and carried into the sandbox."""
        while True:
            n, self._next = self._next, self._next + 1
            address = f"127.{self._octet}.{n // 250}.{n % 250 + 1}"
            try:
                self._servers[pod_uid] = [await self._listen(address, port, envd) for port in ports]
                return address
            except OSError as e:
                if e.errno != errno.EADDRINUSE:
                    raise

    async def _listen(self, address: str, port: int, envd: EnvdClient) -> asyncio.AbstractServer:
        async def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                channel = await open_channel(envd, {"op": "port", "port": port})
            except (EnvdError, OSError):  # nothing listens there: the connection is refused
                writer.close()
                return
            await _relay(reader, writer, channel)
        return await asyncio.start_server(connected, address, port)

    async def detach(self, pod_uid: str) -> None:
        for server in self._servers.pop(pod_uid, []):
            server.close()
            with contextlib.suppress(Exception):
                await server.wait_closed()
