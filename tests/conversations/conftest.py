"""Conversation tests run on the task tests' server: real browser sessions, real
Chromium, the scripted model on loopback."""
import pytest

from tests.tasks.conftest import abay, agent_server, bsession, llm  # noqa: F401  (shared fixtures)


@pytest.fixture
def stranger(agent_server):  # noqa: F811
    """A client of another owner."""
    client = agent_server.client(agent_server.new_owner_key("stranger"))
    yield client
    client.close()
