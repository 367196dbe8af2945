"""Task tests: a real server whose agents talk to a scripted model, real browser sessions."""
import pytest

from tests.helpers.scripted_llm import ScriptedLLM
from tests.helpers.server import scripted_model_server
from tests.helpers.sessions import new_session


@pytest.fixture(scope="session")
def llm():
    with ScriptedLLM() as model:
        yield model


@pytest.fixture(scope="session")
def agent_server(llm):
    with scripted_model_server(llm, "obtask-", api_key="sk-test-secret",
                               llm_prices='{"scripted": {"input": 1.0, "output": 2.0}}') as s:
        yield s


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
