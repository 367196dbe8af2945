"""Pumping a client WebSocket and an envd channel into each other until either side ends."""
import asyncio
from collections.abc import Awaitable, Callable

from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect

from openbay.sandbox.envd.channel import EnvdChannel


async def pump_both_ways(ws: WebSocket, channel: EnvdChannel,
                 pumps: tuple[Callable[[], Awaitable[None]], ...]) -> None:
    """Run the pumps; when one stops, stop the others and close both ends."""
    tasks = [asyncio.ensure_future(pump()) for pump in pumps]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await channel.close()
        try:
            await ws.close()
        except (RuntimeError, WebSocketDisconnect):
            pass
