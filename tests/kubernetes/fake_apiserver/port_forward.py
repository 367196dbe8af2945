"""`pods/{name}/portforward` over WebSocket, as the official client's `kubernetes.stream.portforward`
speaks it (the `v4.channel.k8s.io` protocol): every binary message starts with a channel byte,
two per requested port (2i: data, 2i+1: errors); the server opens each channel with the port
number (2 bytes, little endian). Here each port's data is carried into the pod's sandbox by envd's
`port` op, the same way pod_network relays a pod IP's ports. Authorization: `create` on
`pods/portforward`, checked before the upgrade (a refused handshake is an HTTP 403)."""
from __future__ import annotations

import contextlib

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from openbay.sandbox.envd.channel import EnvdChannel, open_channel
from openbay.sandbox.envd.client import EnvdError

from .api import Api
from .node import PODS, Node
from .pod_network import until_one_ends
from .status import ApiError

PROTOCOL = "v4.channel.k8s.io"


def route(api: Api, node: Node) -> WebSocketRoute:
    async def forward(ws: WebSocket) -> None:
        p = ws.path_params
        try:
            rbac = api.user(ws.headers)
            if rbac is not None:
                rbac.check("create", "", "pods/portforward", p["namespace"])
            pod = api.store.get(PODS, p["namespace"], p["name"])
            ports = [int(x) for x in ws.query_params.get("ports", "").split(",") if x]
            envd = node.envd(pod["metadata"]["uid"])
            if not ports or envd is None or PROTOCOL not in ws.headers.get("sec-websocket-protocol", ""):
                raise ApiError(400, "BadRequest", "the pod does not run, or no ports or protocol were asked for")
        except (ApiError, ValueError):
            await ws.close()  # before the upgrade: the client sees the handshake refused
            return
        await ws.accept(subprotocol=PROTOCOL)
        channels: list[EnvdChannel | None] = []
        for i, port in enumerate(ports):
            for channel in (2 * i, 2 * i + 1):
                await ws.send_bytes(bytes([channel]) + port.to_bytes(2, "little"))
            try:
                channels.append(await open_channel(envd, {"op": "port", "port": port}))
            except EnvdError as e:
                channels.append(None)
                await ws.send_bytes(bytes([2 * i + 1]) + str(e).encode())
        await _relay(ws, channels)

    return WebSocketRoute("/api/v1/namespaces/{namespace}/pods/{name}/portforward", forward)


async def _relay(ws: WebSocket, channels: list[EnvdChannel | None]) -> None:
    async def inward() -> None:
        while True:
            data = await ws.receive_bytes()
            if data and data[0] % 2 == 0 and data[0] // 2 < len(channels) and channels[data[0] // 2]:
                await channels[data[0] // 2].send(data[1:])

    async def outward(i: int, channel: EnvdChannel) -> None:
        while (data := await channel.recv()) is not None:
            await ws.send_bytes(bytes([2 * i]) + data)

    try:
        await until_one_ends(inward(), *(outward(i, c) for i, c in enumerate(channels) if c is not None))
    finally:
        for channel in channels:
            if channel is not None:
                await channel.close()
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await ws.close()
