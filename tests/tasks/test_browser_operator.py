"""session.browser.agent (act / observe / extract) against a real server, a browser session's
Chromium, pages on loopback and the scripted model; and the owner's action cache."""
import asyncio

import httpx
import pytest
from pydantic import BaseModel

from openbay import AsyncOpenBay, CreateSessionParams, ExtractError
from tests.helpers.scripted_llm import Turn, call, index_of
from tests.helpers.sessions import new_async_session

PRICED = 0.00014  # 100 prompt + 20 completion tokens at $1 / $2 per million


class City(BaseModel):
    city: str
    weather: str


class Cities(BaseModel):
    rows: list[City]


def test_act_fills_variables_then_replays_from_the_cache(llm, bsession, site, agent_server):
    agent = bsession.browser.agent
    agent.clear_cache()
    page = agent.navigate(f"{site}/login")
    assert page.url == f"{site}/login" and page.title == "Login"
    llm.set_script([lambda b: call("fill", index=index_of(b, "Password"), text="%pw%")])
    first = agent.act("type %pw% into the password field", variables={"pw": "s3cret-1"})
    assert first.success and not first.cached and first.action.method == "fill"
    assert first.usage.total_tokens == 120 and first.usage.cost_usd == pytest.approx(PRICED)
    assert "s3cret-1" not in str(llm.requests)
    # again with another value: from the cache, no model call, no tokens
    llm.set_script([])
    again = agent.act("type %pw% into the password field", variables={"pw": "longer-secret"})
    assert again.success and again.cached and again.usage.total_tokens == 0 and llm.requests == []
    llm.set_script([lambda b: call("click", index=index_of(b, "Log in"))])
    assert agent.act("click the login button").success
    llm.set_script([call("answer", data={"out": "hello  13"})])
    assert agent.extract("the greeting", {"type": "object"}) == {"out": "hello  13"}
    assert "13" in llm.requests[0]["messages"][1]["content"]  # the page got the second value
    entries = agent.list_cache()
    assert {e.instruction for e in entries} == {"type %pw% into the password field", "click the login button"}
    assert all(e.url == f"{site}/login" for e in entries)
    fill = next(e for e in entries if e.action.method == "fill")
    assert fill.action.selector == "#p" and fill.action.arguments == ["%pw%"] and fill.hits >= 1
    assert "secret" not in str([e.model_dump() for e in entries])
    # another owner sees neither the cache nor the session
    other_key = agent_server.new_owner_key("operator-other")
    with agent_server.client(other_key) as other:
        theirs = other.create(CreateSessionParams(image_id="linux")).session
        assert theirs.browser.agent.list_cache() == []
        theirs.delete()
    r = httpx.post(f"{agent_server.base_url}/v1/sessions/{bsession.session_id}/browser/agent/act",
                   json={"instruction": "click"}, headers={"Authorization": f"Bearer {other_key}"})
    assert r.status_code == 404
    assert agent.clear_cache(url=f"{site}/login") == 2 and agent.list_cache() == []


def test_observe_then_act_on_what_it_found_and_nothing_to_do(llm, bsession, site):
    agent = bsession.browser.agent
    agent.navigate(f"{site}/weather")
    llm.set_script([lambda b: call("candidates", actions=[
        {"index": index_of(b, "City name"), "method": "fill", "arguments": ["Paris"],
         "description": "the search box"},
        {"index": index_of(b, "Search"), "method": "click", "description": "the search button"}])])
    found = agent.observe("find the search box and its button")
    assert [(a.selector, a.method) for a in found] == [("#q", "fill"), ("body > button:nth-of-type(1)", "click")]
    llm.set_script([])
    assert agent.act(found[0]).success and agent.act(found[1]).success and llm.requests == []
    llm.set_script([call("answer", data={"text": "Result for Paris"})])
    assert agent.extract("the result line", {"type": "object", "properties": {"text": {"type": "string"}}}) \
        == {"text": "Result for Paris"}
    llm.set_script([call("nothing_to_do", reason="there is no checkout on this page")])
    nothing = agent.act("click the checkout button")
    assert not nothing.success and "no checkout" in nothing.message and nothing.action is None


def test_extract_into_a_model_and_its_failure_with_the_last_answer(llm, bsession, site):
    agent = bsession.browser.agent
    agent.navigate(f"{site}/weather")
    llm.set_script([call("answer", data={"rows": [{"city": "Shanghai", "weather": "Sunny"},
                                                  {"city": "Beijing", "weather": "Cloudy"}]})])
    got = agent.extract("the cities and their weather", Cities)
    assert got == Cities(rows=[City(city="Shanghai", weather="Sunny"), City(city="Beijing", weather="Cloudy")])
    llm.set_script([call("answer", data={"rows": "none"})] * 3)
    with pytest.raises(ExtractError) as e:
        agent.extract("the cities and their weather", Cities)
    assert e.value.status == 422 and e.value.code == "extract_failed"
    assert e.value.last_answer == {"rows": "none"} and "rows" in e.value.message
    png = agent.screenshot()
    assert png.startswith(b"\x89PNG")


def test_bad_requests_are_refused_before_any_model_call(llm, bsession, agent_server):
    llm.set_script([])
    path = f"{agent_server.base_url}/v1/sessions/{bsession.session_id}/browser/agent"
    auth = {"Authorization": f"Bearer {agent_server.admin_key}"}
    for what, body in (("act", {}), ("act", {"instruction": "x", "action": {"method": "click"}}),
                       ("act", {"action": {"selector": "#a", "method": "hover"}}),
                       ("extract", {"instruction": "x", "schema": {"type": 5}}),
                       ("navigate", {"url": "file:///etc/passwd"})):
        r = httpx.post(f"{path}/{what}", json=body, headers=auth)
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error", (what, r.text)
    assert httpx.post(f"{path}/act", json={"instruction": "x"}).status_code == 401
    assert llm.requests == []


def test_async_client_and_usage_totals_in_metrics(llm, agent_server, site):
    async def run():
        async with AsyncOpenBay(api_key=agent_server.admin_key, base_url=agent_server.base_url) as bay:
            async with new_async_session(bay, "browser") as session:
                agent = session.browser.agent
                await agent.navigate(f"{site}/counter")
                llm.set_script([lambda b: call("click", index=index_of(b, "Add one")), Turn(content="none")])
                out = await agent.act("click add one", use_cache=False)
                assert out.success and not out.cached
                return await agent.observe("anything")
    assert asyncio.run(run()) == []
    metrics = httpx.get(f"{agent_server.base_url}/metrics",
                        headers={"Authorization": f"Bearer {agent_server.admin_key}"}).text
    assert 'openbay_llm_tokens_total{kind="prompt"}' in metrics and "openbay_llm_cost_usd_total" in metrics
    assert "owner=" not in metrics  # unless the admin asks (OPENBAY_METRICS_OWNERS=1)
