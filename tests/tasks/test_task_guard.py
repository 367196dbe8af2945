"""Browser tasks with secrets, allowed / prohibited domains, and their usage and cost, against a
real server, a browser session and the scripted model."""
import httpx

from tests.helpers.scripted_llm import Turn, call, done, index_of, page_state_of
from tests.helpers.webhost import ADDRESS, OTHER_ADDRESS

USER, PASSWORD = "ada-the-admin", "pw-9f8e7d6c"


def test_secrets_reach_only_the_page_and_usage_is_priced(llm, bsession, site, agent_server):
    seen_state = []

    def finish(body):
        seen_state.append(page_state_of(body))
        return done("logged in")

    llm.set_script([call("go_to_url", url=f"{site}/login"),
                    lambda b: Turn(tool_calls=[
                        ("input_text", {"index": index_of(b, "User name"), "text": "<secret>x_user</secret>"}),
                        ("input_text", {"index": index_of(b, "Password"), "text": "<secret>x_password</secret>",
                                        "submit": True})]),
                    finish])
    usage_events = []
    r = bsession.agent.browser.execute_task_and_wait(
        "log in", timeout=120, sensitive_data={"x_user": USER, "x_password": PASSWORD},
        on_usage=usage_events.append)
    assert r.finished, r.error_message
    # the page got the values: it greets the user and counts the password's letters...
    assert f"hello <secret>x_user</secret> {len(PASSWORD)}" in seen_state[0]
    # ...while the model was told the names only, and saw the value typed back as its tag
    assert "<secret>x_password</secret>" in llm.requests[0]["messages"][0]["content"]
    everything = str(llm.requests) + str(bsession.agent.browser.list_events(r.task_id, limit=1000)) \
        + str(r.execution_logs) + httpx.get(f"{agent_server.base_url}/v1/tasks/{r.task_id}",
                                            headers={"Authorization": f"Bearer {agent_server.admin_key}"}).text
    assert USER not in everything and PASSWORD not in everything
    # tokens and cost, per step (events, logs) and for the task (result, status)
    assert r.usage == {"prompt_tokens": 300, "completion_tokens": 60, "total_tokens": 360,
                       "cost_usd": 0.00042}
    assert [e.payload["cost_usd"] for e in usage_events] == [0.00014] * 3
    assert usage_events[-1].payload["task"]["total_tokens"] == 360 and usage_events[0].payload["model"] == "scripted"
    assert [s["usage"]["cost_usd"] for s in r.execution_logs] == [0.00014] * 3
    status = bsession.agent.browser.get_task_status(r.task_id)
    assert status.usage["cost_usd"] == 0.00042


def test_a_secret_limited_to_a_domain_is_refused_elsewhere(llm, bsession, site):
    other = site.replace(ADDRESS, OTHER_ADDRESS)
    llm.set_script([call("go_to_url", url=f"{site}/login"),
                    lambda b: call("input_text", index=index_of(b, "Password"), text="<secret>x_password</secret>"),
                    done("could not")])
    r = bsession.agent.browser.execute_task_and_wait(
        "log in", timeout=120, sensitive_data={other: {"x_password": PASSWORD}})
    typed = r.execution_logs[1]["actions"][0]
    assert typed["ok"] is False and f"may not be used on {ADDRESS}" in typed["result"]


def test_navigation_outside_the_allowed_domains_is_refused(llm, bsession, site):
    port = site.rsplit(":", 1)[1]
    other = site.replace(ADDRESS, OTHER_ADDRESS)
    llm.set_script([call("go_to_url", url=f"{other}/weather"),
                    call("go_to_url", url=f"{site}/tabs"),
                    lambda b: call("click_element", index=index_of(b, "Open weather")),
                    done("ok")])
    r = bsession.agent.browser.execute_task_and_wait(
        "open pages", timeout=120, allowed_domains=[f"{ADDRESS}:{port}"])
    results = [a["result"] for log in r.execution_logs for a in log["actions"]]
    assert results[0].startswith(f"navigation refused: {OTHER_ADDRESS}") and "allowed domains" in results[0]
    assert results[1].startswith("opened")
    llm.set_script([call("go_to_url", url=f"{site}/tabs"),
                    lambda b: call("click_element", index=index_of(b, "Open weather")),
                    done("ok")])
    r = bsession.agent.browser.execute_task_and_wait(
        "open pages", timeout=120, prohibited_domains=[ADDRESS])
    results = [a["result"] for log in r.execution_logs for a in log["actions"]]
    assert results[0].startswith(f"navigation refused: {ADDRESS}") and "prohibited" in results[0]


def test_bad_guard_settings_are_refused(bsession, agent_server):
    path = f"{agent_server.base_url}/v1/sessions/{bsession.session_id}/agent/browser/tasks"
    auth = {"Authorization": f"Bearer {agent_server.admin_key}"}
    for body in ({"sensitive_data": {"bad name": "x"}}, {"allowed_domains": ["exa mple.com"]},
                 {"sensitive_data": {"not a domain!": {"x": "y"}}}):
        r = httpx.post(path, json={"task": "t", **body}, headers=auth)
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error", r.text
