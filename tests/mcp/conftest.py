"""MCP tests: a real server with /mcp mounted (as `openbay serve` has it), reached with the
`mcp` SDK's own client over stdio (`openbay mcp` as a child process) and streamable HTTP."""
import contextlib
import os
import sys

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from openbay.mcp.http import mount
from tests.helpers.scripted_llm import ScriptedLLM
from tests.helpers.server import scripted_model_server

TRANSPORTS = ["stdio", "http"]


@pytest.fixture(scope="session")
def mcp_llm():
    with ScriptedLLM() as model:
        yield model


@pytest.fixture(scope="session")
def mcp_server(mcp_llm):
    with scripted_model_server(mcp_llm, "obmcp-", api_key="sk-test-secret", extend=mount) as running:
        yield running


def stdio_params(server, api_key: str) -> StdioServerParameters:
    env = {**os.environ, "OPENBAY_API_KEY": api_key, "OPENBAY_BASE_URL": server.base_url}
    return StdioServerParameters(command=sys.executable, args=["-m", "openbay.cli.main", "mcp"], env=env)


@contextlib.asynccontextmanager
async def connect(kind: str, server, api_key: str | None = None):
    """An MCP client session with OpenBay's MCP server over `kind` (stdio or http)."""
    key = api_key or server.admin_key
    if kind == "stdio":
        async with Client(stdio_params(server, key)) as client:
            yield client
        return
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=120)
    async with http, Client(streamable_http_client(f"{server.base_url}/mcp", http_client=http)) as client:
        yield client
