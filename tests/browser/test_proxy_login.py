"""A BrowserOption proxy that asks for a login: Chromium's requests go through it with the
credentials, which never come back in the status."""
from playwright.sync_api import sync_playwright

from openbay.protocol.browser import BrowserOption, ProxyOption
from tests.helpers.waiting import wait_for

# a proxy inside the session that wants alice's login and answers every request itself
PROXY = r'''
import base64, http.server
WANT = "Basic " + base64.b64encode(b"alice:s3cret").decode()
class Proxy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.headers.get("Proxy-Authorization") != WANT:
            self.send_response(407)
            self.send_header("Proxy-Authenticate", 'Basic realm="test"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = f"<title>proxied</title><p id=p>{self.path} for alice</p>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", 3128), Proxy).serve_forever()
'''


def test_a_proxy_with_a_login(browser_session):
    s = browser_session
    s.file_system.write_file("/root/proxy.py", PROXY)
    s.command.execute_command("nohup python3 /root/proxy.py >/dev/null 2>&1 &")
    wait_for(lambda: s.command.execute_command("curl -s -o /dev/null 127.0.0.1:3128").exit_code == 0,
             what="the proxy to listen")
    option = BrowserOption(proxy=ProxyOption(server="http://127.0.0.1:3128", username="alice", password="s3cret"))
    assert s.browser.initialize(option)
    assert s.browser.status().options.proxy.password == "***"
    with sync_playwright() as p:
        browser = p.chromium.connect_over_cdp(s.browser.get_endpoint_url())
        page = browser.contexts[0].pages[0]
        page.goto("http://example.test/hello")
        assert page.text_content("#p") == "http://example.test/hello for alice"
        browser.close()
