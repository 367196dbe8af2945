"""The server's OPENBAY_LLM_API_KEY goes to the server's own model endpoint and nowhere else: a
task or an operator call that names another base URL without a key of its own sends none.
Two scripted models on loopback stand in for "ours" and "somewhere a caller chose"."""
from openbay.agents.llm import LLMConfig
from tests.helpers.scripted_llm import ScriptedLLM, call, done
from tests.helpers.waiting import PATIENCE_S

SERVER_KEY = "sk-test-secret"  # what tests/tasks/conftest.py gives the agent server


def test_another_endpoint_named_by_a_task_never_gets_the_servers_key(agent_server, llm, bsession):
    llm.set_script([])
    with ScriptedLLM([done("elsewhere")]) as elsewhere:
        r = bsession.agent.browser.execute_task_and_wait(
            "x", timeout=60, llm={
                "base_url": agent_server.allow_model(elsewhere.base_url), "model": "m"})
        assert r.task_result == "elsewhere"
        assert elsewhere.auth and all(SERVER_KEY not in a for a in elsewhere.auth), elsewhere.auth
    assert llm.requests == []


def test_the_servers_own_endpoint_keeps_its_key_however_it_is_spelled(llm, bsession):
    llm.set_script([done("ours")])
    seen = len(llm.auth)
    r = bsession.agent.browser.execute_task_and_wait("x", timeout=PATIENCE_S, llm={"base_url": llm.base_url + "/"})
    assert r.task_result == "ours" and llm.auth[seen:] == [f"Bearer {SERVER_KEY}"]


def test_a_key_given_with_another_endpoint_goes_there(agent_server, llm, bsession):
    llm.set_script([])
    with ScriptedLLM([done("own key")]) as elsewhere:
        bsession.agent.browser.execute_task_and_wait(
            "x", timeout=60, llm={
                "base_url": agent_server.allow_model(elsewhere.base_url), "model": "m", "api_key": "sk-callers-own"})
        assert elsewhere.auth == ["Bearer sk-callers-own"]


def test_the_browser_operator_keeps_the_servers_key_at_home(agent_server, llm, bsession, site):
    agent = bsession.browser.agent
    agent.navigate(f"{site}/weather")
    llm.set_script([])
    with ScriptedLLM([call("candidates", actions=[])]) as elsewhere:
        assert agent.observe("anything", llm={
                "base_url": agent_server.allow_model(elsewhere.base_url), "model": "m"}) == []
        assert elsewhere.auth and all(SERVER_KEY not in a for a in elsewhere.auth), elsewhere.auth
    assert llm.requests == []


def test_merged_settings_keep_the_key_for_the_same_endpoint_only():
    ours = LLMConfig(base_url="https://Models.Example:443/v1/", api_key="sk-ours", model="a")
    assert ours.merged(model="b").api_key == "sk-ours"
    assert ours.merged(base_url="https://models.example/v1").api_key == "sk-ours"
    for other in ("https://models.example.evil/v1", "http://models.example/v1", "https://models.example:8443/v1",
                  "https://models.example/v2", "https://user@evil/v1", "not a url"):
        assert ours.merged(base_url=other).api_key == "", other
    assert ours.merged(base_url="https://elsewhere/v1", api_key="sk-theirs").api_key == "sk-theirs"
