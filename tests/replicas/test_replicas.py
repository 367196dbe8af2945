"""Three `openbay serve` replicas on one PostgreSQL and one sandbox root serve the same users:
a session made through one is used through the others, a task's events stream from a replica
that does not run it, and a task whose replica is killed (-9) goes on to its end on another."""
import json
import re
import threading
import time

import httpx
import pytest
from websockets.sync.client import connect

from openbay import CreateSessionParams
from tests.helpers import postgres
from tests.helpers.errors import raised
from tests.helpers.replicas import replica_set
from tests.helpers.scripted_llm import ScriptedLLM, Turn, call, done
from tests.helpers.waiting import PATIENCE_S, wait_for

pytestmark = pytest.mark.skipif(not postgres.available(), reason="Debian postgresql is not installed")


def sse_events(server, task_id: str, out: list) -> None:
    """Every event of the task as Server-Sent Events from `server`, until the stream ends."""
    with httpx.stream("GET", f"{server.base_url}/v1/tasks/{task_id}/events/stream", timeout=120,
                      headers={"Authorization": f"Bearer {server.admin_key}"}) as r:
        for line in r.iter_lines():
            if line.startswith("data: "):
                out.append(json.loads(line[6:]))


def ws_events(server, task_id: str, out: list) -> None:
    """Every event of the task over the WebSocket of `server`, until it closes the stream."""
    url = f"ws{server.base_url[4:]}/v1/tasks/{task_id}/events?token={server.admin_key}"
    with connect(url) as ws:
        for raw in ws:
            out.append(json.loads(raw))


def metric(server, name: str) -> int:
    text = httpx.get(f"{server.base_url}/metrics", headers={"Authorization": f"Bearer {server.admin_key}"}).text
    m = re.search(rf"^openbay_{name}_total (\d+)", text, re.M)
    return int(m.group(1)) if m else 0


def test_three_replicas_serve_one_session_and_a_task_outlives_its_replica(tmp_path):
    asked = threading.Event()

    def second_step(body):
        asked.set()
        return Turn(hold_s=120, tool_calls=[("wait", {"seconds": 0})])  # its replica is killed meanwhile

    with ScriptedLLM([call("wait", seconds=0), second_step]) as model:
        env = {"OPENBAY_LLM_BASE_URL": model.base_url, "OPENBAY_LLM_MODEL": "scripted"}
        with replica_set(tmp_path, 3, env) as replicas:
            r1, r2, r3 = replicas.servers
            bay1, bay2, bay3 = (r.client() for r in replicas.servers)
            made = bay1.create(CreateSessionParams(image_id="browser", labels={"made": "r1"})).session
            sid = made.session_id
            on2, on3 = bay2.get(sid).session, bay3.get(sid).session
            assert on2.command.execute_command("echo $((6*7))").output == "42\n"
            on3.file_system.write_file("/home/user/a.txt", "written through replica 3")
            assert on2.file_system.read_file("/home/user/a.txt").content == "written through replica 3"
            on2.set_labels({"made": "r1", "labelled": "r2"})
            assert on3.get_labels() == {"made": "r1", "labelled": "r2"}
            assert [s for s in bay3.list(labels={"labelled": "r2"}).session_ids] == [sid]
            # another owner sees the session through no replica
            stranger = r3.client(r1.new_owner_key("stranger"))
            assert raised(lambda: stranger.get(sid)).status == 404

            # a task submitted through replica 2 runs there; replica 3 streams it
            ex = on2.agent.browser.execute_task("two steps; the replica running it dies between them")
            streamed, on_socket = [], []  # SSE from replica 3, the WebSocket of replica 1
            readers = [threading.Thread(target=sse_events, args=(r3, ex.task_id, streamed), daemon=True),
                       threading.Thread(target=ws_events, args=(r1, ex.task_id, on_socket), daemon=True)]
            for reader in readers:
                reader.start()
            assert asked.wait(PATIENCE_S), "the task never reached its second step"
            model.set_script([done("went on on another replica")])
            replicas.procs[1].kill()  # SIGKILL: replica 2 runs no shutdown code
            replicas.procs[1].wait()
            for reader in readers:
                reader.join(120)
                assert not reader.is_alive(), "a stream on another replica did not end"

            info = httpx.get(f"{r3.base_url}/v1/tasks/{ex.task_id}",
                             headers={"Authorization": f"Bearer {r3.admin_key}"}).json()
            assert info["status"] == "finished" and info["result"] == "went on on another replica"
            assert [log["step"] for log in info["execution_logs"]] == [1, 2]  # step 1 was not redone
            stored = httpx.get(f"{r1.base_url}/v1/tasks/{ex.task_id}/events", params={"limit": 1000},
                               headers={"Authorization": f"Bearer {r1.admin_key}"}).json()["events"]
            assert [e["seq"] for e in stored] == list(range(1, len(stored) + 1))  # none lost, none twice
            assert streamed == stored == on_socket  # both streamed every event, in order, each once
            statuses = [e["payload"] for e in stored if e["type"] == "status"]
            assert {"status": "running", "resumed_from_step": 2} in statuses
            assert statuses[-1]["status"] == "finished"

            # the session goes on after its task's replica died; deleted through one, gone on all
            assert on3.command.execute_command("cat /home/user/a.txt").output == "written through replica 3"
            made.delete()
            for bay in (bay1, bay3):
                assert raised(lambda b=bay: b.get(sid).session.command.execute_command("true")).status == 410
            for bay in (bay1, bay2, bay3, stranger):
                bay.close()


