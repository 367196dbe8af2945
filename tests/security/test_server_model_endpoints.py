"""The server calls only the model endpoints the admin allowed: a tenant naming a service on the
host's own network as its model endpoint (a task, the browser operator) gets 403 before the server
sends it anything, and an allowed endpoint's error body never reaches the tenant.

The "model" here is a plain recording HTTP service and the scripted OpenAI-compatible server on
loopback (the one part tests may fake); sessions and browsers are real."""
import httpx
import pytest

from tests.helpers.recording_service import SECRET, RecordingService
from tests.helpers.scripted_llm import ScriptedLLM, Turn
from tests.helpers.server import scripted_model_server
from tests.helpers.sessions import new_session
from tests.helpers.waiting import PATIENCE_S


@pytest.fixture(scope="module")
def model():
    with ScriptedLLM() as m:
        yield m


@pytest.fixture(scope="module")
def server(model):
    with scripted_model_server(model, "obsec-llm-", api_key="sk-server-key") as s:
        yield s


@pytest.fixture(scope="module")
def tenant(server):
    key = server.new_owner_key("tenant")
    bay = server.client(key)
    with new_session(bay, "browser") as s:
        yield key, s
    bay.close()


def test_a_task_naming_a_host_service_is_refused_and_the_service_hears_nothing(server, tenant):
    key, session = tenant
    with RecordingService() as host_service:
        r = httpx.post(f"{server.base_url}/v1/sessions/{session.session_id}/agent/browser/tasks",
                       json={"task": "x", "llm": {"base_url": host_service.base_url, "model": "m"}},
                       headers={"Authorization": f"Bearer {key}"}, timeout=60)
        assert r.status_code == 403, r.text
        assert "OPENBAY_LLM_ALLOWED_BASE_URLS" in r.json()["error"]["message"]
        assert host_service.requests == []


def test_a_mate_run_naming_a_host_service_is_refused_and_the_service_hears_nothing(server, tenant):
    key, session = tenant
    with RecordingService() as host_service:
        r = httpx.post(f"{server.base_url}/v1/sessions/{session.session_id}/runs",
                       json={"task": "x", "llm": {"base_url": host_service.base_url, "model": "m"}},
                       headers={"Authorization": f"Bearer {key}"}, timeout=60)
        assert r.status_code == 403, r.text
        assert host_service.requests == []


def test_the_browser_operator_naming_a_host_service_is_refused_and_it_hears_nothing(server, tenant):
    key, session = tenant
    with RecordingService() as host_service:
        r = httpx.post(f"{server.base_url}/v1/sessions/{session.session_id}/browser/agent/observe",
                       json={"instruction": "anything", "llm": {"base_url": host_service.base_url}},
                       headers={"Authorization": f"Bearer {key}"}, timeout=60)
        assert r.status_code == 403, r.text
        assert host_service.requests == []


def test_an_allowed_endpoints_error_body_never_reaches_the_tenant(server, tenant):
    _, session = tenant
    with RecordingService() as allowed:
        server.allow_model(allowed.base_url)  # the admin's choice
        r = session.agent.browser.execute_task_and_wait("x", timeout=PATIENCE_S, llm={"base_url": allowed.base_url})
        assert allowed.requests  # it was called
    assert r.task_status == "failed" and SECRET not in r.error_message
    assert "HTTP 400" in r.error_message and "127.0.0.1" in r.error_message


def test_the_servers_own_model_still_answers(server, model, tenant):
    _, session = tenant
    model.set_script([Turn(tool_calls=[("done", {"text": "ours"})])])
    r = session.agent.browser.execute_task_and_wait("x", timeout=PATIENCE_S)
    assert r.task_result == "ours"


def test_the_allow_list_names_private_endpoints_and_star_means_public_ones_only():
    from openbay.agents.llm import EndpointNotAllowed, LLMConfig, ModelEndpoints
    endpoints = ModelEndpoints("https://models.example/v1", ["http://10.1.2.3:8000/v1", "*"])
    ours = LLMConfig(base_url="https://models.example/v1", model="m", endpoints=endpoints)
    assert ours.merged(base_url="https://MODELS.example:443/v1/").base_url
    assert ours.merged(base_url="http://10.1.2.3:8000/v1").base_url
    assert ours.merged(base_url="https://8.8.8.8/v1").base_url  # public, allowed by `*`
    for other in ("http://127.0.0.1:18999/v1", "http://localhost/v1", "http://169.254.169.254/latest",
                  "http://10.1.2.3:8001/v1", "http://[::1]/v1", "http://[fd00::1]/v1", "http://192.168.1.1/"):
        with pytest.raises(EndpointNotAllowed):
            ours.merged(base_url=other)
    alone = LLMConfig(base_url="https://models.example/v1", model="m", endpoints=ModelEndpoints(ours.base_url))
    with pytest.raises(EndpointNotAllowed):
        alone.merged(base_url="https://8.8.8.8/v1")
