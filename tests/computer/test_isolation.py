"""A computer belongs to its session alone, and leaves nothing behind."""
import httpx

from tests.helpers.sandbox_procs import listening_tcp_ports
from tests.helpers.sessions import new_session
from tests.helpers.waiting import wait_for

from .conftest import pids_of, png_size, window_titled

PROBE = r"""
import socket
for name, addr in (("path", "/tmp/.X11-unix/X1"), ("abstract", "\0/tmp/.X11-unix/X1")):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(addr)
        print(name, "reachable")
    except OSError:
        print(name, "unreachable")
"""


def test_another_session_cannot_reach_this_computer(server, computer_session):
    computer_session.application.start_app("xterm -T only-mine")
    wait_for(lambda: window_titled(computer_session, "only-mine"), what="the xterm window")

    with new_session(server, "computer") as other, new_session(server) as plain:
        # another computer of the same owner is a different X server
        assert window_titled(other, "only-mine") is None
        # a shell in another session finds no X socket, by path or in the abstract namespace
        # (which the host network namespace would share)
        probe = plain.command.execute_command(f"python3 -c '{PROBE}'")
        assert probe.output.split() == ["path", "unreachable", "abstract", "unreachable"], probe
        # no X server or VNC listens on a TCP port, even inside the session's own network
        uid = computer_session.session_id
        assert listening_tcp_ports(uid) == []


def test_another_owner_sees_nothing(server, computer_session):
    stranger = server.new_owner_key("stranger")
    base = f"{server.base_url}/v1/sessions/{computer_session.session_id}"
    headers = {"Authorization": f"Bearer {stranger}"}
    for path in ("/computer/screenshot", "/windows", "/applications/running", "/computer/cursor"):
        r = httpx.get(base + path, headers=headers)
        assert r.status_code == 404, (path, r.status_code)
    r = httpx.post(base + "/computer/keyboard/text", json={"text": "x"}, headers=headers)
    assert r.status_code == 404


def test_no_x_server_is_left_after_delete(server):
    with new_session(server, "computer") as session:
        assert session.computer.screenshot()  # the computer is up
        uid = session.session_id
        assert pids_of(uid, "Xvfb") and pids_of(uid, "openbox")
    wait_for(lambda: not pids_of(uid, "Xvfb") and not pids_of(uid, "openbox"),
             what="the X server to be gone")


def test_the_computer_comes_back_after_the_x_server_dies(server):
    with new_session(server, "computer") as session:
        assert session.computer.screenshot()
        uid = session.session_id
        first = pids_of(uid, "Xvfb")
        session.command.execute_command("pkill -KILL -x Xvfb")
        assert png_size(session.computer.screenshot()) == (1280, 800)
        again = pids_of(uid, "Xvfb")
        assert again and set(again).isdisjoint(first)
        session.window.list_root_windows()  # the window manager is back too
