"""The computer agent on a real computer (runc sandbox, Xvfb, openbox, xdotool, envd),
with the scripted model: coordinates of a scaled screenshot land on the right screen pixels,
and the shell and file tools work in the sandbox."""
import base64
import io

import pytest
from PIL import Image

from openbay.agents.computer import EnvdComputer
from openbay.agents.computer_agent import ComputerAgent
from openbay.agents.llm import ChatClient, LLMConfig
from openbay.agents.step_loop import AgentOptions
from tests.helpers.scripted_llm import Turn, call, done, page_state_of
from tests.helpers.sessions import new_session
from tests.helpers.waiting import async_wait_for

from .conftest import Recorder


@pytest.fixture(scope="module")
def computer_session(server):
    """A computer session of the test server and the agent's view of it."""
    with new_session(server, "computer") as s:
        yield s, EnvdComputer(server.services.sessions.live[s.session_id].sandbox.envd)


async def run_agent(model, computer, script, **kw):
    model.set_script(script)
    hooks = Recorder()
    client = ChatClient(LLMConfig(base_url=model.base_url, model="scripted"), backoff_s=0.01)
    try:
        outcome = await ComputerAgent(client, computer, hooks, AgentOptions(max_steps=10), **kw).run("the task")
    finally:
        await client.close()
    return outcome, hooks


async def cursor(computer) -> tuple[int, int]:
    pos = await computer.envd.call({"op": "desktop_cursor"})
    return pos["x"], pos["y"]


def sent_image(body: dict) -> Image.Image:
    """The screenshot of the newest user message; its format must be what the data URL says."""
    url = next(p["image_url"]["url"] for p in body["messages"][-1]["content"] if p["type"] == "image_url")
    mime, data = url.removeprefix("data:").split(";base64,", 1)
    image = Image.open(io.BytesIO(base64.b64decode(data)))
    assert image.get_format_mimetype() == mime
    return image


async def test_coordinates_of_a_scaled_screenshot_land_on_the_screen(model, computer_session):
    _, computer = computer_session
    pid = await computer.start_app("xterm -T map-test -geometry 40x10+300+200")
    async def mapped():
        return [w for w in await computer.windows() if w.title == "map-test"]
    xterm = (await async_wait_for(mapped, what="the xterm window"))[0]

    # half the screen's size: every screenshot pixel covers 2x2 screen pixels
    outcome, hooks = await run_agent(model, computer, [call("move_mouse", x=100, y=50), done("moved")],
                                     max_width=640, max_height=400)
    assert outcome.success, outcome.error
    assert await cursor(computer) == (201, 101)
    image = sent_image(model.requests[0])
    assert image.size == (640, 400) and image.format == "JPEG"
    state = page_state_of(model.requests[0])
    assert "640x400" in state
    # the window list is in the screenshot's pixels too
    assert f"'map-test' (xterm) at x {xterm.x // 2}..{(xterm.x + xterm.width) // 2}, y {xterm.y // 2}.." in state

    outcome, hooks = await run_agent(model, computer, [
        Turn(tool_calls=[("click", {"x": 640, "y": 10}), ("drag", {"from_x": 0, "from_y": 0, "to_x": 639,
                                                                   "to_y": 399})]),
        done("dragged")], max_width=640, max_height=400)
    assert outcome.success, outcome.error
    results = hooks.of("tool_result")
    assert not results[0]["ok"] and "outside the screenshot, which is 640x400" in results[0]["output"]
    assert results[1]["ok"]
    assert await cursor(computer) == (1279, 799)  # the last screenshot pixel is the last screen pixel

    # unscaled (the screen is 1280x800): a pixel is a pixel
    outcome, _ = await run_agent(model, computer, [call("click", x=333, y=444, button="right"), done("ok")])
    assert await cursor(computer) == (333, 444)
    image = sent_image(model.requests[0])
    assert image.size == (1280, 800) and image.format == "PNG"  # fits already: sent as it is
    await computer.run_command(f"kill {pid}", 10)


async def test_shell_and_file_tools_work_in_the_sandbox(model, computer_session):
    session, computer = computer_session
    outcome, hooks = await run_agent(model, computer, [
        Turn(tool_calls=[("write_file", {"path": "/home/user/agent.txt", "content": "written by the agent\n"}),
                         ("run_command", {"command": "cat /home/user/agent.txt; whoami >&2; exit 3"})]),
        call("read_file", path="/home/user/agent.txt"),
        call("read_file", path="/home/user/missing.txt"),
        call("write_file", path="relative.txt", content="x"),
        done("files done")])
    assert outcome.success, outcome.error
    results = hooks.of("tool_result")
    assert results[0]["ok"] and results[1]["ok"]
    assert results[1]["output"].startswith("exit code 3; output:\nwritten by the agent\n")
    assert results[2]["ok"] and results[2]["output"] == "written by the agent\n"
    assert not results[3]["ok"] and "not found" in results[3]["output"]
    assert not results[4]["ok"] and "invalid arguments" in results[4]["output"]
    # the file is really there, for the SDK too
    assert session.file_system.read_file("/home/user/agent.txt").content == "written by the agent\n"


async def test_a_bad_key_and_an_unknown_window_are_errors_for_the_model(model, computer_session):
    _, computer = computer_session
    outcome, hooks = await run_agent(model, computer, [
        Turn(tool_calls=[("press_keys", {"keys": ["ctrl+s"]}), ("activate_window", {"window_id": 99999})]),
        done("ok")])
    assert outcome.success
    first, second, _ = hooks.of("tool_result")
    assert not first["ok"] and "invalid arguments" in first["output"]
    assert not second["ok"] and "no window 99999" in second["output"]
