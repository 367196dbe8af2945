"""A person opens a link in Chromium: the app's relative assets, its XHR and a WebSocket work,
and so does a Jupyter-like app that signs its visitor in with cookies of its own."""
from playwright.sync_api import sync_playwright

from tests.browser.conftest import launch_host_chromium
from tests.helpers.host_pages import open_page
from tests.helpers.waiting import PATIENCE_MS

from .conftest import start_cookie_app, start_dev_server, start_ws_app

ECHO = """() => new Promise((ok, fail) => {
  const ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/echo");
  ws.onopen = () => ws.send("from the page");
  ws.onmessage = (e) => ok(e.data);
  ws.onerror = () => fail(new Error("the WebSocket failed"));
})"""


def test_chromium_loads_an_app_with_relative_assets_xhr_and_websocket(session):
    dev = start_dev_server(session)
    link = session.get_link(protocol_type="https", port=dev)
    with sync_playwright() as p:
        person = launch_host_chromium(p)
        try:
            page = person.new_page()
            open_page(page, link)
            # static/app.js and its fetch("api/data.json") carry only the link's cookie
            page.wait_for_function("document.getElementById('out').textContent === 'hello from the session'",
                                   timeout=PATIENCE_MS)
            # the link's cookie is HttpOnly: the app's scripts cannot read it
            assert page.evaluate("document.cookie") == ""
            ws_port = start_ws_app(session)
            open_page(page, session.get_link(port=ws_port))  # the WebSocket app's own host; sets its cookie
            assert page.evaluate(ECHO) == "echo:from the page"  # the cookie lets the WebSocket through
        finally:
            person.close()


def test_chromium_runs_a_jupyter_like_app_that_signs_in_with_its_own_cookies(session):
    port = start_cookie_app(session)
    link = session.get_link(port=port)
    with sync_playwright() as p:
        person = launch_host_chromium(p)
        try:
            page = person.new_page()
            open_page(page, link)
            # /static/main.js (an absolute URL) reads the app's _xsrf cookie and POSTs it back
            page.wait_for_function("document.getElementById('out').textContent === 'kernel k1'", timeout=PATIENCE_MS)
            assert "_xsrf=" in page.evaluate("document.cookie") and "openbay_token" not in page.evaluate(
                "document.cookie")
        finally:
            person.close()
