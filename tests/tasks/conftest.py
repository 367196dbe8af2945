"""Task tests: a real server whose agents talk to a scripted model, real browser sessions."""
import tempfile
from pathlib import Path

import pytest

from tests.helpers.pages import serve_pages
from tests.helpers.scripted_llm import ScriptedLLM
from tests.helpers.server import thread_server
from tests.helpers.sessions import new_session


@pytest.fixture(scope="session")
def llm():
    with ScriptedLLM() as model:
        yield model


@pytest.fixture(scope="session")
def agent_server(llm):
    home = Path(tempfile.mkdtemp(prefix="obtask-"))
    with thread_server(home, llm_base_url=llm.base_url, llm_model="scripted", llm_api_key="sk-test-secret",
                       llm_prices='{"scripted": {"input": 1.0, "output": 2.0}}') as s:
        yield s


@pytest.fixture(scope="session")
def site():
    with serve_pages() as base:
        yield base


@pytest.fixture
def abay(agent_server):
    client = agent_server.client()
    yield client
    client.close()


@pytest.fixture
def bsession(abay):
    """A fresh browser session of the agent server, deleted afterwards."""
    with new_session(abay, "browser") as s:
        yield s
