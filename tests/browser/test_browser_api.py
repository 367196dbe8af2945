"""session.browser: screenshots, launch options, crashes, and a non-browser image."""
import struct

import pytest
from playwright.sync_api import sync_playwright

from openbay.protocol.browser import BrowserOption, ProxyOption, Viewport
from openbay.sdk import APIError
from tests.helpers.sessions import new_async_session
from tests.helpers.waiting import wait_for


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def _goto(session, url):
    with sync_playwright() as p:
        browser = p.chromium.connect_over_cdp(session.browser.get_endpoint_url())
        page = browser.contexts[0].pages[0]
        page.goto(url)
        browser.close()


def test_screenshot_is_a_png_of_the_viewport_or_the_page(browser_session, pages):
    assert browser_session.browser.initialize(BrowserOption(viewport=Viewport(width=800, height=600)))
    _goto(browser_session, pages + "/tall")
    assert png_size(browser_session.browser.screenshot()) == (800, 600)
    width, height = png_size(browser_session.browser.screenshot(full_page=True))
    assert width == 800 and height == 3000


def test_launch_options_reach_the_pages(browser_session, pages):
    option = BrowserOption(viewport=Viewport(width=1024, height=700), user_agent="OpenBayTest/1.0",
                           locale="de-DE", timezone="Asia/Tokyo",
                           extra_headers={"X-OpenBay-Test": "yes"})
    assert browser_session.browser.initialize(option)
    status = browser_session.browser.status()
    assert status.state == "running" and status.options.user_agent == "OpenBayTest/1.0"
    with sync_playwright() as p:
        browser = p.chromium.connect_over_cdp(browser_session.browser.get_endpoint_url())
        page = browser.contexts[0].pages[0]
        page.goto(pages + "/headers")
        seen = {k.lower(): v for k, v in page.evaluate("JSON.parse(document.body.innerText)").items()}
        assert seen["user-agent"] == "OpenBayTest/1.0"
        assert seen["x-openbay-test"] == "yes"
        assert seen["accept-language"].startswith("de-DE")
        assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "Asia/Tokyo"
        assert page.evaluate("[innerWidth, innerHeight]") == [1024, 700]
        browser.close()


def test_proxy_option_routes_through_the_proxy(browser_session, pages):
    # a proxy that is not there: pages fail to load, proving the browser uses it
    assert browser_session.browser.initialize(
        BrowserOption(proxy=ProxyOption(server="http://127.0.0.1:9", bypass="<-loopback>")))
    with sync_playwright() as p:
        browser = p.chromium.connect_over_cdp(browser_session.browser.get_endpoint_url())
        page = browser.contexts[0].pages[0]
        with pytest.raises(Exception, match="ERR_PROXY_CONNECTION_FAILED"):
            page.goto(pages + "/")
        browser.close()


def test_crash_is_reported_and_initialize_restarts(browser_session, pages):
    status = browser_session.browser.status()
    if status.state != "running":
        assert browser_session.browser.initialize()
        status = browser_session.browser.status()
    out = browser_session.command.execute_command(f"kill -9 {status.pid}")
    assert out.exit_code == 0, out.stderr
    crashed = wait_for(lambda: (lambda st: st if st.state == "crashed" else None)(browser_session.browser.status()),
                       what="the browser to be seen crashed")
    assert crashed.state == "crashed" and crashed.exit_code == -9
    with pytest.raises(APIError, match="crashed"):
        browser_session.browser.screenshot()
    assert browser_session.browser.initialize()
    assert browser_session.browser.status().state == "running"
    _goto(browser_session, pages + "/second")
    assert png_size(browser_session.browser.screenshot())[0] > 0


