"""The proxied CDP endpoint: Playwright, a raw CDP client, both at once, and who is refused."""
import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
import websockets
from playwright.sync_api import sync_playwright

from tests.helpers.waiting import async_wait_for, wait_for


def test_playwright_drives_the_session_browser(browser_session, pages):
    url = browser_session.browser.get_endpoint_url()
    assert url.startswith("ws://") and "/cdp?token=" in url
    with sync_playwright() as p:
        browser = p.chromium.connect_over_cdp(url)
        page = browser.contexts[0].pages[0]
        page.goto(pages + "/")
        page.click("text=Go")
        assert page.text_content("#out") == "clicked"
        # the page runs inside the sandbox, not on the host
        assert page.evaluate("navigator.userAgent").find("HeadlessChrome") >= 0
        browser.close()


class RawCdp:
    """A Puppeteer-style client: plain CDP over a WebSocket, flattened sessions."""

    def __init__(self, ws):
        self.ws, self.next_id, self.events = ws, 0, []

    async def send(self, method, params=None, session_id=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session_id:
            msg["sessionId"] = session_id
        await self.ws.send(json.dumps(msg))
        while True:
            answer = json.loads(await asyncio.wait_for(self.ws.recv(), 30))
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(answer["error"]["message"])
                return answer["result"]
            self.events.append(answer)

    async def page_session(self):
        targets = (await self.send("Target.getTargets"))["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        return (await self.send("Target.attachToTarget", {"targetId": page["targetId"],
                                                          "flatten": True}))["sessionId"]

    async def evaluate(self, session, expression):
        result = await self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                                 session)
        return result["result"].get("value")


async def _raw_navigate_and_read(url, target):
    async with websockets.connect(url, max_size=None) as ws:
        cdp = RawCdp(ws)
        version = await cdp.send("Browser.getVersion")
        assert "Chrome" in version["product"]
        session = await cdp.page_session()
        await cdp.send("Page.enable", session_id=session)
        await cdp.send("Page.navigate", {"url": target}, session)
        async def arrived():
            return await cdp.evaluate(session, "document.readyState") == "complete" and \
                await cdp.evaluate(session, "location.href") == target
        await async_wait_for(arrived, what=f"the page to load {target}")
        return await cdp.evaluate(session, "document.title")


def test_raw_cdp_client(browser_session, pages):
    url = browser_session.browser.get_endpoint_url()
    assert asyncio.run(_raw_navigate_and_read(url, pages + "/second")) == "Second"


def test_two_clients_at_once(browser_session, pages):
    """The user's Playwright and another client (the agent) share one browser."""
    url = browser_session.browser.get_endpoint_url()
    with sync_playwright() as p:
        browser = p.chromium.connect_over_cdp(url)
        page = browser.contexts[0].pages[0]
        page.goto(pages + "/")

        async def other_client():
            async with websockets.connect(url, max_size=None) as ws:
                cdp = RawCdp(ws)
                session = await cdp.page_session()
                await cdp.evaluate(session, "document.getElementById('go').click()")
                return await cdp.evaluate(session, "document.title")

        # in a thread of its own: Playwright's sync API holds this thread's event loop
        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(asyncio.run, other_client()).result() == "Start"
        # Playwright sees what the other client did, and still works after it left
        page.wait_for_function("document.getElementById('out').textContent === 'clicked'")
        page.goto(pages + "/second")
        assert page.title() == "Second"
        browser.close()


async def _refused(url, headers=None):
    with pytest.raises(websockets.exceptions.InvalidStatus) as info:
        async with websockets.connect(url, additional_headers=headers or {}):
            pass
    return info.value.response.status_code


def test_bad_token_is_refused(server, browser_session):
    good = browser_session.browser.get_endpoint_url()
    base, _, token = good.partition("?token=")
    expires, _, mac = token.partition(".")
    forged = f"{expires}.{'0' * len(mac)}"
    later = f"{int(expires) + 100}.{mac}"
    for url in (base, base + "?token=", base + "?token=" + forged, base + "?token=" + later,
                base + "?token=ob_notakeyatallnotakeyatall"):
        assert asyncio.run(_refused(url)) == 403, url
    # another owner's key gets nothing of this session's browser, not even its existence
    stranger = server.new_owner_key("stranger")
    assert asyncio.run(_refused(base, {"Authorization": f"Bearer {stranger}"})) == 403
    assert asyncio.run(_refused(base + "?token=" + stranger)) == 403
    # a token is bound to its session: it does not open another one
    other = base.replace(browser_session.session_id, "s-000000000000") + "?token=" + token
    assert asyncio.run(_refused(other)) == 403


