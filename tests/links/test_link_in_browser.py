"""A person opens a link in Chromium: the app's relative assets, its XHR and a WebSocket work."""
from playwright.sync_api import sync_playwright

from tests.browser.conftest import launch_host_chromium

from .conftest import start_dev_server, start_ws_app

WS_PAGE = """<!doctype html><title>ws</title><p id="out">waiting</p><script>
const ws = new WebSocket(new URL("../WSPORT/echo", location.href).href.replace(/^http/, "ws"));
ws.onopen = () => ws.send("from the page");
ws.onmessage = (e) => { document.getElementById("out").textContent = e.data; };
</script>"""


def test_chromium_loads_an_app_with_relative_assets_xhr_and_websocket(session):
    dev = start_dev_server(session)
    link = session.get_link(protocol_type="https", port=dev)
    with sync_playwright() as p:
        person = launch_host_chromium(p)
        try:
            page = person.new_page()
            page.goto(link)
            # static/app.js and its fetch("api/data.json") carry only the link's cookie
            page.wait_for_function("document.getElementById('out').textContent === 'hello from the session'",
                                   timeout=15_000)
            # the cookie stays on its link: the app cannot read it, other paths do not get it
            assert page.evaluate("document.cookie") == ""
            ws_port = start_ws_app(session)
            session.file_system.write_file("/home/user/site/ws.html", WS_PAGE.replace("WSPORT", str(ws_port)))
            ws_link = session.get_link(port=ws_port)
            page.goto(ws_link)  # sets the WebSocket app's cookie (its page is on its own path)
            page.goto(link.replace("/?", "/ws.html?"))
            page.wait_for_function("document.getElementById('out').textContent === 'echo:from the page'",
                                   timeout=15_000)
        finally:
            person.close()
