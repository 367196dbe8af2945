"""POST /v2/agent/browser_use/run: Qianfan's browser-use agent as Server-Sent Events,
read by ordinary SSE clients (httpx-sse, curl -N), against a real server and browser."""
import json
import subprocess
import threading

import httpx
import pytest
from httpx_sse import connect_sse

from openbay import MessageFilter
from openbay.sdk.errors import GoneError
from tests.helpers.scripted_llm import Turn, call, done, page_state_of, text_of
from tests.helpers.waiting import PATIENCE_S

THOUGHT, TOOL, CHAT = "/thought/thought_agent", "/toolcall/browser_use", "/chat/chat_agent"


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def run(server, body: dict, key: str | None = None) -> list[dict]:
    with httpx.Client(base_url=server.base_url, timeout=120) as client:
        with connect_sse(client, "POST", "/v2/agent/browser_use/run", json=body,
                         headers=auth(key or server.admin_key)) as source:
            assert source.response.headers["content-type"].startswith("text/event-stream")
            return [json.loads(e.data) for e in source.iter_sse()]


def parts(messages: list[dict], name: str) -> list[dict]:
    return [c for m in messages for c in m["content"] if c["name"] == name]


def watch_links(messages) -> list[str]:
    """Take the browser_url out of each preparing message (in place); the links, in order."""
    return [c["text"].pop("browser_url") for m in messages for c in m["content"]
            if c["name"] == TOOL and "browser_url" in c["text"]]


@pytest.fixture
def conversations(abay):
    made: list[str] = []
    yield made
    for sid in made:
        abay.delete(sid)


def test_a_run_streams_thoughts_tool_calls_and_the_answer(agent_server, llm, abay, site, conversations):
    llm.set_script([Turn(reasoning="The weather page has it.", tool_calls=[("go_to_url", {"url": site + "/weather"})]),
                    done("Shanghai is sunny", success=True)])
    messages = run(agent_server, {"query": "Shanghai weather today?", "screenshots": True})
    final = messages[-1]
    conversations.append(final["conversation_id"])
    assert final["role"] == "tool" and final["status"] == "done" and final["content"] == []
    assert final["message_id"].startswith(final["task_id"] + ".") and final["task_status"] == "finished"
    assert all(m["status"] == "running" for m in messages[:-1])

    thoughts = parts(messages, THOUGHT)
    assert "".join(t["text"]["info"] for t in thoughts) == "The weather page has it."
    assert {t["type"] for t in thoughts} == {"text"} and thoughts[0]["event"]["name"] == THOUGHT
    tools = parts(messages, TOOL)
    assert [m["role"] for m in messages if m["content"] and m["content"][0]["name"] == TOOL] == ["tool"] * len(tools)
    go, went, finished = tools
    assert go["type"] == "browser" and go["event"]["status"] == "preparing"
    assert go["text"]["action"] == [{"go_to_url": {"url": site + "/weather"}}]
    assert go["text"]["thought"]["next_goal"] == "The weather page has it."
    # where a person can watch the browser, without the key: the session's signed page
    watch = go["text"]["browser_url"]
    assert final["conversation_id"] in watch and "token=" in watch and httpx.get(watch).status_code == 200
    assert went["text"]["status"] == "success" and went["event"]["id"] == go["event"]["id"]
    assert finished["text"]["action"] == [{"done": {"text": "Shanghai is sunny", "success": True}}]
    assert finished["event"]["status"] == "done"
    answer = parts(messages, CHAT)
    assert [a["text"]["info"] for a in answer] == ["Shanghai is sunny"]
    ids = {thoughts[0]["event"]["id"], go["event"]["id"], answer[0]["event"]["id"]}
    assert len(ids) == 3 and all(i.startswith(final["task_id"] + ".") for i in ids)  # unique in the conversation

    # a front end shows the screenshot from its signed URL, without the key
    shot_ref = went["text"]["screenshot"]
    assert shot_ref["file_id"] == f"{final['task_id']}.1"
    shot = httpx.get(shot_ref["url"])
    assert shot.status_code == 200 and shot.headers["content-type"] == "image/jpeg"
    assert shot.content[:2] == b"\xff\xd8"
    bare = shot_ref["url"].split("?")[0]
    assert httpx.get(bare).status_code == 401
    assert httpx.get(bare + "?token=9999999999.00000000000000000000000000000000").status_code == 401
    assert httpx.get(bare.rsplit("/", 1)[0] + "/2?" + shot_ref["url"].split("?")[1]).status_code == 401
    assert httpx.get(bare, headers=auth(agent_server.admin_key)).status_code == 200


