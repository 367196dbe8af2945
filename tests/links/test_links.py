"""Ports inside a session through signed links: tokens, cookies, WebSocket, public ports, delete."""
import asyncio
import urllib.parse

import httpx
import pytest
import websockets

from openbay.sdk.errors import APIError
from tests.helpers.sessions import new_async_session
from tests.helpers.waiting import async_wait_for

from .conftest import link_base, start_cookie_app, start_dev_server, start_ws_app


def _token_of(url: str) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["openbay_token"][0]


def _bare(url: str) -> str:
    return url.split("?", 1)[0]


def test_a_link_opens_a_dev_server_and_its_cookie_covers_the_apps_own_urls(server, session):
    port = start_dev_server(session)
    link = session.get_link(protocol_type="https", port=port)
    base = _bare(link)
    assert base == link_base(server, session.session_id, port)
    with httpx.Client() as browser:
        page = browser.get(link)
        assert page.status_code == 200 and "dev app" in page.text
        cookie = page.headers["set-cookie"]
        assert "Path=/;" in cookie and "HttpOnly" in cookie and "Domain" not in cookie
        # the page's relative asset and XHR carry no token: the cookie lets them through
        asset = browser.get(base + "static/app.js")
        assert asset.status_code == 200 and "fetch(" in asset.text
        data = browser.get(base + "api/data.json")
        assert data.json() == {"msg": "hello from the session"}
    # without a token or cookie: refused
    bare = httpx.get(base + "api/data.json")
    assert bare.status_code == 403 and bare.json()["error"]["code"] == "forbidden"
    assert httpx.get(base + "?openbay_token=123.abc").status_code == 403
    # the owner's API key works instead of a token; another owner's does not
    assert httpx.get(base, headers={"Authorization": f"Bearer {server.admin_key}"}).status_code == 200
    stranger = server.new_owner_key("link-stranger")
    assert httpx.get(base, headers={"Authorization": f"Bearer {stranger}"}).status_code == 403


def test_a_link_has_a_host_of_its_own_where_nothing_of_the_api_is_served(server, session):
    port = start_dev_server(session)
    link = session.get_link(port=port)
    base, token = _bare(link), _token_of(link)
    # a path link on the server's own origin sends the browser on to the link's own host
    old = httpx.get(f"{server.base_url}/links/{session.session_id}/{port}/api/data.json?openbay_token={token}")
    assert old.status_code == 308 and old.headers["location"] == f"{base}api/data.json?openbay_token={token}"
    # on a link's host every path is the app's, even with the owner's key: no API, no console
    for path in ("v1/sessions", "console/", "healthz"):
        r = httpx.get(f"{base}{path}?openbay_token={token}", headers={"Authorization": f"Bearer {server.admin_key}"})
        assert r.status_code == 404 and "File not found" in r.text and "request_id" not in r.text, path
    # a name under the link domain that is not a link is refused, never handed to the API
    port_of_server = urllib.parse.urlsplit(server.base_url).port
    r = httpx.get(f"http://console.localhost:{port_of_server}/v1/sessions",
                  headers={"Authorization": f"Bearer {server.admin_key}"})
    assert r.status_code == 404 and "<port>-<session id>.localhost" in r.json()["error"]["message"]


def test_an_app_with_cookies_of_its_own_works_at_the_root_of_its_host(session):
    port = start_cookie_app(session)
    link = session.get_link(port=port)
    with httpx.Client() as browser:
        page = browser.get(link)
        set_cookies = page.headers.get_list("set-cookie")
        # the app's cookies stay on the link's host: a Domain it names is taken off
        assert any(c.startswith("_xsrf=") for c in set_cookies) and not any("Domain" in c for c in set_cookies)
        xsrf = browser.cookies["_xsrf"]
        assert browser.get(_bare(link) + "static/main.js").status_code == 200
        kernel = browser.post(_bare(link) + "api/kernels", headers={"X-XSRFToken": xsrf})
        assert kernel.status_code == 201 and kernel.json() == {"id": "k1"}
        seen = browser.get(_bare(link) + "api/whoami").json()
        assert seen == {"_xsrf": xsrf, "login": "yes", "wide": "1"}  # never the link's token
        assert browser.post(_bare(link) + "api/kernels", headers={"X-XSRFToken": "forged"}).status_code == 403


def test_tokens_are_bound_to_session_port_and_time(server, session, other_session):
    port = start_dev_server(session)
    link = session.get_link(port=port)
    token = _token_of(link)
    other_port_link = session.get_link(port=port + 1)
    # a token for another port of the same session does not open this one
    wrong_port = _bare(link) + "?openbay_token=" + _token_of(other_port_link)
    assert httpx.get(wrong_port).status_code == 403
    # a token of this session and port does not open the same port of another session
    other_session.get_link(port=port)
    other = link_base(server, other_session.session_id, port) + f"?openbay_token={token}"
    assert httpx.get(other).status_code == 403
    # an expired token is refused
    ports = server.services.ports
    owner = server.services.sessions.live[session.session_id].row.owner_id
    expired = ports.sign(session.session_id, port, owner, -5)
    r = httpx.get(_bare(link) + f"?openbay_token={expired}")
    assert r.status_code == 403 and "expired" in r.json()["error"]["message"]
    assert httpx.get(link).status_code == 200