def test_invalid_options_are_rejected(browser_session):
    import httpx
    for bad in ({"locale": "en_US; rm -rf"}, {"proxy": {"server": "file:///etc/passwd"}},
                {"extra_headers": {"Bad Header": "x"}}, {"extra_headers": {"X": "a\r\nb"}},
                {"viewport": {"width": 10, "height": 10}}, {"persist_profile_context": "../x"},
                # Chromium's CDP pipe, profile and extensions are envd's own switches
                {"extra_args": ["--remote-debugging-port=9222"]}, {"extra_args": ["--user-data-dir=/etc"]},
                {"extra_args": ["not-a-switch"]}, {"extra_args": ["--x=a\nb"]},
                {"start_url": "file:///etc/passwd"}, {"start_url": "javascript:alert(1)"}):
        with pytest.raises(Exception):
            BrowserOption.model_validate(bad)
    server_url = browser_session._runner.base_url
    key = browser_session._runner.http.headers["authorization"]
    r = httpx.post(f"{server_url}/v1/sessions/{browser_session.session_id}/browser/initialize",
                   json={"timezone": "../../etc"}, headers={"Authorization": key})
    assert r.status_code == 422


def test_a_linux_session_has_no_browser(session):
    with pytest.raises(APIError, match="no browser"):
        session.browser.get_endpoint_url()
    with pytest.raises(APIError, match="no browser"):
        session.browser.initialize()


def _on_the_page(session, url: str, script: str):
    """What `script` gives on `url` in the session's browser, reached over CDP."""
    with sync_playwright() as p:
        browser = p.chromium.connect_over_cdp(session.browser.get_endpoint_url())
        page = browser.contexts[0].pages[0]
        page.goto(url)
        result = page.evaluate(script)
        browser.close()
    return result


def test_persistent_profile_keeps_cookies_across_restarts(browser_session, pages):
    option = BrowserOption(persist_profile_context="logins")
    assert browser_session.browser.initialize(option)
    _on_the_page(browser_session, pages + "/", "localStorage.setItem('who', 'me')")
    assert browser_session.browser.initialize(option)  # a restart of Chromium on the same profile
    assert _on_the_page(browser_session, pages + "/", "localStorage.getItem('who')") == "me"


def test_persistent_profile_survives_to_the_next_session(pages, make_session):
    """A login (a cookie) kept in the owner's context named by persist_profile_context."""
    option = BrowserOption(persist_profile_context="site-login")
    first = make_session("browser")
    assert first.browser.initialize(option)
    _on_the_page(first, pages + "/", "document.cookie = 'login=yes; max-age=3600; path=/'")
    first.delete()  # the profile is saved as the session ends
    second = make_session("browser")
    assert second.browser.initialize(option)
    assert "login=yes" in _on_the_page(second, pages + "/", "document.cookie")
    # a session that does not ask for the profile starts clean
    third = make_session("browser")
    assert "login=yes" not in _on_the_page(third, pages + "/", "document.cookie")


async def test_async_client_has_the_same_browser_api(server, pages):
    from openbay import AsyncOpenBay
    async with AsyncOpenBay(api_key=server.admin_key, base_url=server.base_url) as bay:
        async with new_async_session(bay, "browser") as session:
            assert await session.browser.initialize({"viewport": {"width": 640, "height": 480}})
            assert (await session.browser.get_endpoint_url()).startswith("ws://")
            assert png_size(await session.browser.screenshot()) == (640, 480)
            assert (await session.browser.status()).state == "running"


def test_messages_bigger_than_an_envd_frame_pass_both_ways(browser_session, pages):
    """A 12 MB screenshot through Playwright, and a 10 MB string sent to the page."""
    with sync_playwright() as p:
        browser = p.chromium.connect_over_cdp(browser_session.browser.get_endpoint_url())
        page = browser.contexts[0].pages[0]
        page.goto(pages + "/noise")
        shot = page.screenshot(full_page=True)
        assert png_size(shot) == (2000, 2000) and len(shot) > 8 * 1024 * 1024
        big = "x" * (10 * 1024 * 1024)
        assert page.evaluate("s => s.length", big) == len(big)
        browser.close()
    assert len(browser_session.browser.screenshot(full_page=True)) > 8 * 1024 * 1024


def test_rest_screenshot_is_image_png(server, browser_session):
    import httpx
    url = f"{server.base_url}/v1/sessions/{browser_session.session_id}/browser/screenshot"
    r = httpx.get(url, params={"full_page": "false"},
                  headers={"Authorization": f"Bearer {server.admin_key}"}, timeout=60)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert png_size(r.content) == (1280, 800)  # the default viewport
    stranger = server.new_owner_key("screenshot-stranger")
    r = httpx.get(url, headers={"Authorization": f"Bearer {stranger}"}, timeout=60)
    assert r.status_code == 404
