"""openbay.mate tests run on the task tests' server: real browser sessions, the scripted model."""
import pytest

from openbay.mate import Client, ClientOptions
from tests.tasks.conftest import abay, agent_server, bsession, llm  # noqa: F401  (shared fixtures)


@pytest.fixture
def mate(agent_server):  # noqa: F811
    client = Client(ClientOptions(api_key=agent_server.admin_key, base_url=agent_server.base_url, timeout=60))
    yield client
    client.close()


@pytest.fixture
def mate_session(mate, abay):  # noqa: F811
    """A Mate session (a browser session), deleted afterwards."""
    from openbay.mate.models import CreateSessionRequest
    created = mate.session.create(CreateSessionRequest(task="Weather research", mode="deep_search", platform="api"))
    yield mate.session.get_info(created.session_id)
    abay.delete(created.session_id)


@pytest.fixture
def stranger_key(agent_server):  # noqa: F811
    return agent_server.new_owner_key("stranger")


@pytest.fixture
def stranger(agent_server, stranger_key):  # noqa: F811
    """A native client of another owner."""
    client = agent_server.client(stranger_key)
    yield client
    client.close()


@pytest.fixture
def mate_stranger(agent_server, stranger_key):  # noqa: F811
    """A Mate client of that other owner."""
    client = Client(ClientOptions(api_key=stranger_key, base_url=agent_server.base_url))
    yield client
    client.close()
