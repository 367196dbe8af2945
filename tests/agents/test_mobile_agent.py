"""The mobile agent's step loop with the scripted model, on a device made here: no phone is
attached to this machine. The device builds every command with the real adb layer's argument
builders (openbay.sandbox.android.adb: validation, escaping, keycodes) and reads a real uiautomator
dump with the real parser; only running `adb` is left out (the adb layer is tested against a
real adb binary in tests/mobile)."""
import base64
import io
from pathlib import Path

import pytest
from PIL import Image

from openbay.agents.llm import ChatClient, LLMConfig
from openbay.agents.mobile_agent import MobileAgent
from openbay.agents.screen_runtime import ScreenFailed, run_mobile_task
from openbay.agents.step_loop import AgentOptions
from openbay.sandbox.android import adb
from openbay.sandbox.android.uiautomator import parse_dump
from tests.helpers.scripted_llm import Turn, call, done, on_text, page_state_of

from .conftest import Recorder

DUMP = (Path(__file__).parent.parent / "mobile" / "fixtures" / "settings_dump.xml").read_bytes()
PHONE = (1080, 2280)


class DeviceHere:
    """A device of this test: the adb layer's commands are recorded instead of sent."""

    def __init__(self, screenshots_left: int = 1000):
        self.commands: list[list[str]] = []
        self.screenshots_left = screenshots_left

    async def screenshot(self) -> bytes:
        if self.screenshots_left <= 0:
            raise adb.AdbError("adb exec-out screencap: device 'emulator-5554' not found", no_device=True)
        self.screenshots_left -= 1
        shade = (len(self.commands) * 40) % 256  # the screen changes with every command
        out = io.BytesIO()
        Image.new("RGB", PHONE, (shade, 120, 200)).save(out, "PNG")
        return out.getvalue()

    async def ui_elements(self):
        return parse_dump(DUMP)

    async def tap(self, x, y):
        self.commands.append(adb.tap_args(x, y))

    async def swipe(self, x1, y1, x2, y2, duration_ms=300):
        self.commands.append(adb.swipe_args(x1, y1, x2, y2, duration_ms))

    async def input_text(self, text):
        self.commands.append(adb.text_args(text))

    async def send_key(self, key):
        self.commands.append(adb.key_args(key))

    async def start_app(self, package, activity=""):
        self.commands.append(adb.start_app_args(package, activity))

    async def stop_app(self, package):
        self.commands.append(adb.stop_app_args(package))

    async def list_apps(self, third_party_only=True):
        self.commands.append(adb.list_apps_args(third_party_only))
        return adb.parse_packages("package:com.example.notes\npackage:org.example.maps\n")


@pytest.fixture
def client(model):
    return ChatClient(LLMConfig(base_url=model.base_url, model="scripted"), backoff_s=0.01)


async def test_mobile_agent_taps_swipes_types_and_maps_coordinates(model, client):
    device = DeviceHere()
    model.set_script([
        on_text("tap", "Network & internet"),
        Turn(tool_calls=[("swipe", {"start_x": 300, "start_y": 1000, "end_x": 300, "end_y": 200}),
                         ("input_text", {"text": "wifi 5G"}), ("send_key", {"key": "back"})]),
        Turn(tool_calls=[("input_text", {"text": "héllo"}), ("tap", {"index": 999}),
                         ("send_key", {"key": "nosuchkey"}), ("tap", {"x": 605, "y": 1279})]),
        Turn(tool_calls=[("start_app", {"package": "com.android.settings"}),
                         ("stop_app", {"package": "com.android.settings"}), ("list_apps", {})]),
        call("start_app", package="not a package; reboot"),
        done("checked the network", data={"ok": True})])
    hooks = Recorder()
    options = AgentOptions(output_schema={"type": "object", "properties": {"ok": {"type": "boolean"}},
                                          "required": ["ok"]})
    try:
        outcome = await MobileAgent(client, device, hooks, options).run("look at the network settings")
    finally:
        await client.close()
    assert outcome.data == {"ok": True} and outcome.steps == 6

    # a 1080x2280 phone fits 800x1280 turned upright: 606x1280, and the model is told so
    state = page_state_of(model.requests[0])
    assert "606x1280" in state and "App in front: com.android.settings" in state
    assert "TextView 'Network & internet' id=" in state
    image = model.requests[0]["messages"][-1]["content"][1]["image_url"]["url"]
    assert Image.open(io.BytesIO(base64.b64decode(image.split(",", 1)[1]))).size == (606, 1280)

    assert device.commands == [
        ["shell", "input", "tap", "454", "372"],  # the element's centre on the phone
        ["shell", "input", "swipe", "535", "1782", "535", "357", "300"],  # screenshot pixels scaled back
        ["shell", "input", "text", "wifi%s5G"],
        ["shell", "input", "keyevent", "4"],
        ["shell", "input", "tap", "1079", "2279"],  # the last screenshot pixel is the last phone pixel
        ["shell", "monkey", "-p", "com.android.settings", "-c", "android.intent.category.LAUNCHER", "1"],
        ["shell", "am", "force-stop", "com.android.settings"],
        ["shell", "pm", "list", "packages", "-3"],
    ]
    results = {(r["name"], r["ok"]): r["output"] for r in hooks.of("tool_result")}
    assert "printable ASCII" in results[("input_text", False)]
    assert "no element [999]" in results[("tap", False)]
    assert "unknown key 'nosuchkey'" in results[("send_key", False)]
    assert "invalid arguments" in results[("start_app", False)]
    assert results[("list_apps", True)] == "installed apps: com.example.notes, org.example.maps"
    assert len(hooks.steps) == 6 and all(s.screenshot for s in hooks.steps)
    assert hooks.steps[0].title == "com.android.settings"


async def test_a_device_that_goes_away_fails_the_task_with_the_reason(model):
    model.set_script([call("send_key", key="home"), call("send_key", key="home"), done("never")])
    with pytest.raises(ScreenFailed, match="device failed: .*not found"):
        await run_mobile_task("go home", llm=LLMConfig(base_url=model.base_url, model="scripted"),
                              options=AgentOptions(max_steps=50), hooks=Recorder(),
                              device=DeviceHere(screenshots_left=1))
    assert len(model.requests) == 1