def test_two_replicas_never_reap_the_same_session_nor_one_in_use_elsewhere(tmp_path):
    env = {"OPENBAY_REAP_INTERVAL_S": "0.5"}
    with replica_set(tmp_path, 2, env) as replicas:
        r1, r2 = replicas.servers
        bay1, bay2 = r1.client(), r2.client()
        # 15 s idle: far more than a loaded machine takes between two of the calls below
        s = bay1.create(CreateSessionParams(timeout_s=15)).session
        on2 = bay2.get(s.session_id).session
        assert on2.command.execute_command("echo adopted").output == "adopted\n"  # replica 2 has it too
        # used through replica 1 only, for longer than its timeout: replica 2 must not reap it
        until = time.monotonic() + 25
        while time.monotonic() < until:
            assert s.command.execute_command("true").exit_code == 0
            time.sleep(0.5)
        assert on2.info().status == "running"
        # left idle: it expires, ended by exactly one of the two
        wait_for(lambda: status_of(r2, s.session_id) != "running", interval_s=0.5, what="the idle session's reaping")
        assert status_of(r1, s.session_id) == "expired"
        time.sleep(2)  # a second reaper pass on each replica
        assert metric(r1, "sessions_expired") + metric(r2, "sessions_expired") == 1
        bay1.close()
        bay2.close()


def status_of(server, session_id: str) -> str:
    r = httpx.get(f"{server.base_url}/v1/sessions/{session_id}",
                  headers={"Authorization": f"Bearer {server.admin_key}"})
    return r.json()["status"]


def test_a_task_is_answered_and_terminated_through_a_replica_that_does_not_run_it(tmp_path):
    held = threading.Event()

    def hold(body):
        held.set()
        return Turn(hold_s=600, tool_calls=[("wait", {})])  # until terminated (or the model closes)

    with ScriptedLLM([call("call_for_user", question="Which city?"), hold]) as model:
        env = {"OPENBAY_LLM_BASE_URL": model.base_url, "OPENBAY_LLM_MODEL": "scripted"}
        with replica_set(tmp_path, 2, env) as replicas:
            r1, r2 = replicas.servers
            auth = {"Authorization": f"Bearer {r2.admin_key}"}
            s = r1.client().create(CreateSessionParams(image_id="browser")).session
            ex = s.agent.browser.execute_task("asks, then takes long")  # runs on replica 1
            wait_for(lambda: httpx.post(f"{r2.base_url}/v1/tasks/{ex.task_id}/reply", json={"content": "Lisbon"},
                                        headers=auth).status_code != 409,  # 409: not asking yet
                     interval_s=0.2, what="the task to ask")
            assert held.wait(PATIENCE_S), "the answer never reached the task"
            assert "Lisbon" in str(model.requests[-1]["messages"])  # the model was given the answer
            r = httpx.post(f"{r2.base_url}/v1/tasks/{ex.task_id}/terminate", headers=auth)
            assert r.status_code == 200 and r.json()["status"] == "cancelled"
            assert httpx.post(f"{r2.base_url}/v1/tasks/{ex.task_id}/reply", json={"content": "late"},
                              headers=auth).status_code == 409
            s.delete()
