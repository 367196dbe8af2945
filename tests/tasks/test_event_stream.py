"""The event WebSocket itself: resume from a sequence number, replies, auth, and the REST list."""
import asyncio
import json
import threading

import pytest
import websockets
from websockets.sync.client import connect

from tests.helpers.scripted_llm import Turn, call, done
from tests.helpers.sessions import new_async_session
from tests.helpers.waiting import PATIENCE_S


def ws_url(server, task_id, after_seq=0, token=None):
    url = f"ws{server.base_url[4:]}/v1/tasks/{task_id}/events?after_seq={after_seq}"
    return url + (f"&token={token}" if token else "")


def test_a_client_that_drops_and_reconnects_misses_nothing(agent_server, llm, bsession):
    gate = threading.Event()
    llm.set_script([call("wait", seconds=0),
                    lambda body: (gate.wait(PATIENCE_S), call("wait", seconds=0))[1],
                    done("ok")])
    ex = bsession.agent.browser.execute_task("several steps")
    auth = {"Authorization": f"Bearer {agent_server.admin_key}"}
    first = []
    with connect(ws_url(agent_server, ex.task_id), additional_headers=auth) as ws:
        while len(first) < 4:  # pending, running, tool_call, tool_result
            first.append(json.loads(ws.recv(timeout=PATIENCE_S)))
    # gone for a while: the task goes on and ends
    gate.set()
    assert ex.wait(PATIENCE_S).finished
    # back with the last seq seen (the API key as token, as browsers must): exactly the rest
    rest = []
    with connect(ws_url(agent_server, ex.task_id, first[-1]["seq"], token=agent_server.admin_key)) as ws:
        for raw in ws:
            rest.append(json.loads(raw))
    seqs = [e["seq"] for e in first + rest]
    assert seqs == list(range(1, len(seqs) + 1))
    assert rest[-1]["type"] == "status" and rest[-1]["payload"]["status"] == "finished"
    # and the REST list pages the same events
    listed = bsession.agent.browser.list_events(ex.task_id, after_seq=2, limit=3)
    assert [e.seq for e in listed] == [3, 4, 5]


def test_the_stream_of_an_ended_task_replays_and_closes(agent_server, llm, bsession):
    llm.set_script([done("ok")])
    r = bsession.agent.browser.execute_task_and_wait("quick", timeout=PATIENCE_S)
    with connect(ws_url(agent_server, r.task_id, token=agent_server.admin_key)) as ws:
        events = [json.loads(m) for m in ws]
    assert events[0]["payload"]["status"] == "pending" and events[-1]["payload"]["status"] == "finished"


def test_replies_on_the_socket_and_bad_messages_are_answered(agent_server, llm, bsession):
    early_answered = threading.Event()  # the model asks its question only once "too early" was refused
    llm.set_script([lambda body: (early_answered.wait(PATIENCE_S), call("call_for_user", question="Name?"))[1],
                    done("ok")])
    ex = bsession.agent.browser.execute_task("ask")
    with connect(ws_url(agent_server, ex.task_id, token=agent_server.admin_key)) as ws:
        ws.send("not json")
        ws.send(json.dumps({"type": "reply", "content": "too early"}))
        acks, asked = [], None
        for raw in ws:
            msg = json.loads(raw)
            if msg["type"] == "reply_ack":
                acks.append(msg)
                if len(acks) == 2:
                    early_answered.set()
            elif msg["type"] == "call_for_user":
                asked = msg
                ws.send(json.dumps({"type": "reply", "content": "Ada"}))
        assert asked["payload"]["content"] == "Name?"
    assert [a["ok"] for a in acks] == [False, False, True]
    assert "bad message" in acks[0]["message"] and "not waiting" in acks[1]["message"]
    assert ex.wait(PATIENCE_S).finished and "the person answered: Ada" in str(llm.requests[1]["messages"])


@pytest.mark.parametrize("key, code", [("", 4401), ("ob_wrong", 4401), ("stranger", 4404)])
def test_the_socket_refuses_strangers(agent_server, llm, bsession, key, code):
    llm.set_script([done("ok")])
    r = bsession.agent.browser.execute_task_and_wait("quick", timeout=PATIENCE_S)
    if key == "stranger":
        key = agent_server.new_owner_key("ws-stranger")
    with connect(ws_url(agent_server, r.task_id, token=key or None)) as ws:
        msg = json.loads(ws.recv(timeout=PATIENCE_S))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            ws.recv(timeout=PATIENCE_S)
    assert msg["type"] == "error" and closed.value.rcvd.code == code


def test_bad_after_seq_is_refused(agent_server, llm, bsession):
    llm.set_script([done("ok")])
    r = bsession.agent.browser.execute_task_and_wait("quick", timeout=PATIENCE_S)
    with connect(ws_url(agent_server, r.task_id, "-1", token=agent_server.admin_key)) as ws:
        assert "after_seq" in json.loads(ws.recv(timeout=PATIENCE_S))["error"]["message"]


async def test_the_async_client_does_the_same_with_awaits(agent_server, llm, site):
    from pydantic import BaseModel

    from openbay import AsyncOpenBay

    class Weather(BaseModel):
        city: str
        weather: str

    llm.set_script([Turn(reasoning="Looking.", tool_calls=[("go_to_url", {"url": site + "/weather"})]),
                    call("call_for_user", question="Which city?"),
                    done("sunny", data={"city": "Shanghai", "weather": "Sunny"})])
    async with AsyncOpenBay(api_key=agent_server.admin_key, base_url=agent_server.base_url) as bay:
        async with new_async_session(bay, "browser") as s:
            reasoning = []

            async def answer(e):
                await asyncio.sleep(0)
                return "Shanghai"

            r = await s.agent.browser.execute_task_and_wait(
                "weather", timeout=120, output_schema=Weather, on_reasoning=lambda e: reasoning.append(e.content),
                on_call_for_user=answer)
            assert r.task_result == Weather(city="Shanghai", weather="Sunny")
            assert reasoning == ["Looking."]
            status = await s.agent.browser.get_task_status(r.task_id)
            assert status.task_status == "finished" and status.steps == 3
            llm.set_script([Turn(hold_s=600, tool_calls=[("wait", {})])])
            ex = await s.agent.browser.execute_task("long")
            while not llm.requests or (await s.agent.browser.get_task_status(ex.task_id)).task_status != "running":
                await asyncio.sleep(0.1)
            await s.agent.browser.terminate_task(ex.task_id)
            assert (await ex.wait(PATIENCE_S)).task_status == "cancelled"
