"""The session page of a computer session shows the computer's screen through noVNC, view and control."""
import asyncio

import pytest
import websockets
from playwright.sync_api import sync_playwright

from tests.browser.conftest import launch_host_chromium
from tests.helpers.host_pages import open_page
from tests.helpers.sandbox_procs import listening_tcp_ports
from tests.helpers.waiting import PATIENCE_MS, PATIENCE_S, wait_for

from .conftest import pids_of, window_titled

WHITE_SHARE = """() => {
  const c = document.querySelector('#vnc-screen canvas');
  if (!c || !c.width) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let white = 0;
  for (let i = 0; i < d.length; i += 4 * 16) if (d[i] > 240 && d[i + 1] > 240 && d[i + 2] > 240) white++;
  return white / (d.length / (4 * 16));
}"""


def test_session_page_shows_the_screen_and_takes_input(server, computer_session):
    computer_session.application.start_app("xterm -T live-test -bg white -fg black -geometry 80x24+100+100")
    term = wait_for(lambda: window_titled(computer_session, "live-test"), what="the xterm window")
    link = computer_session.get_link()
    with sync_playwright() as p:
        person = launch_host_chromium(p)
        try:
            page = person.new_page(viewport={"width": 1400, "height": 1400})  # the whole screen in view
            open_page(page, link)
            page.wait_for_function("window.openbayVnc && window.openbayVnc.connected", timeout=PATIENCE_MS)
            # the white terminal shows up in the picture (the rest of the screen is black)
            page.wait_for_function(f"({WHITE_SHARE})() > 0.05", timeout=PATIENCE_MS)

            # a click on the terminal and typing on the page land in the session's computer
            canvas = page.locator("#vnc-screen canvas").bounding_box()
            scale = canvas["width"] / 1280
            cx = term.absolute_upper_left_x + term.width / 2
            cy = term.absolute_upper_left_y + term.height / 2
            page.mouse.click(canvas["x"] + cx * scale, canvas["y"] + cy * scale)
            page.keyboard.type("echo typed-through-vnc > /home/user/vnc.txt\n", delay=20)
            wait_for(lambda: "typed-through-vnc" in computer_session.command.execute_command(
                "cat /home/user/vnc.txt 2>/dev/null").output, what="the typed command to run")
        finally:
            person.close()
    # the viewer is gone: so is its x11vnc
    uid = computer_session.session_id
    wait_for(lambda: not pids_of(uid, "x11vnc"), what="x11vnc to stop")
    computer_session.application.stop_app_by_pname("xterm")


def test_vnc_socket_needs_a_page_token_or_the_key(server, computer_session, session):
    ws_base = server.base_url.replace("http", "ws", 1)
    url = f"{ws_base}/v1/sessions/{computer_session.session_id}/vnc"

    async def refused(u):
        with pytest.raises(websockets.exceptions.InvalidStatus) as info:
            async with websockets.connect(u):
                pass
        return info.value.response.status_code

    uid = computer_session.session_id

    async def greets(u) -> bytes:
        async with websockets.connect(u, subprotocols=["binary"]) as ws:
            hello = await asyncio.wait_for(ws.recv(), PATIENCE_S)
            # x11vnc runs for this viewer, yet nothing of the sandbox listens on TCP
            assert pids_of(uid, "x11vnc") and listening_tcp_ports(uid) == []
            return hello

    assert asyncio.run(refused(url)) == 403
    assert asyncio.run(refused(url + "?token=1.abc")) == 403
    # another session's page token does not open this computer
    other_token = session.get_link().partition("?token=")[2]
    assert asyncio.run(refused(url + "?token=" + other_token)) == 403
    # this session's page token does: the RFB server greets first
    token = computer_session.get_link().partition("?token=")[2]
    assert (asyncio.run(greets(url + "?token=" + token))).startswith(b"RFB 003.")
    # a linux session has no screen to view
    own = server.client()
    try:
        plain_url = f"{ws_base}/v1/sessions/{session.session_id}/vnc?token={server.admin_key}"
        assert asyncio.run(refused(plain_url)) == 403
    finally:
        own.close()
