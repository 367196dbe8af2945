"""Secrets never reach the logs, a task's events or its error message: with the server's log
captured (JSON lines, access log on, debug level), requests carry the admin key, a wrong key, a
key in a query string and a port link's token, and two tasks meet model servers that echo back
the key they were sent, as some do in their 401s."""
import io
import json
import logging

import httpx
import pytest

from openbay.server.logs import configure_logging
from tests.helpers.scripted_llm import ScriptedLLM, Turn
from tests.helpers.waiting import PATIENCE_S

SERVER_KEY = "sk-test-secret"  # the agent server's OPENBAY_LLM_API_KEY (tests/tasks/conftest.py)
TASK_KEY = "sk-task-model-key-9876543210"
WRONG_KEY = "ob_not-a-real-key-0123456789abcdef"


def echoing(model: ScriptedLLM):
    """A model server whose 401 repeats the credential it got."""
    return lambda _body: Turn(status=401, error={"error": {
        "message": f"Incorrect API key provided: {model.auth[-1]}", "type": "invalid_request_error"}})


@pytest.fixture
def captured_log():
    root, access = logging.getLogger("openbay"), logging.getLogger("openbay.access")
    saved = root.handlers[:], root.level, root.propagate, access.level
    stream = io.StringIO()
    configure_logging(json_lines=True, level=logging.DEBUG)
    root.handlers[0].setStream(stream)
    try:
        yield stream
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        root.propagate = saved[2]
        access.setLevel(saved[3])


def test_no_secret_reaches_the_log_the_events_or_the_errors(agent_server, bsession, llm, captured_log):
    base, admin = agent_server.base_url, agent_server.admin_key
    assert httpx.get(f"{base}/v1/sessions", headers={"Authorization": f"Bearer {WRONG_KEY}"}).status_code == 401
    # an API key in the query string, as connect_over_cdp sends it; the answer holds a CDP token
    cdp = httpx.get(f"{base}/v1/sessions/{bsession.session_id}/cdp/json/version?token={admin}")
    cdp_token = cdp.json()["webSocketDebuggerUrl"].split("token=")[1]
    link = bsession.get_link(port=1)  # nothing listens there: a 502, with the token in the URL
    link_token = link.split("openbay_token=")[1]
    assert httpx.get(link).status_code == 502

    agent = bsession.agent.browser
    with ScriptedLLM() as elsewhere:
        elsewhere.server = echoing(elsewhere)
        theirs = agent.execute_task_and_wait("x", timeout=PATIENCE_S, llm={
            "base_url": agent_server.allow_model(elsewhere.base_url), "model": "m", "api_key": TASK_KEY})
        assert elsewhere.auth == [f"Bearer {TASK_KEY}"]  # it did get the key, and said it back
    llm.server = echoing(llm)
    try:
        ours = agent.execute_task_and_wait("y", timeout=PATIENCE_S)
    finally:
        llm.server = None
    assert llm.auth[-1] == f"Bearer {SERVER_KEY}"

    told = []
    for r in (theirs, ours):
        assert r.task_status == "failed" and "HTTP 401" in r.error_message
        told += [r.error_message, json.dumps([e.payload for e in agent.list_events(r.task_id)])]
    log = captured_log.getvalue()
    assert '"path": "/v1/sessions"' in log and "task ended" in log  # the log did see all of it
    for secret in (admin, WRONG_KEY, link_token, cdp_token, TASK_KEY, SERVER_KEY):
        assert secret not in log, secret
        assert all(secret not in text for text in told), secret
