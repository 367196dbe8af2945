"""The "what a user can do" block, against a real server, browser sessions and the scripted model."""
import threading

import httpx
import pytest
from pydantic import BaseModel

from openbay import CreateSessionParams
from tests.helpers.errors import raised
from tests.helpers.scripted_llm import ScriptedLLM, Turn, call, done, on_text
from tests.helpers.waiting import PATIENCE_S, wait_for


class Weather(BaseModel):
    city: str
    weather: str


def test_execute_task_and_wait_with_an_output_schema(llm, bsession, site):
    llm.set_script([call("go_to_url", url=site + "/weather"),
                    done("Shanghai is sunny", data={"city": "Shanghai", "weather": "Sunny"})])
    r = bsession.agent.browser.execute_task_and_wait(
        f"Open {site}/weather and tell me Shanghai's weather", timeout=120, use_vision=False,
        output_schema=Weather)
    assert r.task_status == "finished" and r.task_id.startswith("t-") and r.request_id
    assert r.task_result == Weather(city="Shanghai", weather="Sunny")
    assert r.steps == 2 and r.usage["total_tokens"] == 240 and r.screenshots == []
    assert [log["url"] for log in r.execution_logs][1] == site + "/weather"
    # the schema travelled to the model as the done tool's data parameter
    done_tool = next(t for t in llm.requests[0]["tools"] if t["function"]["name"] == "done")
    assert done_tool["function"]["parameters"]["properties"]["data"]["required"] == ["city", "weather"]
    # the model's key is sent to the model, and never kept with the task
    status = bsession.agent.browser.get_task_status(r.task_id)
    assert status.task_status == "finished" and status.task_product == "Shanghai is sunny"
    assert status.task_action == "done" and status.steps == 2


def test_callbacks_stream_every_kind_of_event_in_order(llm, bsession, site):
    llm.set_script([Turn(reasoning="First I open the page.", content="Opening.",
                         tool_calls=[("go_to_url", {"url": site + "/weather"})]),
                    call("click_element", index=99),
                    done("ok")])
    seen = []
    ex = bsession.agent.browser.execute_task(
        "weather", max_steps=30, on_reasoning=lambda e: seen.append(("reasoning", e.content)),
        on_content=lambda e: seen.append(("content", e.content)),
        on_tool_call=lambda e: seen.append(("tool_call", e.payload["name"])),
        on_tool_result=lambda e: seen.append(("tool_result", e.payload["ok"])),
        on_error=lambda e: seen.append(("error", e.content)),
        on_status=lambda e: seen.append(("status", e.content)))
    r = ex.wait(timeout=120)
    assert r.task_id == ex.task_id
    kinds = [k for k, _ in seen]
    assert ("reasoning", "First I open the page.") in seen and ("content", "Opening.") in seen
    assert kinds.index("reasoning") < kinds.index("tool_call")
    assert [v for k, v in seen if k == "tool_call"] == ["go_to_url", "click_element", "done"]
    assert [v for k, v in seen if k == "tool_result"] == [True, False, True]
    assert any(k == "error" and "no element [99]" in v for k, v in seen)
    assert [v for k, v in seen if k == "status"] == ["pending", "running", "finished"][-len(
        [1 for k, _ in seen if k == "status"]):]
    seqs = [e.seq for e in ex.events]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # none lost, none twice


def test_call_for_user_round_trip_over_the_socket(llm, bsession):
    llm.set_script([call("call_for_user", question="Which city?"), done("ok")])
    asked = []

    def answer(e):
        asked.append(e.content)
        return "Hangzhou"

    bsession.agent.browser.execute_task_and_wait("ask me", timeout=120, on_call_for_user=answer)
    assert asked == ["Which city?"]
    tool_results = [m["content"] for m in llm.requests[1]["messages"] if m["role"] == "tool"]
    assert "the person answered: Hangzhou" in tool_results[-1]


def test_call_for_user_answered_over_rest(llm, bsession):
    llm.set_script([call("call_for_user", question="Code?"), done("ok")])
    agent = bsession.agent.browser
    ex = agent.execute_task("needs a code")
    wait_for(lambda: any(e.type == "call_for_user" for e in agent.list_events(ex.task_id)),
             what="the task to ask")
    agent.reply(ex.task_id, "123456")
    raised(lambda: agent.reply(ex.task_id, "again"))  # nothing is asked any more
    assert ex.wait(timeout=PATIENCE_S).finished
    assert "the person answered: 123456" in str(llm.requests[1]["messages"])


def test_terminate_mid_task(llm, bsession):
    llm.set_script([Turn(hold_s=600, tool_calls=[("wait", {"seconds": 1})])])
    agent = bsession.agent.browser
    ex = agent.execute_task("think for a long time")
    wait_for(lambda: llm.requests and agent.get_task_status(ex.task_id).task_status == "running",
             what="the task to ask the model")
    stopped = agent.terminate_task(ex.task_id)
    assert stopped.task_status == "cancelled"
    r = ex.wait(timeout=PATIENCE_S)
    assert r.task_status == "cancelled" and "terminated by the user" in r.error_message
    raised(lambda: agent.terminate_task(ex.task_id))  # already ended: 409
    events = agent.list_events(ex.task_id)
    assert events[-1].type == "status" and events[-1].content == "cancelled"