def test_a_refused_connection_says_why_in_the_server_log(browser_session, caplog):
    """The client sees a bare 403 (the close comes before the handshake): the log keeps the reason."""
    caplog.set_level(logging.INFO, logger="openbay.browser")
    base = browser_session.browser.get_endpoint_url().partition("?token=")[0]
    assert asyncio.run(_refused(base)) == 403
    refusals = [r.fields for r in caplog.records if r.getMessage() == "CDP connection refused"]
    assert refusals == [{"session_id": browser_session.session_id,
                         "reason": "a valid token or API key is required"}]


def test_api_key_works_as_token(server, browser_session):
    base = browser_session.browser.get_endpoint_url().partition("?token=")[0]

    async def version(url, headers=None):
        async with websockets.connect(url, additional_headers=headers or {}) as ws:
            return await RawCdp(ws).send("Browser.getVersion")

    assert "Chrome" in asyncio.run(version(base + "?token=" + server.admin_key))["product"]
    assert "Chrome" in asyncio.run(version(base, {"Authorization": f"Bearer {server.admin_key}"}))["product"]


def test_downloads_land_in_the_session_home(browser_session, pages):
    url = browser_session.browser.get_endpoint_url()

    async def download():
        async with websockets.connect(url, max_size=None) as ws:
            cdp = RawCdp(ws)
            session = await cdp.page_session()
            await cdp.send("Page.navigate", {"url": pages + "/report.csv"}, session)

    asyncio.run(download())
    out = wait_for(lambda: browser_session.command.execute_command("cat /home/user/Downloads/report.csv").output,
                   what="the download")
    assert out == "a,b\n1,2\n"


def test_a_client_cannot_use_another_clients_sessions_or_close_the_browser(browser_session):
    url = browser_session.browser.get_endpoint_url()

    async def scenario():
        async with websockets.connect(url) as a, websockets.connect(url) as b:
            first, second = RawCdp(a), RawCdp(b)
            theirs = await first.page_session()
            assert await first.evaluate(theirs, "1 + 1") == 2
            with pytest.raises(RuntimeError, match="Session with given id not found"):
                await second.evaluate(theirs, "1 + 1")
            assert await second.send("Browser.close") == {}
            return await first.evaluate(theirs, "2 + 2")

    assert asyncio.run(scenario()) == 4
    assert browser_session.browser.status().state == "running"


def test_http_discovery_and_per_page_endpoints(browser_session, pages):
    """connect_over_cdp with the http:// form (it reads /json/version), and a page's own
    WebSocket from /json/list, spoken to without sessionIds as old CDP clients do."""
    import httpx
    ws_url = browser_session.browser.get_endpoint_url()
    http_url = "http" + ws_url[len("ws"):]
    base, _, query = http_url.partition("?")
    version = httpx.get(f"{base}/json/version/?{query}").json()
    assert version["webSocketDebuggerUrl"].startswith("ws://") and "Chrome" in version["Browser"]
    assert httpx.get(f"{base}/json/version").status_code == 401
    with sync_playwright() as p:
        browser = p.chromium.connect_over_cdp(http_url)
        browser.contexts[0].pages[0].goto(pages + "/second")
        browser.close()
    listed = httpx.get(f"{base}/json/list?{query}").json()
    page_url = next(t["webSocketDebuggerUrl"] for t in listed if t["url"].endswith("/second"))

    async def title():
        async with websockets.connect(page_url) as ws:
            await ws.send(json.dumps({"id": 1, "method": "Runtime.evaluate",
                                      "params": {"expression": "document.title", "returnByValue": True}}))
            answer = json.loads(await asyncio.wait_for(ws.recv(), 30))
            return answer["result"]["result"]["value"]

    assert asyncio.run(title()) == "Second"
