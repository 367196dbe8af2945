"""E2B's official SDKs (`e2b`, `e2b-code-interpreter`, pinned test dependencies) against a real
OpenBay server with E2B's API mounted, configured only by the environment variables E2B's SDK
reads: E2B_API_KEY (an OpenBay key), E2B_API_URL and E2B_SANDBOX_URL (the server)."""
import tempfile
from pathlib import Path

import pytest

from openbay.e2b import mount
from tests.helpers.server import thread_server


@pytest.fixture(scope="package")
def e2b_server():
    home = Path(tempfile.mkdtemp(prefix="obtest-e2b-"))
    with thread_server(home, extend=mount) as running:
        yield running


@pytest.fixture(autouse=True)
def e2b_env(e2b_server, monkeypatch):
    monkeypatch.setenv("E2B_API_KEY", e2b_server.admin_key)
    monkeypatch.setenv("E2B_API_URL", e2b_server.base_url)
    monkeypatch.setenv("E2B_SANDBOX_URL", e2b_server.base_url)
    monkeypatch.delenv("E2B_DOMAIN", raising=False)
    monkeypatch.delenv("E2B_DEBUG", raising=False)
    return e2b_server


@pytest.fixture
def sandbox():
    from e2b import Sandbox
    sbx = Sandbox.create()
    yield sbx
    sbx.kill()
