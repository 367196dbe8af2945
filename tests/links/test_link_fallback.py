"""A server without a link domain (on an address that is not loopback, no OPENBAY_LINK_URL)
serves links as paths on its own origin, sandboxed: the app's page gets an opaque origin."""
import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from tests.browser.conftest import launch_host_chromium
from tests.helpers.host_pages import open_page
from tests.helpers.server import thread_server
from tests.helpers.sessions import new_session

from .conftest import start_dev_server


def test_path_links_carry_a_sandbox_that_keeps_the_app_off_the_servers_origin():
    home = Path(tempfile.mkdtemp(prefix="oblinkpath-"))
    with thread_server(home, public_url="http://192.0.2.7:8730") as server:
        with new_session(server) as session:
            port = start_dev_server(session)
            handed_out = session.get_link(port=port)
            assert handed_out.startswith(f"http://192.0.2.7:8730/links/{session.session_id}/{port}/?")
            link = handed_out.replace("http://192.0.2.7:8730", server.base_url)
            r = httpx.get(link)
            csp = r.headers["content-security-policy"]
            assert r.status_code == 200 and csp.startswith("sandbox ") and "allow-same-origin" not in csp
            assert f"Path=/links/{session.session_id}/{port}/" in r.headers["set-cookie"]
            with sync_playwright() as p:
                person = launch_host_chromium(p)
                try:
                    page = person.new_page()
                    open_page(page, link)
                    assert page.evaluate("self.origin") == "null"  # not the server's origin
                    read = page.evaluate("""() => fetch("/console/", {credentials: "include"})
                        .then((r) => r.text(), () => "blocked")""")
                    assert read == "blocked"
                finally:
                    person.close()