def test_a_conversation_id_continues_the_same_session(agent_server, llm, abay, site, conversations):
    llm.set_script([call("go_to_url", url=site + "/weather"), done("sunny")])
    first = run(agent_server, {"query": "Open the weather page", "screenshots": False})[-1]
    sid = first["conversation_id"]
    conversations.append(sid)
    llm.set_script([done("cloudy")])
    second = run(agent_server, {"query": "And Beijing?", "conversation_id": sid})[-1]
    assert second["conversation_id"] == sid and second["message_id"] != first["message_id"]
    assert "Weather today" in page_state_of(llm.requests[0])  # the same browser, still on that page
    told = next(text_of(m["content"]) for m in llm.requests[0]["messages"] if m["role"] == "user")
    assert "User: Open the weather page\nAgent: sunny\n\nThe task now: And Beijing?" in told
    tasks = abay.session_api.get_messages(sid, page_size=100, filter=MessageFilter(types=["task"]))
    assert [m.content for m in tasks.data] == ["Open the weather page", "And Beijing?"]


def test_a_failed_task_ends_the_stream_with_its_error(agent_server, llm, abay, conversations):
    llm.set_script([Turn(status=500, content="model down")] * 4)
    final = run(agent_server, {"query": "anything", "screenshots": False})[-1]
    conversations.append(final["conversation_id"])
    assert final["status"] == "done" and final["task_status"] == "failed"
    assert final["error"]["code"] == "task_failed" and final["error"]["message"]
    with pytest.raises(GoneError, match="deleted"):  # the browser session made for it was deleted
        abay.get(final["conversation_id"])


def test_vision_is_off_unless_screenshots_are_asked_for(agent_server, llm, conversations):
    llm.set_script([done("no pictures")])
    messages = run(agent_server, {"query": "say hi"})
    conversations.append(messages[-1]["conversation_id"])
    sent = str(llm.requests[0]["messages"])
    assert "image_url" not in sent  # a text-only model works with the defaults


def test_a_long_answer_streams_in_pieces(agent_server, llm, conversations):
    text = "The forecast for Shanghai: " + " ".join(f"hour {h} sunny and warm;" for h in range(24))
    llm.set_script([done(text)])
    messages = run(agent_server, {"query": "forecast"})
    conversations.append(messages[-1]["conversation_id"])
    answer = parts(messages, CHAT)
    assert len(answer) > 3 and "".join(a["text"]["info"] for a in answer) == text
    assert len({a["event"]["id"] for a in answer}) == 1  # one event, in pieces


def test_errors_come_as_json_before_the_stream(agent_server, abay, bsession, stranger):
    url = f"{agent_server.base_url}/v2/agent/browser_use/run"
    cases = [
        ({}, {"query": "x"}, 401, "unauthorized"),
        (auth(agent_server.admin_key), {"query": ""}, 422, "validation_error"),
        (auth(agent_server.admin_key), {"nothing": 1}, 422, "validation_error"),
        (auth(agent_server.admin_key), {"query": "x", "conversation_id": "s-nope"}, 404, "not_found"),
        (stranger._runner.http.headers, {"query": "x", "conversation_id": bsession.session_id}, 404,
         "not_found"),
    ]
    for headers, body, status, code in cases:
        r = httpx.post(url, json=body, headers={"Authorization": headers.get("authorization", "")}
                       if "authorization" in headers else headers)
        assert r.status_code == status, r.text
        assert r.headers["content-type"] == "application/json" and r.json()["error"]["code"] == code
        assert r.json()["error"]["message"]
    bsession.delete()
    r = httpx.post(url, json={"query": "x", "conversation_id": bsession.session_id},
                   headers=auth(agent_server.admin_key))
    assert r.status_code == 410 and "has ended" in r.json()["error"]["message"]


def test_curl_reads_the_stream(agent_server, llm, abay, conversations):
    llm.set_script([done("curl works")])
    out = subprocess.run(
        ["curl", "-sN", "--max-time", "120", "-X", "POST", f"{agent_server.base_url}/v2/agent/browser_use/run",
         "-H", f"Authorization: Bearer {agent_server.admin_key}", "-H", "Content-Type: application/json",
         "--data", json.dumps({"query": "say hi", "screenshots": False})],
        capture_output=True, text=True, timeout=180, check=True).stdout
    lines = [line for line in out.split("\n") if line]
    assert lines and all(line.startswith(("data: ", "id: ")) for line in lines)  # id: for Last-Event-ID
    messages = [json.loads(line[len("data: "):]) for line in lines if line.startswith("data: ")]
    conversations.append(messages[-1]["conversation_id"])
    assert [a["text"]["info"] for a in parts(messages, CHAT)] == ["curl works"]
    assert messages[-1]["status"] == "done" and messages[-1]["message_id"]


