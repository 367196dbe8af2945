"""The async client drives the computer with the same calls; held keys stay down until released."""
import asyncio

from openbay import AsyncOpenBay
from tests.helpers.waiting import wait_for

from .conftest import png_size, window_titled


def test_async_client_drives_the_same_computer(server, computer_session):
    async def main():
        async with AsyncOpenBay(api_key=server.admin_key, base_url=server.base_url) as bay:
            s = (await bay.get(computer_session.session_id)).session
            png = await s.computer.screenshot()
            assert png_size(png) == (1280, 800)
            await s.computer.move_mouse(77, 66)
            pos = await s.computer.get_cursor_position()
            assert (pos.data.x, pos.data.y) == (77, 66)
            windows = await s.window.list_root_windows()
            assert isinstance(windows.data, list)

    asyncio.run(main())


def test_held_shift_types_capitals_until_released(computer_session):
    run = computer_session.command.execute_command("printf '' > /home/user/keys.txt")
    assert run.exit_code == 0
    started = computer_session.application.start_app("xterm -T keys-test -e 'cat > /home/user/keys.txt'")
    term = wait_for(lambda: window_titled(computer_session, "keys-test"), what="the xterm window")
    computer_session.window.activate_window(term.window_id)
    wait_for(lambda: (lambda a: a.data and a.data.window_id == term.window_id)(
        computer_session.window.get_active_window()), what="the terminal to have focus")
    computer_session.computer.press_keys(["shift"], hold=True)
    computer_session.computer.press_keys(["a"])
    computer_session.computer.release_keys(["shift"])
    computer_session.computer.press_keys(["b"])
    computer_session.computer.press_keys(["enter"])
    wait_for(lambda: computer_session.command.execute_command("cat /home/user/keys.txt").output == "Ab\n",
             what="the keys in the file")
    computer_session.application.stop_app_by_pid(started.data[0].pid)
