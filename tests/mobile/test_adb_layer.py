"""The adb command layer against the real `adb` binary, its server on loopback with no device."""
import asyncio
import shutil
import socket
from pathlib import Path

import pytest

from openbay.sandbox.android import adb
from openbay.sandbox.android.uiautomator import UiDumpError, clickable_elements, parse_dump

FIXTURE = Path(__file__).parent / "fixtures" / "settings_dump.xml"
pytestmark = pytest.mark.skipif(shutil.which("adb") is None, reason="apt-get install adb")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def adb_client():
    """An adb server of our own on a free loopback port, killed afterwards."""
    client = adb.AdbClient(port=free_port())
    asyncio.run(client.run(["start-server"], timeout_s=30))
    assert listening(client.port)
    yield client
    asyncio.run(client.kill_server())
    assert not listening(client.port)


def test_no_device_is_listed(adb_client):
    assert asyncio.run(adb_client.devices()) == []


def test_a_missing_device_fails_at_once_and_says_so(adb_client):
    device = adb_client.device("emulator-5554")
    for action in (device.state(), device.tap(10, 20), device.screenshot(), device.ui_elements(),
                   device.list_apps()):
        with pytest.raises(adb.AdbError) as info:
            asyncio.run(action)
        assert info.value.no_device, str(info.value)
        assert "emulator-5554" in str(info.value)


def test_a_missing_adb_binary_is_a_clear_error():
    client = adb.AdbClient(adb="/nonexistent/adb")
    with pytest.raises(adb.AdbError, match="apt-get install adb"):
        asyncio.run(client.devices())


def test_commands_are_built_as_argv():
    assert adb.tap_args(10, 20) == ["shell", "input", "tap", "10", "20"]
    assert adb.swipe_args(1, 2, 3, 4, 500) == ["shell", "input", "swipe", "1", "2", "3", "4", "500"]
    assert adb.key_args("home") == ["shell", "input", "keyevent", "3"]
    assert adb.key_args("BACK")[-1] == "4" and adb.key_args("menu")[-1] == "82"
    assert adb.key_args(26)[-1] == "26"
    assert adb.start_app_args("com.android.settings") == [
        "shell", "monkey", "-p", "com.android.settings", "-c", "android.intent.category.LAUNCHER", "1"]
    assert adb.start_app_args("com.android.settings", ".Settings")[-1] == "com.android.settings/.Settings"
    assert adb.stop_app_args("com.example.app") == ["shell", "am", "force-stop", "com.example.app"]
    assert adb.list_apps_args() == ["shell", "pm", "list", "packages", "-3"]


def test_text_is_escaped_for_the_device_shell():
    # `input text` runs in the device's sh: nothing may start a command there
    assert adb.text_args("hello world")[-1] == "hello%sworld"
    assert adb.escape_input_text("a;rm -rf /&$(x)") == "a\\;rm%s\\-rf%s\\/\\&\\$\\(x\\)"
    assert adb.escape_input_text("it's \"ok\"") == "it\\'s%s\\\"ok\\\""
    for bad in ("", "x" * 2001, "tab\there", "ünïcode"):
        with pytest.raises(ValueError):
            adb.escape_input_text(bad)


def test_bad_arguments_never_reach_adb():
    for build in (lambda: adb.tap_args(-1, 0), lambda: adb.tap_args(True, 0),
                  lambda: adb.swipe_args(0, 0, 1, 1, 20_000), lambda: adb.key_args("reboot"),
                  lambda: adb.key_args(0), lambda: adb.start_app_args("com.x;reboot"),
                  lambda: adb.start_app_args("settings"),
                  lambda: adb.start_app_args("com.x.y", "Main; reboot"),
                  lambda: adb.stop_app_args("$(reboot)"), lambda: adb.check_serial("a b")):
        with pytest.raises(ValueError):
            build()


def test_device_list_and_packages_are_parsed():
    out = ("List of devices attached\nemulator-5554          device product:sdk_gphone64 model:Pixel\n"
           "R58M123ABC             unauthorized usb:1-1 transport_id:2\n\n")
    devices = adb.parse_devices(out)
    assert [(d.serial, d.state) for d in devices] == [("emulator-5554", "device"),
                                                       ("R58M123ABC", "unauthorized")]
    assert adb.parse_packages("package:com.b\npackage:com.a\nnoise\n") == ["com.a", "com.b"]


def test_a_uiautomator_dump_becomes_a_tree():
    roots = parse_dump(FIXTURE.read_bytes())
    assert len(roots) == 1
    frame = roots[0]
    assert frame.class_name == "android.widget.FrameLayout" and frame.bounds == (0, 0, 1080, 2280)
    search, scroll = frame.children
    assert search.content_desc == "Search settings" and search.clickable
    assert search.children[0].text == "Search settings"
    assert scroll.flags["scrollable"] and [c.text for c in scroll.children] == [
        "Network & internet", "Connected devices"]
    assert scroll.children[0].center == (454, 372)
    assert [e.resource_id for e in clickable_elements(roots)] == [
        "com.android.settings:id/search_bar", "android:id/title", "android:id/title"]
    tree = frame.to_dict()
    assert tree["children"][1]["children"][1]["text"] == "Connected devices"


def test_a_dump_with_noise_around_it_still_parses_and_garbage_does_not():
    text = "UI hierchary dumped to: /dev/tty\n" + FIXTURE.read_text()
    assert parse_dump(text)[0].children[0].clickable
    for bad in ("ERROR: could not get idle state.", "<hierarchy><node", "<?xml version='1.0'?>"
                "<!DOCTYPE x [<!ENTITY a 'b'>]><hierarchy/>"):
        with pytest.raises(UiDumpError):
            parse_dump(bad)
