"""A finished browser task replayed from the action cache: its element steps run again without
the model while the page is the same; on another page the model decides."""
import threading
from http.server import ThreadingHTTPServer

import pytest

from openbay.agents.browser_agent import AgentOptions, BrowserAgent
from openbay.agents.llm import ChatClient, LLMConfig
from tests.agents.conftest import Recorder
from tests.agents.test_operator import MemoryCache
from tests.helpers.pages import _Handler
from tests.helpers.scripted_llm import Turn, call, done, index_of

TASK = "log in as ada"


@pytest.fixture(scope="module")
def loopback():
    """The test pages on this host's loopback (the local Chromium here reaches it)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


async def run(model, browser, cache, script, **options):
    model.set_script(script)
    client = ChatClient(LLMConfig(base_url=model.base_url, model="scripted"), backoff_s=0.01)
    try:
        return await BrowserAgent(client, browser, Recorder(), AgentOptions(**options), cache=cache).run(TASK)
    finally:
        await client.close()


async def test_a_solved_task_runs_again_from_its_kept_steps(model, browser, loopback):
    cache = MemoryCache()
    first = await run(model, browser, cache, [
        call("go_to_url", url=f"{loopback}/login"),
        lambda b: Turn(tool_calls=[("input_text", {"index": index_of(b, "User name"), "text": "ada"}),
                                   ("input_text", {"index": index_of(b, "Password"), "text": "<secret>pw</secret>"})]),
        lambda b: call("click_element", index=index_of(b, "Log in")),
        done("logged in")], sensitive_data={"pw": "hunter22"})
    assert first.success and len(model.requests) == 4
    assert len(cache.entries) == 3 and "hunter22" not in str(cache.entries)  # the secret kept as its tag
    page = await browser.page()
    await page.goto("about:blank")
    again = await run(model, browser, cache, [call("go_to_url", url=f"{loopback}/login"), done("logged in")],
                      sensitive_data={"pw": "hunter22"})
    assert again.success and again.steps == 4 and len(model.requests) == 2  # steps 2 and 3 from the cache
    assert await page.inner_text("#out") == "hello ada 8"
    # another page (here: another URL): the kept steps do not apply, the model decides each step
    await page.goto("about:blank")
    third = await run(model, browser, cache, [call("go_to_url", url=f"{loopback}/login?again=1"),
                                              done("nothing to do", success=False)])
    assert not third.success and len(model.requests) == 2
    assert await page.input_value("#u") == "" and await page.inner_text("#out") == ""


async def test_a_failed_task_keeps_nothing(model, browser, loopback):
    cache = MemoryCache()
    out = await run(model, browser, cache, [
        call("go_to_url", url=f"{loopback}/login"),
        lambda b: call("click_element", index=index_of(b, "Log in")),
        done("no", success=False)])
    assert not out.success and cache.entries == {}
