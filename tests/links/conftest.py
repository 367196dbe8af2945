"""Link tests: apps started inside real sessions, reached only through the server's links."""
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.helpers.server import free_port
from tests.helpers.waiting import wait_for

HELPERS = Path(__file__).parent.parent / "helpers"
WS_APP = (HELPERS / "ws_echo_app.py").read_text()
COOKIE_APP = (HELPERS / "cookie_app.py").read_text()
SITE = {
    "index.html": """<!doctype html><title>dev app</title><p id="out">loading</p>
<script src="static/app.js"></script>""",
    "static/app.js": """fetch("api/data.json").then(r => r.json())
  .then(d => { document.getElementById("out").textContent = d.msg; });""",
    "api/data.json": '{"msg": "hello from the session"}',
}


def link_base(server, session_id: str, port: int) -> str:
    """Where a port's link lives: a host of its own under localhost, on the server's port."""
    return f"http://{port}-{session_id}.localhost:{urlsplit(server.base_url).port}/"


def wait_listening(session, port: int) -> None:
    probe = f"python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", {port}), 1)'"
    try:
        wait_for(lambda: session.command.execute_command(probe).exit_code == 0, what=f"a listener on {port}")
    except AssertionError:
        log = session.command.execute_command(f"cat /tmp/app-{port}.log").output
        raise AssertionError(f"nothing listens on {port} in the session: {log}") from None


def start(session, command: str, port: int) -> int:
    session.command.execute_command(f"nohup {command} >/tmp/app-{port}.log 2>&1 &")
    wait_listening(session, port)
    return port


def start_dev_server(session) -> int:
    """python -m http.server over a site with relative asset URLs and an XHR."""
    for name, text in SITE.items():
        session.file_system.write_file(f"/home/user/site/{name}", text)
    port = free_port()  # sessions still share the host network: a port nobody else holds
    return start(session, f"python3 -m http.server {port} --bind 127.0.0.1 --directory /home/user/site", port)


def start_ws_app(session) -> int:
    session.file_system.write_file("/home/user/ws_echo_app.py", WS_APP)
    port = free_port()
    return start(session, f"python3 /home/user/ws_echo_app.py {port}", port)


def start_cookie_app(session) -> int:
    """A Jupyter-like app: its own cookies, absolute URLs, an XSRF header wanted on POST."""
    session.file_system.write_file("/home/user/cookie_app.py", COOKIE_APP)
    port = free_port()
    return start(session, f"python3 /home/user/cookie_app.py {port}", port)


@pytest.fixture
def other_session(bay):
    result = bay.create()
    yield result.session
    result.session.delete()
