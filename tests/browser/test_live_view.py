"""The session page shows the browser live and lets a person click and type into it."""
from playwright.sync_api import sync_playwright

from tests.helpers.host_pages import open_page
from tests.helpers.waiting import PATIENCE_MS

from .conftest import launch_host_chromium


def test_live_view_follows_the_browser_and_takes_input(browser_session, pages):
    link = browser_session.get_link()
    with sync_playwright() as p:
        session_browser = p.chromium.connect_over_cdp(browser_session.browser.get_endpoint_url())
        session_page = session_browser.contexts[0].pages[0]
        session_page.goto(pages + "/second")

        person = launch_host_chromium(p)
        try:
            viewer = person.new_page(viewport={"width": 1400, "height": 1000})
            open_page(viewer, link)
            viewer.wait_for_function("window.openbayLiveFrames > 0", timeout=PATIENCE_MS)
            first = viewer.get_attribute("#live-frame", "src")

            # the session navigates: the picture the person sees changes
            session_page.goto(pages + "/")
            viewer.wait_for_function(
                "src => document.getElementById('live-frame').src !== src", arg=first, timeout=PATIENCE_MS)

            # the person clicks the button in the picture: the click lands in the session's page
            def click_in_picture(selector):
                target = session_page.locator(selector).bounding_box()
                width = session_page.evaluate("innerWidth")
                shown = viewer.locator("#live-frame").bounding_box()
                scale = shown["width"] / width
                viewer.mouse.click(shown["x"] + (target["x"] + target["width"] / 2) * scale,
                                   shown["y"] + (target["y"] + target["height"] / 2) * scale)

            click_in_picture("#go")
            session_page.wait_for_function("document.getElementById('out').textContent === 'clicked'",
                                           timeout=PATIENCE_MS)
            # and types into a field of it
            click_in_picture("#name")
            viewer.keyboard.type("hello")
            session_page.wait_for_function("document.getElementById('name').value === 'hello'",
                                           timeout=PATIENCE_MS)
        finally:
            person.close()
            session_browser.close()


def test_live_view_needs_the_page_token(server, browser_session):
    import asyncio

    import pytest
    import websockets
    ws_base = server.base_url.replace("http", "ws", 1)
    url = f"{ws_base}/v1/sessions/{browser_session.session_id}/browser/live"

    async def refused(u):
        with pytest.raises(websockets.exceptions.InvalidStatus) as info:
            async with websockets.connect(u):
                pass
        return info.value.response.status_code

    assert asyncio.run(refused(url)) == 403
    assert asyncio.run(refused(url + "?token=1.abc")) == 403
    # a CDP token is not a page token
    cdp_token = browser_session.browser.get_endpoint_url().partition("?token=")[2]
    assert asyncio.run(refused(url + "?token=" + cdp_token)) == 403


def test_live_view_follows_a_new_tab(browser_session, pages):
    link = browser_session.get_link()
    with sync_playwright() as p:
        session_browser = p.chromium.connect_over_cdp(browser_session.browser.get_endpoint_url())
        context = session_browser.contexts[0]
        context.pages[0].goto(pages + "/")
        person = launch_host_chromium(p)
        try:
            viewer = person.new_page()
            open_page(viewer, link)
            viewer.wait_for_function("window.openbayLiveFrames > 0", timeout=PATIENCE_MS)
            tab = context.new_page()
            tab.goto(pages + "/second")  # a green page
            viewer.wait_for_function("""() => {
                const img = document.getElementById('live-frame');
                if (!img.naturalWidth) return false;
                const c = document.createElement('canvas');
                c.width = img.naturalWidth; c.height = img.naturalHeight;
                const g = c.getContext('2d'); g.drawImage(img, 0, 0);
                const [r, gr, b] = g.getImageData(c.width / 2, c.height - 10, 1, 1).data;
                return gr > 120 && r < 80 && b < 80;
            }""", timeout=PATIENCE_MS)
        finally:
            person.close()
            session_browser.close()
