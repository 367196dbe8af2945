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


@pytest.fixture(scope="module")
def operator_model():
    """The scripted OpenAI-compatible model on loopback (the one faked part), for the browser operator."""
    from tests.helpers.scripted_llm import ScriptedLLM
    with ScriptedLLM() as model:
        yield model


@pytest.fixture(scope="module")
def operator_server(operator_model):
    """A real server whose operator asks the scripted model."""
    from tests.helpers.server import scripted_model_server
    with scripted_model_server(operator_model, "obab-") as running:
        yield running
