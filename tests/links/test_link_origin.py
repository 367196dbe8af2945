"""An app a session exposes cannot act as the console's signed-in viewer: in a real Chromium
signed in to the console, a page served through a link reads nothing the console keeps and
makes no authenticated API call, whether it asks its own origin or the console's."""
import json

import httpx
from playwright.sync_api import sync_playwright

from tests.browser.conftest import launch_host_chromium
from tests.helpers.host_pages import open_page

from .conftest import start_dev_server

SECRET = "kept-by-the-console"
# what a hostile app would try; every outcome is written down for the test to read
ATTACK = """<!doctype html><title>attack</title><script>
window.results = (async () => {
  const out = {};
  try { out.storage = localStorage.getItem("console-secret"); } catch (e) { out.storage = "error"; }
  async function attempt(name, url, init) {
    try {
      const r = await fetch(url, {credentials: "include", ...init});
      out[name] = r.status + " " + (await r.text()).slice(0, 4000);
    } catch (e) { out[name] = "blocked"; }
  }
  await attempt("console_here", "/console/");
  await attempt("api_here", "/v1/sessions");
  await attempt("console_there", CONSOLE + "/console/");
  await attempt("api_there", CONSOLE + "/v1/sessions");
  const csrf = /name="openbay-csrf" content="([^"]+)"/.exec(out.console_here + out.console_there);
  const headers = {"Content-Type": "application/json", ...(csrf ? {"X-OpenBay-CSRF": csrf[1]} : {})};
  await attempt("create_here", "/v1/sessions", {method: "POST", headers, body: "{}"});
  await attempt("create_there", CONSOLE + "/v1/sessions", {method: "POST", headers, body: "{}"});
  // a blind cross-site POST, as a CSRF would send it (no preflight, answer unreadable)
  await attempt("blind_create", CONSOLE + "/v1/sessions", {method: "POST", mode: "no-cors", body: "{}"});
  return out;
})();
</script>"""


def _sessions(server) -> list[str]:
    r = httpx.get(f"{server.base_url}/v1/sessions", headers={"Authorization": f"Bearer {server.admin_key}"})
    return [s["session_id"] for s in r.json()["sessions"]]


def test_a_page_behind_a_link_cannot_act_as_the_consoles_viewer(server, session):
    port = start_dev_server(session)
    page = ATTACK.replace("CONSOLE", json.dumps(server.base_url))
    session.file_system.write_file("/home/user/site/attack.html", page)
    link = session.get_link(port=port)
    before = _sessions(server)
    with sync_playwright() as p:
        person = launch_host_chromium(p)
        try:
            page = person.new_page()
            open_page(page, f"{server.base_url}/console/")  # the owner signs in to the console
            page.fill("#key", server.admin_key)
            page.click("button[type=submit]")
            page.wait_for_selector("meta[name=openbay-csrf]", state="attached")
            page.evaluate(f"localStorage.setItem('console-secret', {json.dumps(SECRET)})")
            open_page(page, link.replace("/?", "/attack.html?"))  # then opens a link the session handed out
            out = page.evaluate("window.results")
        finally:
            person.close()
    seen = json.dumps(out)
    assert out["storage"] is None, out
    assert "openbay-csrf" not in seen and session.session_id not in seen, out
    for name in ("console_there", "api_there", "create_there"):
        assert out[name] == "blocked", (name, out)  # another origin: the answer is never readable
    assert _sessions(server) == before  # and nothing was created as the signed-in viewer
