"""Screenshots hold the right pixels: colours in RGB order, where the window list says."""
from tests.helpers.waiting import wait_for

from .conftest import decode_png, pixel, window_titled


def test_a_red_window_is_red_where_the_window_list_puts_it(computer_session):
    started = computer_session.application.start_app("xterm -T red-test -bg '#ff0000' -geometry 40x10+300+200")
    win = wait_for(lambda: window_titled(computer_session, "red-test"), what="the red window")

    def red_inside():
        shot = decode_png(computer_session.computer.screenshot())
        x = win.absolute_upper_left_x + win.width - 10
        y = win.absolute_upper_left_y + win.height - 10
        return pixel(shot, x, y) == (255, 0, 0) and shot
    shot = wait_for(red_inside, what="red pixels in the window")
    # outside the window the screen's background shows, not red
    assert pixel(shot, 5, 795) != (255, 0, 0)
    computer_session.application.stop_app_by_pid(started.data[0].pid)
