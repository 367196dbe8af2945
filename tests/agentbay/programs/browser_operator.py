"""Written the way AgentBay's example browser-use/browser/news_click.py is (its calls one by one:
initialize, get_endpoint_url, Playwright over CDP, browser.agent.act with ActOptions, extract with
ExtractOptions), with observe(ObserveOptions) and an ObserveResult acted on as in SDK 0.22's
operator examples, and a full-page screenshot; only the import names OpenBay. The site is the
test's loopback page (OPENBAY_TEST_SITE) instead of baidu.com."""
import logging
import os

from playwright.sync_api import sync_playwright
from pydantic import BaseModel

from openbay.agentbay import (
    ActOptions,
    ActResult,
    AgentBay,
    Browser,
    BrowserOption,
    CreateSessionParams,
    ExtractOptions,
    ObserveOptions,
)

SITE = os.environ["OPENBAY_TEST_SITE"]


class CounterSchema(BaseModel):
    count: int


def check(ok, what):
    print(("✅ " if ok else "❌ ") + what)


def main():
    logging.basicConfig(level=logging.INFO)
    agent_bay = AgentBay(api_key=os.getenv("AGENTBAY_API_KEY"))
    session_result = agent_bay.create(CreateSessionParams(image_id="browser_latest"))
    assert session_result.success and session_result.session is not None, session_result.error_message
    session = session_result.session
    try:
        browser = session.browser
        assert isinstance(browser, Browser)
        assert browser.initialize(BrowserOption(default_navigate_url=f"{SITE}/weather")), browser.last_error
        endpoint_url = browser.get_endpoint_url()
        with sync_playwright() as p:
            playwright_browser = p.chromium.connect_over_cdp(endpoint_url)
            first = playwright_browser.contexts[0].pages[0].url
            check(first.endswith("/weather"), f"default_navigate_url opened: {first}")
            playwright_browser.close()
        url = browser.operator.navigate(f"{SITE}/counter")
        check(url.endswith("/counter"), f"operator.navigate: {url}")

        act_result = browser.agent.act(ActOptions(action="click the 'Add one' button"))
        check(isinstance(act_result, ActResult) and act_result.success, f"act: {act_result}")

        ok, found = browser.operator.observe(ObserveOptions(instruction="find the 'Add one' button"))
        check(ok and found and found[0].method == "click", f"observe: {found}")
        again = browser.operator.act(found[0])  # an ObserveResult, done as is
        check(again.success, f"act on the observed action: {again}")

        with sync_playwright() as p:
            playwright_browser = p.chromium.connect_over_cdp(endpoint_url)
            page = playwright_browser.contexts[0].pages[0]
            check(page.inner_text("#c") == "2", f"the page counted both clicks: {page.inner_text('#c')}")
            playwright_browser.close()

        ok, obj = browser.operator.extract(ExtractOptions(instruction="the counter's value", schema=CounterSchema))
        check(ok and isinstance(obj, CounterSchema) and obj.count == 2, f"extract: {obj}")

        shot = browser.operator.screenshot(full_page=True)
        check(shot.startswith("data:image/png;base64,"), "a full-page screenshot as a data URL")
        login = browser.operator.login('{"api_key": "x", "skill_id": "y"}')
        check(not login.success and "Alibaba" in login.message, f"login skills refuse clearly: {login.message}")
    finally:
        agent_bay.delete(session)
    print("✅ Browser operator example completed")


if __name__ == "__main__":
    main()