def test_bad_ports_and_closed_ports(server, session):
    with pytest.raises(APIError) as info:
        session.get_link(port=70000)
    assert info.value.status == 422
    r = httpx.get(link_base(server, session.session_id, 0) + "?openbay_token=x")
    assert r.status_code == 422 and "out of range" in r.json()["error"]["message"]
    # a port asked for but with nothing listening inside the session: 502 that says so
    link = session.get_link(port=1)
    r = httpx.get(link)
    assert r.status_code == 502 and "nothing listens on port 1" in r.json()["error"]["message"]
    # a port the owner never opened is not reachable, even with the owner's key
    port = start_dev_server(session)
    r = httpx.get(link_base(server, session.session_id, port),
                  headers={"Authorization": f"Bearer {server.admin_key}"})
    assert r.status_code == 403 and "not exposed" in r.json()["error"]["message"]


def test_public_ports_need_no_token_until_unexposed(server, session):
    port = start_dev_server(session)
    exposed = session.expose_port(port, public=True)
    assert exposed.public and exposed.url == link_base(server, session.session_id, port)
    assert [(p.port, p.public) for p in session.info().exposed_ports] == [(port, True)]
    assert httpx.get(exposed.url + "api/data.json").json()["msg"] == "hello from the session"
    # HEAD and a POST body go through too (http.server answers POST with 501)
    assert httpx.head(exposed.url).status_code == 200
    assert httpx.post(exposed.url, content=b"x" * 100_000).status_code == 501
    assert session.unexpose(port) == []
    assert session.info().exposed_ports == []
    assert httpx.get(exposed.url).status_code == 403
    with pytest.raises(APIError) as info:
        session.unexpose(port)
    assert info.value.status == 404


def test_websocket_through_a_link_ends_when_the_session_is_deleted(make_session):
    session = make_session()
    port = start_ws_app(session)
    link = session.get_link(protocol_type="wss", port=port)
    assert link.startswith("ws")
    big = bytes(range(256)) * 8192  # 2 MiB: more than one envd frame

    async def talk():
        async with websockets.connect(link.replace("/?", "/echo?"), max_size=None) as ws:
            await ws.send("hi")
            assert await ws.recv() == "echo:hi"
            await ws.send(big)
            assert await ws.recv() == big
            await asyncio.to_thread(session.delete)
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)

    asyncio.run(talk())
    # the link of a deleted session answers 410 with its token, 403 without
    assert httpx.get(link.replace("ws", "http", 1)).status_code == 410
    assert httpx.get(_bare(link).replace("ws", "http", 1)).status_code == 403


def test_websocket_needs_a_token(server, session):
    port = start_ws_app(session)
    link = session.get_link(port=port)
    url = _bare(link).replace("http", "ws", 1) + "echo"

    async def refused():
        with pytest.raises(websockets.exceptions.InvalidStatus) as info:
            async with websockets.connect(url):
                pass
        assert info.value.response.status_code == 403

    asyncio.run(refused())


async def test_async_sdk_links(server):
    async with new_async_session(server) as session:
        await session.command.execute_command("mkdir -p /home/user/site && echo async-ok > /home/user/site/a.txt")
        from tests.helpers.server import free_port
        port = free_port()
        await session.command.execute_command(
            f"nohup python3 -m http.server {port} --bind 127.0.0.1 --directory /home/user/site "
            f">/tmp/app.log 2>&1 &")
        link = await session.get_link(port=port)
        async with httpx.AsyncClient() as http:
            async def answered():  # 502 until the server in the session listens
                r = await http.get(_bare(link) + "a.txt?" + urllib.parse.urlsplit(link).query)
                return r if r.status_code != 502 else None
            r = await async_wait_for(answered, what="the session's server through its link")
            assert r.status_code == 200 and r.text == "async-ok\n"
        exposed = await session.expose_port(port, public=True)
        assert [p.port for p in await session.list_ports()] == [exposed.port]
        assert await session.unexpose(port) == []


def test_the_app_never_sees_openbays_credentials(server, session):
    port = start_ws_app(session)
    link = session.get_link(port=port)
    cookies = f"app_session=abc; openbay_token={_token_of(link)}"  # the link's cookie and the app's own
    seen = httpx.get(_bare(link) + "headers?x=1", headers={
        "Authorization": f"Bearer {server.admin_key}", "Origin": "http://elsewhere", "Cookie": cookies}).json()
    assert seen["request"] == "GET /headers?x=1 HTTP/1.1"
    headers = seen["headers"]
    assert "authorization" not in headers and "openbay_token" not in headers.get("cookie", "")
    assert headers["cookie"] == "app_session=abc"
    assert headers["host"] == f"localhost:{port}" and headers["origin"] == "http://elsewhere"  # as it came
    own = httpx.get(_bare(link) + "headers", headers={"Origin": link_base(server, session.session_id, port)[:-1],
                                                      "Cookie": f"openbay_token={_token_of(link)}"}).json()
    assert own["headers"]["origin"] == f"http://localhost:{port}"  # the app's own pages look as without a proxy
    assert headers["x-forwarded-host"] == urllib.parse.urlsplit(link).netloc and "x-forwarded-prefix" not in headers
    # the app's own credentials do pass
    seen = httpx.get(link.replace("/?", "/headers?"), headers={"Authorization": "Basic dTpw"}).json()
    assert seen["headers"]["authorization"] == "Basic dTpw"


def test_unexposing_a_port_ends_its_open_websockets(session):
    port = start_ws_app(session)
    link = session.get_link(port=port).replace("http", "ws", 1).replace("/?", "/echo?")

    async def talk():
        async with websockets.connect(link) as ws:
            await ws.send("still here")
            assert await ws.recv() == "echo:still here"
            await asyncio.to_thread(session.unexpose, port)
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
        with pytest.raises(websockets.exceptions.InvalidStatus):
            async with websockets.connect(link):
                pass

    asyncio.run(talk())