def test_one_task_per_session_and_many_across_sessions(agent_server, bsession, site, make_session):
    other = make_session("browser", source=agent_server)
    with ScriptedLLM() as m1, ScriptedLLM() as m2:
        hold = threading.Event()
        m1.set_script([lambda body: (hold.wait(PATIENCE_S), call("go_to_url", url=site + "/weather"))[1],
                       done("one")])
        m2.set_script([call("go_to_url", url=site + "/counter"), on_text("click_element", "Add one"),
                       done("two")])
        a = bsession.agent.browser.execute_task("one", llm={
            "base_url": agent_server.allow_model(m1.base_url), "model": "m1"})
        busy = raised(lambda: bsession.agent.browser.execute_task("again"))
        assert a.task_status == "pending"
        assert busy.code == "conflict" and "already running" in busy.message
        b = other.agent.browser.execute_task("two", llm={
            "base_url": agent_server.allow_model(m2.base_url), "model": "m2"})
        rb = b.wait(120)
        hold.set()
        ra = a.wait(120)
    assert ra.task_result == "one" and rb.finished and rb.task_result == "two"
    assert m1.requests[0]["model"] == "m1" and m2.requests[0]["model"] == "m2"


def test_budgets_end_a_task_with_a_clear_reason(llm, bsession):
    agent = bsession.agent.browser
    llm.set_script([call("wait", seconds=0)] * 3)
    r = agent.execute_task_and_wait("loop", timeout=PATIENCE_S, max_steps=2)
    assert r.task_status == "failed" and "max_steps (2) reached" in r.error_message
    llm.set_script([call("wait", seconds=0)] * 3)
    r = agent.execute_task_and_wait("spend", timeout=PATIENCE_S, max_tokens=150)
    assert r.task_status == "failed" and "token budget exceeded" in r.error_message
    llm.set_script([Turn(hold_s=30, tool_calls=[("wait", {"seconds": 0})])])
    r = agent.execute_task("slow", timeout=1).wait(timeout=60)
    assert r.task_status == "timed_out" and "timeout of 1s" in r.error_message


def test_requests_are_checked(agent_server, bsession, make_session):
    agent = bsession.agent.browser
    raised(lambda: bsession.agent.computer.execute_task("x").wait(1))  # a browser session is not a computer
    linux = make_session(source=agent_server)
    r = raised(lambda: linux.agent.browser.execute_task("x").wait(1))
    assert "image_id 'browser'" in r.message
    with pytest.raises(ValueError, match="not a valid JSON schema"):  # checked before sending
        agent.execute_task("x", output_schema={"type": "no-such-type"})
    headers = {"Authorization": f"Bearer {agent_server.admin_key}"}
    url = f"{agent_server.base_url}/v1/sessions/{bsession.session_id}/agent/browser/tasks"
    assert httpx.post(url, json={"task": ""}, headers=headers).status_code == 422
    assert httpx.post(url, json={"task": "x", "max_steps": 0}, headers=headers).status_code == 422
    assert httpx.post(url, json={"task": "x", "llm": {"base_url": "ftp://x"}}, headers=headers).status_code == 422
    bad_schema = httpx.post(url, json={"task": "x", "output_schema": {"type": "no-such-type"}}, headers=headers)
    assert bad_schema.status_code == 422 and "output_schema" in bad_schema.json()["error"]["message"]


def test_other_owners_cannot_see_or_touch_a_task(llm, agent_server, bsession):
    llm.set_script([done("mine")])
    r = bsession.agent.browser.execute_task_and_wait("mine", timeout=PATIENCE_S)
    stranger = agent_server.client(agent_server.new_owner_key("stranger"))
    try:
        raised(lambda: stranger.get(bsession.session_id))
        headers = {"Authorization": f"Bearer {agent_server.new_owner_key('stranger2')}"}
        for method, path in (("GET", ""), ("GET", "/events"), ("POST", "/terminate")):
            resp = httpx.request(method, f"{agent_server.base_url}/v1/tasks/{r.task_id}{path}", headers=headers)
            assert resp.status_code == 404, path
    finally:
        stranger.close()


def test_deleting_the_session_ends_its_task(llm, abay):
    s = abay.create(CreateSessionParams(image_id="browser")).session
    gone = threading.Event()  # the model answers its second question once the session is deleted
    llm.set_script([call("wait", seconds=0),
                    lambda body: (gone.wait(PATIENCE_S), call("wait", seconds=0))[1],
                    call("wait", seconds=0)])
    agent = s.agent.browser
    ex = agent.execute_task("outlive the session")
    wait_for(lambda: len(llm.requests) >= 2, what="the task's second step")
    s.delete()
    gone.set()
    r = ex.wait(timeout=PATIENCE_S)
    assert r.task_status == "failed" and "browser failed" in r.error_message


def test_a_per_task_model_key_is_used_but_never_stored(agent_server, bsession):
    with ScriptedLLM([done("ok")]) as model:
        bsession.agent.browser.execute_task_and_wait(
            "x", timeout=60, llm={
                "base_url": agent_server.allow_model(model.base_url), "model": "m", "api_key": "sk-per-task-secret"})
        assert model.auth == ["Bearer sk-per-task-secret"]
    stored = b"".join(p.read_bytes() for p in agent_server.home.glob("openbay.db*"))
    assert b"sk-per-task-secret" not in stored and b"sk-test-secret" not in stored


def test_an_unanswered_call_for_user_times_out_and_the_task_goes_on(llm, bsession):
    llm.set_script([call("call_for_user", question="Anyone there?"), done("went on without an answer")])
    r = bsession.agent.browser.execute_task_and_wait("ask nobody", timeout=PATIENCE_S, call_for_user_timeout=1)
    assert r.task_result == "went on without an answer"
    assert "the person did not answer in time" in str(llm.requests[1]["messages"])
    errors = [e for e in bsession.agent.browser.list_events(r.task_id) if e.type == "error"]
    assert "no answer from the person within 1s" in errors[0].content
