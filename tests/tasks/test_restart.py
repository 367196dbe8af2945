"""A server that stops during a task never leaves it running: the next start resumes it where
its session survived, or ends it `interrupted` with every event kept; clients that were
streaming it reconnect by themselves and miss nothing."""
import json
import threading

import httpx

from openbay import CreateSessionParams
from tests.helpers.scripted_llm import ScriptedLLM, Turn, done
from tests.helpers.server import free_port, process_server, thread_server
from tests.helpers.waiting import PATIENCE_S, wait_for


def _wait_running(agent, task_id, model):
    wait_for(lambda: model.requests and agent.get_task_status(task_id).task_status == "running",
             what="the task to start")


def _get(server, path: str, **kw):
    return httpx.get(f"{server.base_url}{path}", headers={"Authorization": f"Bearer {server.admin_key}",
                                                          **kw.pop("headers", {})}, **kw)


def sse_events(server, task_id: str, last_event_id: int) -> list[tuple[int, dict]]:
    """(id, event) of each Server-Sent Event after Last-Event-ID, until the stream ends."""
    out, event_id = [], None
    with httpx.stream("GET", f"{server.base_url}/v1/tasks/{task_id}/events/stream", timeout=30,
                      headers={"Authorization": f"Bearer {server.admin_key}",
                               "Last-Event-ID": str(last_event_id)}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("id: "):
                event_id = int(line[4:])
            elif line.startswith("data: "):
                out.append((event_id, json.loads(line[6:])))
    return out


def test_a_killed_server_ends_its_task_interrupted_and_streaming_clients_go_on(tmp_path):
    port = free_port()
    with ScriptedLLM([Turn(hold_s=120, tool_calls=[("wait", {})])]) as model:
        env = {"OPENBAY_LLM_BASE_URL": model.base_url, "OPENBAY_LLM_MODEL": "scripted"}
        with process_server(tmp_path, env, port=port) as (server, proc):
            bay = server.client()
            s = bay.create(CreateSessionParams(image_id="browser")).session
            seen = []
            ex = s.agent.browser.execute_task("a long one", on_status=seen.append)
            _wait_running(s.agent.browser, ex.task_id, model)
            proc.kill()  # SIGKILL: no shutdown code runs, as in a crash
            proc.wait()
        model.set_script([done("went on after the restart")])  # if the session survived
        # the next run, on the same port: the SDK's stream finds it again by itself
        with process_server(tmp_path, env, port=port) as (server, proc):
            r = ex.wait(timeout=PATIENCE_S)
            session = _get(server, f"/v1/sessions/{s.session_id}").json()
            events = _get(server, f"/v1/tasks/{ex.task_id}/events").json()["events"]
            assert [e["seq"] for e in events] == list(range(1, len(events) + 1))  # none lost
            # what the SDK's stream delivered is exactly what the store has, each event once
            assert [e.seq for e in ex.events] == [e["seq"] for e in events]
            assert seen[-1].payload["status"] == r.task_status
            if session["status"] == "running":  # its sandbox survived the crash: the task went on
                assert r.task_status == "finished" and r.task_result == "went on after the restart"
            else:
                assert r.task_status == "interrupted" and "did not survive" in r.error_message
                assert events[-1]["payload"]["status"] == "interrupted"
            # an SSE client that saw the first two events reconnects with Last-Event-ID: the rest
            rest = sse_events(server, ex.task_id, 2)
            assert [i for i, _ in rest] == [e["seq"] for e in events[2:]]
            assert [e for _, e in rest] == events[2:]
        bay.close()


def test_a_server_shut_down_mid_task_leaves_no_task_running(tmp_path):
    started = threading.Event()
    with ScriptedLLM([lambda body: (started.set(), Turn(hold_s=120, tool_calls=[("wait", {})]))[1]]) as model:
        with thread_server(tmp_path, llm_base_url=model.base_url, llm_model="scripted") as server:
            bay = server.client()
            s = bay.create(CreateSessionParams(image_id="browser")).session
            ex = s.agent.browser.execute_task("a long one")
            assert started.wait(PATIENCE_S)
        bay.close()
        with thread_server(tmp_path, llm_base_url="", llm_model="") as server:
            info = _get(server, f"/v1/tasks/{ex.task_id}").json()
            session = _get(server, f"/v1/sessions/{s.session_id}").json()
            if session["status"] == "running":  # the sandbox outlived the server: the task went on,
                info = wait_for(  # and failed for want of a model this time
                    lambda: (lambda i: i if i["status"] != "running" else None)(
                        _get(server, f"/v1/tasks/{ex.task_id}").json()), what="the task to end")
                assert info["status"] == "failed" and "OPENBAY_LLM_BASE_URL" in info["error_message"]
            else:  # the session ended with the server: the task cannot go on
                assert info["status"] == "interrupted" and "did not survive" in info["error_message"]
            # and a task with no model configured fails at once, saying how to configure one
            bay = server.client()
            s2 = bay.create(CreateSessionParams(image_id="browser")).session
            r = s2.agent.browser.execute_task_and_wait("anything", timeout=PATIENCE_S)
            assert r.task_status == "failed" and "OPENBAY_LLM_BASE_URL" in r.error_message
            s2.delete()
            bay.close()
