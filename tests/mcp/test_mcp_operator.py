"""The browser operator's MCP tools (browser_act, browser_observe, browser_extract) on a real
Chromium with the scripted model, through the `mcp` SDK's client over streamable HTTP."""
from playwright.async_api import async_playwright

from tests.helpers.scripted_llm import Turn, call, index_of

from .conftest import connect
from .test_mcp_server import json_of, text_of


async def counter_value(mcp_server, session_id: str) -> str:
    endpoint = mcp_server.client().get(session_id).session.browser.get_endpoint_url()
    async with async_playwright() as pw:
        browser = await pw.chromium.connect_over_cdp(endpoint)
        return await browser.contexts[0].pages[0].inner_text("#c")


async def test_act_observe_extract(mcp_server, mcp_llm, site):
    async with connect("http", mcp_server) as client:
        sid = json_of(await client.call_tool("create_session", {"image_id": "browser"}))["session_id"]
        try:
            assert json_of(await client.call_tool("browser_navigate", {"session_id": sid,
                                                                       "url": f"{site}/counter"}))["title"] == "Counter"
            mcp_llm.set_script([lambda b: call("click", index=index_of(b, "Add one"))])
            first = json_of(await client.call_tool("browser_act", {"session_id": sid,
                                                                   "instruction": "click the add one button"}))
            assert first["success"] and not first["cached"] and first["action"]["method"] == "click"
            mcp_llm.set_script([])  # the same act again comes from the cache, with no model call
            again = json_of(await client.call_tool("browser_act", {"session_id": sid,
                                                                   "instruction": "click the add one button"}))
            assert again["success"] and again["cached"] and mcp_llm.requests == []
            assert await counter_value(mcp_server, sid) == "2"

            mcp_llm.set_script([call("nothing_to_do", reason="there is no checkout button")])
            nothing = json_of(await client.call_tool("browser_act", {"session_id": sid,
                                                                     "instruction": "click the checkout button"}))
            assert not nothing["success"] and "no checkout button" in nothing["message"]
            assert await counter_value(mcp_server, sid) == "2"  # nothing was clicked

            await client.call_tool("browser_navigate", {"session_id": sid, "url": f"{site}/weather"})
            mcp_llm.set_script([lambda b: call("candidates", actions=[
                {"index": index_of(b, "City name"), "method": "fill", "arguments": ["Paris"],
                 "description": "the city search box"}])])
            seen = json_of(await client.call_tool("browser_observe", {"session_id": sid,
                                                                      "instruction": "find the search box"}))
            assert seen["actions"] == [{"selector": "#q", "method": "fill", "arguments": ["Paris"],
                                        "description": "the city search box"}]

            schema = {"type": "object", "properties": {"cities": {"type": "array", "items": {"type": "string"}}},
                      "required": ["cities"]}
            mcp_llm.set_script([call("answer", data={"cities": ["Shanghai", "Beijing"]})])
            got = json_of(await client.call_tool("browser_extract", {"session_id": sid, "schema": schema,
                                                                     "instruction": "the city names"}))
            assert got == {"data": {"cities": ["Shanghai", "Beijing"]}}
            mcp_llm.set_script([call("answer", data={"towns": []}), Turn(content="no idea"),
                                call("answer", data={"cities": "Shanghai"})])
            bad = await client.call_tool("browser_extract", {"session_id": sid, "schema": schema,
                                                             "instruction": "the city names"})
            assert bad.is_error and '{"cities": "Shanghai"}' in text_of(bad)
        finally:
            await client.call_tool("delete_session", {"session_id": sid})
