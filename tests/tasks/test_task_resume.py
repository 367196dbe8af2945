"""A task whose server stopped while its session stayed alive goes on from its last stored step.

The server restart is played inside one server: the runner stops the task the way a shutdown
does (left `running` in the store, no runner), then the start-up recovery runs again."""
import threading

import httpx

from tests.helpers.scripted_llm import Turn, call, done
from tests.helpers.waiting import PATIENCE_S, wait_for


def events_of(server, task_id: str) -> list[dict]:
    r = httpx.get(f"{server.base_url}/v1/tasks/{task_id}/events", params={"limit": 1000},
                  headers={"Authorization": f"Bearer {server.admin_key}"})
    return r.json()["events"]


def test_a_task_left_running_resumes_from_its_last_stored_step(agent_server, llm, bsession):
    asked = threading.Event()

    def second_step(body):
        asked.set()
        return Turn(hold_s=600, tool_calls=[("wait", {"seconds": 0})])  # the server stops meanwhile

    llm.set_script([call("wait", seconds=0), second_step])
    ex = bsession.agent.browser.execute_task("two steps, with a restart between")
    assert asked.wait(PATIENCE_S), "the task never reached its second step"
    state = agent_server.services
    agent_server.call(state.tasks.runner.shutdown())  # as at a server stop: the task stays running
    assert state.tasks.runner.running == {}
    info = bsession.agent.browser.get_task_status(ex.task_id)
    assert info.task_status == "running"

    llm.set_script([done("went on after the restart")])
    resumed, interrupted = agent_server.call(state.tasks.recover())
    assert (resumed, interrupted) == ([ex.task_id], [])
    r = ex.wait(PATIENCE_S)
    assert r.task_status == "finished" and r.task_result == "went on after the restart"
    # the model saw what was done before the restart, and went on with step 2 (step 1 not redone)
    prompt = str(llm.requests[-1]["messages"])
    assert "before the task was interrupted and resumed" in prompt and "step 1: wait(" in prompt
    assert [log["step"] for log in r.execution_logs] == [1, 2]
    assert r.usage["total_tokens"] == 240  # 120 before the restart, 120 after
    events = events_of(agent_server, ex.task_id)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))  # none lost, none twice
    statuses = [e["payload"] for e in events if e["type"] == "status"]
    assert {"status": "running", "resumed_from_step": 2} in statuses
    assert statuses[-1]["status"] == "finished"


def test_a_task_whose_session_ended_is_interrupted_with_every_event_kept(agent_server, llm, abay):
    from tests.helpers.sessions import new_session
    asked = threading.Event()
    llm.set_script([lambda body: (asked.set(), Turn(hold_s=600, tool_calls=[("wait", {})]))[1]])
    with new_session(abay, "browser") as s:
        ex = s.agent.browser.execute_task("one long step")
        assert asked.wait(PATIENCE_S)
        state = agent_server.services
        agent_server.call(state.tasks.runner.shutdown())
        before = events_of(agent_server, ex.task_id)
    # the session is gone (deleted): the task cannot go on
    resumed, interrupted = agent_server.call(state.tasks.recover())
    assert ex.task_id in interrupted and ex.task_id not in resumed
    info = httpx.get(f"{agent_server.base_url}/v1/tasks/{ex.task_id}",
                     headers={"Authorization": f"Bearer {agent_server.admin_key}"}).json()
    assert info["status"] == "interrupted" and "did not survive" in info["error_message"]
    events = events_of(agent_server, ex.task_id)
    assert events[:len(before)] == before  # everything from before is kept as it was
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["payload"]["status"] == "interrupted"
    wait_for(lambda: s.agent.browser.get_task_status(ex.task_id).task_status == "interrupted",
             what="the SDK to see the task interrupted")
