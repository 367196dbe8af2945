"""A server that stops during a task: the task ends failed 'interrupted', never stays running."""
import time

import httpx
import pytest

from openbay import CreateSessionParams, OpenBayConnectionError
from tests.helpers.scripted_llm import ScriptedLLM, Turn
from tests.helpers.server import process_server, thread_server


def _wait_running(agent, task_id, model):
    deadline = time.monotonic() + 60
    while not model.requests or agent.get_task_status(task_id).task_status != "running":
        assert time.monotonic() < deadline, "the task did not start"
        time.sleep(0.1)


def test_a_killed_server_leaves_no_task_running(tmp_path):
    with ScriptedLLM([Turn(hold_s=120, tool_calls=[("wait", {})])]) as model:
        env = {"OPENBAY_LLM_BASE_URL": model.base_url, "OPENBAY_LLM_MODEL": "scripted"}
        with process_server(tmp_path, env) as (server, proc):
            bay = server.client()
            s = bay.create(CreateSessionParams(image_id="browser")).session
            ex = s.agent.browser.execute_task("a long one")
            _wait_running(s.agent.browser, ex.task_id, model)
            proc.kill()  # no shutdown code runs: as in a crash
            proc.wait()
            bay.close()
    # the next run, with no model configured at all
    with thread_server(tmp_path, llm_base_url="", llm_model="", llm_api_key="") as server:
        bay = server.client()
        info = httpx.get(f"{server.base_url}/v1/tasks/{ex.task_id}",
                         headers={"Authorization": f"Bearer {server.admin_key}"}).json()
        assert info["status"] == "failed" and info["error_message"] == "interrupted"
        events = httpx.get(f"{server.base_url}/v1/tasks/{ex.task_id}/events",
                           headers={"Authorization": f"Bearer {server.admin_key}"}).json()["events"]
        assert events[-1]["payload"] == {"status": "failed", "error_message": "interrupted"}
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        # and a task with no model configured fails at once, saying how to configure one
        s2 = bay.create(CreateSessionParams(image_id="browser")).session
        r = s2.agent.browser.execute_task_and_wait("anything", timeout=30)
        assert r.task_status == "failed" and "OPENBAY_LLM_BASE_URL" in r.error_message
        s2.delete()
        bay.close()


def test_a_server_shut_down_mid_task_fails_it_as_interrupted(tmp_path):
    with ScriptedLLM([Turn(hold_s=120, tool_calls=[("wait", {})])]) as model:
        with thread_server(tmp_path, llm_base_url=model.base_url, llm_model="scripted") as server:
            bay = server.client()
            s = bay.create(CreateSessionParams(image_id="browser")).session
            ex = s.agent.browser.execute_task("a long one", on_status=lambda e: None)
            _wait_running(s.agent.browser, ex.task_id, model)
        with pytest.raises(OpenBayConnectionError):  # the server is gone, and the SDK says so
            ex.wait(timeout=5)
        bay.close()
        with thread_server(tmp_path, llm_base_url=model.base_url, llm_model="scripted") as server:
            info = httpx.get(f"{server.base_url}/v1/tasks/{ex.task_id}",
                             headers={"Authorization": f"Bearer {server.admin_key}"}).json()
    assert info["status"] == "failed" and info["error_message"] == "interrupted: the server shut down"
