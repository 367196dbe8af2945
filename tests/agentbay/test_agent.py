"""session.agent as AgentBay documents it, on a browser session whose agent talks to the
scripted model: AgentBay's argument order, structured output, status, terminate."""
import json

import httpx
import pytest
from pydantic import BaseModel

from openbay.agentbay import AgentBay, BrowserOption, CreateSessionParams
from tests.helpers.scripted_llm import Turn, call, done
from tests.helpers.waiting import wait_for
from tests.tasks.conftest import agent_server, llm  # noqa: F401  (the task suite's server and model)


class Weather(BaseModel):
    city: str
    weather: str


@pytest.fixture
def browser_session(agent_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("AGENTBAY_API_KEY", agent_server.admin_key)
    monkeypatch.setenv("AGENTBAY_ENDPOINT", agent_server.base_url)
    agent_bay = AgentBay()
    r = agent_bay.create(CreateSessionParams(image_id="browser_latest"))
    assert r.success, r.error_message
    yield r.session
    r.session.delete()
    agent_bay.close()


def _task(server, task_id: str) -> dict:
    return httpx.get(f"{server.base_url}/v1/tasks/{task_id}",
                     headers={"Authorization": f"Bearer {server.admin_key}"}).json()


def test_browser_agent_in_agentbays_argument_order(llm, site, browser_session, agent_server):  # noqa: F811
    agent = browser_session.agent.browser
    assert agent.initialize(BrowserOption()) is True
    llm.set_script([call("go_to_url", url=site + "/weather"),
                    done("Shanghai is sunny", data={"city": "Shanghai", "weather": "Sunny"})])
    r = agent.execute_task_and_wait(f"Open {site}/weather: Shanghai's weather?", 120, False, Weather)
    assert r.success and r.task_status == "finished" and r.task_id
    assert json.loads(r.task_result) == {"city": "Shanghai", "weather": "Sunny"}

    # execute_task(task, True) is use_vision=True, not max_steps=1
    llm.set_script([Turn(hold_s=600, tool_calls=[("wait", {"seconds": 0})])])
    started = agent.execute_task("look at the page", True)
    assert started.success and started.task_status == "running" and started.task_id
    assert _task(agent_server, started.task_id)["max_steps"] == 50
    wait_for(lambda: llm.requests, what="the model to be asked")
    content = llm.requests[-1]["messages"][-1]["content"]
    assert any(part.get("type") == "image_url" for part in content)  # vision: the model sees a screenshot
    stopped = agent.terminate_task(started.task_id)
    assert stopped.success and stopped.task_status == "cancelled"
    status = agent.get_task_status(started.task_id)
    assert status.success and status.task_status == "cancelled"


def test_a_task_that_fails_answers_in_agentbays_shape(llm, browser_session):  # noqa: F811
    llm.set_script([call("wait", seconds=0)] * 60)
    r = browser_session.agent.browser.execute_task_and_wait("never done", 2)
    assert not r.success and r.task_result == "Task Failed" and r.error_message
    missing = browser_session.agent.browser.get_task_status("t-no-such-task")
    assert not missing.success and missing.error_message


def test_callbacks_get_agentbays_agent_event():
    from datetime import datetime, timezone

    from openbay.agentbay import AgentEvent
    from openbay.agentbay.agent import _agentbay_events
    from openbay.sdk.task_stream import AgentEvent as OpenBayEvent

    seen = []
    callback = _agentbay_events(lambda e: seen.append(e) or "the answer")
    now = datetime.now(timezone.utc)
    wire = [("tool_call", {"id": "c1", "name": "click", "args": {"index": 3}, "step": 2}),
            ("tool_result", {"id": "c1", "name": "click", "ok": True, "output": "clicked", "step": 2}),
            ("call_for_user", {"content": "Which city?", "timeout_s": 60, "kind": "question"}),
            ("reasoning", {"content": "thinking", "step": 1}),
            ("error", {"message": "the model failed"})]
    answers = [callback(OpenBayEvent(kind, i, "t-1", now, payload)) for i, (kind, payload) in enumerate(wire)]
    assert answers == ["the answer"] * 5  # what a callback returns (on_call_for_user's reply) goes back
    call, result, ask, think, error = seen
    assert all(isinstance(e, AgentEvent) for e in seen)
    assert (call.type, call.tool_call_id, call.tool_name, call.args, call.round) == ("tool_call", "c1", "click",
                                                                                    {"index": 3}, 2)
    assert result.result == {"output": "clicked", "ok": True} and result.content == "clicked"
    assert ask.prompt == "Which city?" and ask.tool_name == "call_for_user"
    assert (think.content, think.round) == ("thinking", 1)
    assert error.error == {"message": "the model failed"} and error.content == "the model failed"
