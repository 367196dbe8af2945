"""The computer of a computer session: screen, mouse, keyboard, windows, apps."""
import httpx
import pytest

from tests.helpers.errors import raised
from tests.helpers.waiting import wait_for

from .conftest import png_size, window_titled


def test_screenshot_is_a_png_of_the_screen_and_changes_after_an_action(computer_session):
    size = computer_session.computer.get_screen_size()
    assert (size.data.width, size.data.height) == (1280, 800)
    before = computer_session.computer.screenshot()
    assert png_size(before) == (1280, 800)

    started = computer_session.application.start_app("xterm -T shot-test -bg white -geometry 80x24+100+100")
    wait_for(lambda: window_titled(computer_session, "shot-test"), what="the xterm window")
    after = wait_for(lambda: (lambda s: s if s != before else None)(computer_session.computer.screenshot()),
                     what="a different screenshot")
    assert png_size(after) == (1280, 800)
    computer_session.application.stop_app_by_pid(started.data[0].pid)


def test_mouse_moves_and_the_cursor_follows(computer_session):
    computer_session.computer.move_mouse(321, 123)
    pos = computer_session.computer.get_cursor_position()
    assert (pos.data.x, pos.data.y) == (321, 123)
    computer_session.computer.click_mouse(400, 300, "right")
    computer_session.computer.drag_mouse(10, 10, 200, 150)
    pos = computer_session.computer.get_cursor_position()
    assert (pos.data.x, pos.data.y) == (200, 150)
    computer_session.computer.scroll(640, 400, "down", 3)
    computer_session.computer.press_keys(["Escape"])


def test_typed_line_is_saved_from_the_text_editor(computer_session):
    run = computer_session.command.execute_command("printf '' > /home/user/note.txt")
    assert run.exit_code == 0
    computer_session.application.start_app("mousepad /home/user/note.txt")
    editor = wait_for(lambda: window_titled(computer_session, "note.txt"), what="the editor window")
    computer_session.window.activate_window(editor.window_id)
    wait_for(lambda: (lambda a: a.data and a.data.window_id == editor.window_id)(
        computer_session.window.get_active_window()), what="the editor to have focus")

    computer_session.computer.input_text("hello from the computer")
    computer_session.computer.press_keys(["ctrl", "s"])
    content = wait_for(lambda: computer_session.command.execute_command("cat /home/user/note.txt").output,
                       what="the saved file")
    assert content.strip() == "hello from the computer"
    computer_session.window.close_window(editor.window_id)
    wait_for(lambda: window_titled(computer_session, "note.txt") is None, what="the editor to close")


def test_windows_list_and_change_state(computer_session):
    started = computer_session.application.start_app("xterm -T win-test -geometry 60x20+50+50")
    pid = started.data[0].pid
    win = wait_for(lambda: window_titled(computer_session, "win-test"), what="the xterm window")
    assert win.pid == pid and win.pname == "xterm"
    assert win.width > 0 and win.height > 0

    computer_session.window.maximize_window(win.window_id)
    wait_for(lambda: window_titled(computer_session, "win-test").width >= 1200, what="a maximized window")
    computer_session.window.resize_window(win.window_id, 500, 300)
    wait_for(lambda: abs(window_titled(computer_session, "win-test").width - 500) <= 20, what="a resized window")
    computer_session.window.fullscreen_window(win.window_id)
    wait_for(lambda: window_titled(computer_session, "win-test").height == 800, what="a fullscreen window")
    computer_session.window.restore_window(win.window_id)
    computer_session.window.minimize_window(win.window_id)
    computer_session.window.activate_window(win.window_id)
    wait_for(lambda: (lambda a: a.data and a.data.window_id == win.window_id)(
        computer_session.window.get_active_window()), what="the window to be active")

    computer_session.window.close_window(win.window_id)
    wait_for(lambda: window_titled(computer_session, "win-test") is None, what="the window to close")
    missing = raised(lambda: computer_session.window.close_window(win.window_id))
    assert missing.code == "not_found"


def test_applications_installed_started_listed_and_stopped(computer_session):
    installed = computer_session.application.get_installed_apps()
    commands = {app.start_cmd.split()[0] for app in installed.data}
    assert {"xterm", "mousepad"} <= commands
    assert "x11vnc" not in commands  # it would listen on the shared host network

    started = computer_session.application.start_app("xterm -T app-test")
    pid = started.data[0].pid
    assert started.data[0].pname == "xterm"
    wait_for(lambda: pid in {p.pid for p in computer_session.application.list_visible_apps().data},
             what="the app among the running ones")
    stopped = computer_session.application.stop_app_by_pid(pid)
    assert stopped.data == [pid]
    wait_for(lambda: pid not in {p.pid for p in computer_session.application.list_visible_apps().data},
             what="the app to be gone")
    raised(lambda: computer_session.application.stop_app_by_pname("no-such-app"))
    # the computer's own processes (X server, window manager) are not apps to stop
    raised(lambda: computer_session.application.stop_app_by_pname("Xvfb"))


def test_bad_input_is_refused_with_a_clear_error(server, computer_session):
    base = f"{server.base_url}/v1/sessions/{computer_session.session_id}"
    headers = {"Authorization": f"Bearer {server.admin_key}"}
    for path, body in (("/computer/mouse/click", {"x": -1, "y": 5}),
                       ("/computer/mouse/click", {"x": 1, "y": 5, "button": "thumb"}),
                       ("/computer/keyboard/keys", {"keys": ["ctrl s"]}),
                       ("/computer/keyboard/text", {"text": ""}),
                       ("/windows/0/maximize", None),
                       ("/applications/stop", {})):
        r = httpx.post(base + path, json=body, headers=headers)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["error"]["code"] == "validation_error"
    with pytest.raises(ValueError):
        computer_session.computer.click_mouse(-5, 0)


def test_a_linux_session_is_not_a_computer(session):
    r = raised(lambda: session.window.list_root_windows())
    assert r.code == "conflict"  # the wrong kind of session
    assert "computer" in r.message
