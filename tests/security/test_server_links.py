"""Links never carry the console's credentials: a request to an app behind a link carrying every
cookie OpenBay sets (the console visit, the link token), its CSRF header and an API key reaches
the app without any of them, on a link's own host and on a path link (a public URL without a link
domain); a foreign Origin reaches the app as it was; a page link's console visit ends with the link."""
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from openbay.server.console_sessions import COOKIE
from tests.helpers.server import thread_server
from tests.helpers.sessions import new_session
from tests.links.conftest import start_ws_app

PUBLIC = "http://192.0.2.7:8730"  # a public URL without a link domain: links are paths on it


@pytest.fixture(scope="module", params=["own host", "path"])
def server(request):
    extra = {"public_url": PUBLIC} if request.param == "path" else {}
    with thread_server(Path(tempfile.mkdtemp(prefix="obsec-links-")), **extra) as s:
        yield s


def _console_visit(server) -> str:
    """The admin signed in to the console: the visit's cookie."""
    r = httpx.post(f"{server.base_url}/console/login", data={"key": server.admin_key},
                   headers={"Origin": server.base_url})
    assert r.status_code == 303, r.text
    return r.cookies[COOKIE]


def test_the_app_gets_none_of_openbays_cookies_or_keys(server):
    visit = _console_visit(server)
    with new_session(server) as session:
        port = start_ws_app(session)
        link = session.get_link(port=port).replace(PUBLIC, server.base_url)
        token = link.split("openbay_token=")[1]
        url = link.split("?")[0] + "headers"
        cookies = f"app_session=abc; {COOKIE}={visit}; openbay_token={token}; openbay_csrf=x"
        seen = httpx.get(url, headers={"Cookie": cookies, "Authorization": f"Bearer {server.admin_key}",
                                       "X-OpenBay-CSRF": "the-visit-csrf", "Origin": "http://elsewhere.example"},
                         follow_redirects=True).json()["headers"]
        assert seen["cookie"] == "app_session=abc"
        assert "authorization" not in seen and "x-openbay-csrf" not in seen
        assert seen["origin"] == "http://elsewhere.example"  # the app's own origin checks see it
        basic = httpx.get(url, headers={"Cookie": f"openbay_token={token}"},
                          auth=("user", server.admin_key), follow_redirects=True).json()["headers"]
        assert "authorization" not in basic  # an API key as a password does not pass either


def test_a_page_links_console_visit_ends_with_the_link(server):
    with new_session(server) as session:
        page_link = session.get_link(expires_in_s=60).replace(PUBLIC, server.base_url)
        r = httpx.get(page_link)
        assert r.status_code == 200, r.text
        max_age = int(r.headers["set-cookie"].lower().split("max-age=")[1].split(";")[0])
        assert 0 < max_age <= 60
        visit = server.services.console_visits.get(r.cookies[COOKIE])
        assert visit is not None and visit.expires <= time.time() + 61
        assert urlsplit(page_link).path == f"/console/sessions/{session.session_id}"
