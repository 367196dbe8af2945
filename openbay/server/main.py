"""Run the server under uvicorn (what `openbay serve` calls)."""
import json
import logging
import os

import uvicorn

from .app import create_app
from .config import Settings
from .logs import configure_logging

log = logging.getLogger("openbay.server")
SERVER_FILE = "server.json"
# Idle keep-alive connections live well past the SDK's own expiry (httpx: 5 s), so a client
# never sends on a connection the server is closing at that moment (both at 5 s raced).
# The standard asyncio loop, not uvloop: the server starts runc, ip and nft for every session,
# and libuv forks a child where CPython vforks (a session's start and stop took 1.6x and 2.8x
# as long under uvloop; bench/session_create.py).
UVICORN_OPTIONS = {"ws": "websockets-sansio", "timeout_keep_alive": 30, "loop": "asyncio"}


def serve(settings: Settings, on_bootstrap_key=None, extend=None) -> None:
    """`extend(app)` adds what lives above the server layer (the MCP endpoint) before it starts."""
    configure_logging(settings.log_json)
    app = create_app(settings, on_bootstrap_key=on_bootstrap_key)
    if extend is not None:
        extend(app)
    (settings.home / SERVER_FILE).write_text(json.dumps(
        {"base_url": settings.resolved_public_url(), "pid": os.getpid()}))

    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning",
                lifespan="on", timeout_graceful_shutdown=10, **UVICORN_OPTIONS)