def test_a_quiet_agent_keeps_the_stream_alive_with_comments(agent_server, llm, conversations, monkeypatch):
    from openbay.server.services import qianfan
    monkeypatch.setattr(qianfan, "KEEPALIVE_S", 0.1)
    kept_alive = threading.Event()  # the model thinks until the stream has kept itself alive
    llm.set_script([lambda body: (kept_alive.wait(PATIENCE_S),
                                  Turn(tool_calls=[("done", {"text": "after a long think"})]))[1]])
    lines = []
    with httpx.stream("POST", f"{agent_server.base_url}/v2/agent/browser_use/run",
                      json={"query": "think", "screenshots": False}, headers=auth(agent_server.admin_key),
                      timeout=PATIENCE_S) as r:
        for line in r.iter_lines():
            if line == ": keep-alive":
                kept_alive.set()
            if line:
                lines.append(line)
    assert ": keep-alive" in lines  # an SSE comment: clients skip it
    messages = [json.loads(line[len("data: "):]) for line in lines if line.startswith("data: ")]
    conversations.append(messages[-1]["conversation_id"])
    assert [a["text"]["info"] for a in parts(messages, CHAT)] == ["after a long think"]


def test_a_question_from_the_agent_is_answered_while_the_stream_runs(agent_server, llm, conversations):
    llm.set_script([call("call_for_user", question="Which city?"), done("Hangzhou it is")])
    seen = []
    with httpx.Client(base_url=agent_server.base_url, headers=auth(agent_server.admin_key), timeout=120) as client:
        with connect_sse(client, "POST", "/v2/agent/browser_use/run",
                         json={"query": "ask me", "screenshots": False}) as source:
            for event in source.iter_sse():
                seen.append(json.loads(event.data))
                asks = [c for c in seen[-1]["content"] if c["type"] == "call_for_user"]
                if asks:
                    assert asks[0]["text"]["info"] == "Which city?" and asks[0]["event"]["status"] == "waiting"
                    assert client.post(asks[0]["text"]["reply_url"], json={"content": "Hangzhou"}).status_code == 204
    conversations.append(seen[-1]["conversation_id"])
    assert [a["text"]["info"] for a in parts(seen, CHAT) if a["type"] == "text"] == ["Hangzhou it is"]
    assert "the person answered: Hangzhou" in str(llm.requests[1]["messages"])


def test_a_dropped_stream_goes_on_after_its_last_event_id(agent_server, llm, conversations):
    """What a client whose connection dropped reads: the messages after Last-Event-ID, with the
    ids they would have had (so tool results still pair with their calls)."""
    llm.set_script([Turn(reasoning="Looking.", tool_calls=[("wait", {"seconds": 0})]), done("went on")])
    with httpx.Client(base_url=agent_server.base_url, timeout=120) as client:
        with connect_sse(client, "POST", "/v2/agent/browser_use/run", json={"query": "two steps"},
                         headers=auth(agent_server.admin_key)) as source:
            whole = [(e.id, json.loads(e.data)) for e in source.iter_sse()]
        conversations.append(whole[-1][1]["conversation_id"])
        task_id = whole[-1][1]["task_id"]
        cut = next(i for i, (event_id, _) in enumerate(whole) if event_id)  # dropped after this one
        with connect_sse(client, "GET", f"/v2/agent/browser_use/tasks/{task_id}/stream",
                         headers={**auth(agent_server.admin_key), "Last-Event-ID": whole[cut][0]}) as source:
            rest = [json.loads(e.data) for e in source.iter_sse()]
        # the link to watch the browser is signed when the stream is read (a fresh expiry): the
        # replayed one may differ in its token, opens without the key all the same
        first_links, replayed_links = watch_links(m for _, m in whole[cut + 1:]), watch_links(rest)
        assert len(replayed_links) == len(first_links) == 1
        assert replayed_links[0].split("?")[0] == first_links[0].split("?")[0]
        assert httpx.get(replayed_links[0]).status_code == 200
        assert rest == [m for _, m in whole[cut + 1:]]
        other = httpx.get(f"{agent_server.base_url}/v2/agent/browser_use/tasks/{task_id}/stream",
                          headers=auth(agent_server.new_owner_key("qianfan-stranger")))
        assert other.status_code == 404
