"""AgentBay's API against a real OpenBay server, configured as AgentBay users do: by the
AGENTBAY_API_KEY and AGENTBAY_ENDPOINT environment variables."""
import pytest

from openbay.agentbay import AgentBay


@pytest.fixture
def agentbay_env(server, monkeypatch):
    monkeypatch.setenv("AGENTBAY_API_KEY", server.admin_key)
    monkeypatch.setenv("AGENTBAY_ENDPOINT", server.base_url)
    monkeypatch.delenv("OPENBAY_API_KEY", raising=False)
    monkeypatch.delenv("OPENBAY_BASE_URL", raising=False)
    return server


@pytest.fixture
def agent_bay(agentbay_env):
    client = AgentBay()
    yield client
    client.close()


@pytest.fixture
def ab_session(agent_bay):
    r = agent_bay.create()
    assert r.success, r.error_message
    yield r.session
    r.session.delete()
