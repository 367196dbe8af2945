"""The browser operator on a real Chromium and the loopback site, with the scripted model."""
import pytest

from openbay.agents.llm import ChatClient, LLMConfig
from openbay.agents.operator import BrowserOperator, ExtractFailed
from tests.helpers.scripted_llm import Turn, call, index_of


class MemoryCache:
    def __init__(self):
        self.entries = {}

    async def get(self, key):
        return self.entries.get(key)

    async def put(self, key, entry):
        self.entries[key] = entry


@pytest.fixture
async def operator(model, browser):
    client = ChatClient(LLMConfig(base_url=model.base_url, model="scripted"), backoff_s=0.01)
    yield BrowserOperator(client, browser, MemoryCache())
    await client.close()


async def text_of(browser, selector):
    return await (await browser.page()).inner_text(selector)


async def test_act_variables_reach_only_the_page_and_replay_from_the_cache(operator, model, browser, site):
    await operator.navigate(f"{site}/login")
    model.set_script([lambda b: call("fill", index=index_of(b, "User name"), text="%user%")])
    first = await operator.act("type %user% into the user name", {"user": "ada"})
    assert first.success and not first.cached, first.message
    assert first.action.method == "fill" and first.action.arguments == ["%user%"]
    assert await (await browser.page()).input_value("#u") == "ada"
    assert "ada" not in str(model.requests)  # the model saw only the placeholder
    # the same act again: no model call, the new value
    model.set_script([])
    again = await operator.act("type %user% into the user name", {"user": "grace"})
    assert again.success and again.cached and model.requests == []
    assert await (await browser.page()).input_value("#u") == "grace"


async def test_act_heals_when_the_cached_element_is_gone(operator, model, browser, site):
    await operator.navigate(f"{site}/login")
    model.set_script([lambda b: call("click", index=index_of(b, "Log in"))])
    assert (await operator.act("click the login button")).success
    assert operator.cache.entries and next(iter(operator.cache.entries.values()))["action"]["selector"] == "#go"
    page = await browser.page()
    await page.evaluate("document.getElementById('go').id = 'signin'")  # same structure, new id
    model.set_script([lambda b: call("click", index=index_of(b, "Log in"))])
    healed = await operator.act("click the login button")
    assert healed.success and healed.healed and not healed.cached and len(model.requests) == 1
    assert next(iter(operator.cache.entries.values()))["action"]["selector"] == "#signin"


async def test_act_with_nothing_to_do_clicks_nothing(operator, model, browser, site):
    await operator.navigate(f"{site}/counter")
    model.set_script([call("nothing_to_do", reason="there is no checkout button")])
    out = await operator.act("click the checkout button")
    assert not out.success and "no checkout button" in out.message and out.action is None
    assert await text_of(browser, "#c") == "0"
    assert operator.cache.entries == {}


async def test_observe_gives_selectors_that_act_can_replay(operator, model, browser, site):
    await operator.navigate(f"{site}/weather")
    model.set_script([lambda b: call("candidates", actions=[
        {"index": index_of(b, "City name"), "method": "fill", "arguments": ["Paris"],
         "description": "the city search box"},
        {"index": 999, "method": "click", "description": "not on the page"}])])
    found, usage = await operator.observe("find the search box")
    assert [(a.selector, a.method, a.arguments) for a in found] == [("#q", "fill", ["Paris"])]
    assert usage.total_tokens == 120
    assert await operator.replay(found[0]) == "filled"
    assert await (await browser.page()).input_value("#q") == "Paris"


async def test_extract_retries_then_fails_with_the_last_answer(operator, model, site):
    await operator.navigate(f"{site}/weather")
    schema = {"type": "object", "properties": {"cities": {"type": "array", "items": {"type": "string"}}},
              "required": ["cities"]}
    model.set_script([call("answer", data={"cities": ["Shanghai", "Beijing"]})])
    data, _ = await operator.extract("the city names", schema)
    assert data == {"cities": ["Shanghai", "Beijing"]}
    assert "Shanghai" in model.requests[0]["messages"][1]["content"]  # it was shown the page
    model.set_script([call("answer", data={"towns": []}), Turn(content="no idea"),
                      call("answer", data={"cities": "Shanghai"})])
    with pytest.raises(ExtractFailed) as e:
        await operator.extract("the city names", schema)
    assert e.value.last_answer == {"cities": "Shanghai"} and "cities" in str(e.value)
    assert len(model.requests) == 3
