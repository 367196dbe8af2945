"""Computer and mobile tasks through the SDK, against a real server: the computer agent on a
real Xvfb computer with the real text editor (mousepad); the mobile agent with no device."""
import re

import pytest

from openbay import CreateSessionParams
from tests.helpers.errors import raised
from tests.helpers.scripted_llm import Turn, call, done, page_state_of
from tests.helpers.sessions import new_session
from tests.helpers.waiting import PATIENCE_S, wait_for

LINE = "hello from the computer agent"
_WINDOW = re.compile(r"- window (\d+): '([^']*)' \((\w*)\) at x (\d+)\.\.(\d+), y (\d+)\.\.(\d+)")


@pytest.fixture(scope="module")
def csession(agent_server):
    """A computer session of the agent server."""
    with new_session(agent_server, "computer") as s:
        yield s


def when_window(llm, title_part: str, then, tries: int = 60):
    """A turn that waits until a window whose title holds `title_part` is listed, then
    answers then(window_id, centre_x, centre_y) (the centre in screenshot pixels)."""
    left = [tries]

    def turn(body):
        for m in _WINDOW.finditer(page_state_of(body)):
            if title_part in m.group(2):
                x1, x2, y1, y2 = (int(m.group(i)) for i in (4, 5, 6, 7))
                return then(int(m.group(1)), (x1 + x2) // 2, (y1 + y2) // 2)
        left[0] -= 1
        if left[0] > 0:
            llm.script.insert(0, turn)  # ask again next step
        return call("wait", seconds=0.5)
    return turn


def test_computer_task_writes_a_line_in_the_text_editor_and_saves_it(llm, csession):
    llm.set_script([
        Turn(reasoning="I make the file, then open it in the editor.",
             tool_calls=[("run_command", {"command": "printf '' > /home/user/note.txt"}),
                         ("start_app", {"command": "mousepad /home/user/note.txt"})]),
        when_window(llm, "note.txt", lambda wid, x, y: Turn(tool_calls=[
            ("activate_window", {"window_id": wid}), ("click", {"x": x, "y": y}),
            ("type_text", {"text": LINE}), ("press_keys", {"keys": ["ctrl", "s"]})])),
        call("wait", seconds=0.5),
        call("read_file", path="/home/user/note.txt"),
        done("typed the line and saved the file")])
    tool_calls = []
    r = csession.agent.computer.execute_task_and_wait(
        "Open /home/user/note.txt in the text editor, write a line and save it", timeout=180,
        on_tool_call=lambda e: tool_calls.append(e.payload["name"]))
    assert r.task_status == "finished" and r.task_result == "typed the line and saved the file"
    assert tool_calls[:2] == ["run_command", "start_app"] and tool_calls[-2:] == ["read_file", "done"]
    assert {"activate_window", "click", "type_text", "press_keys"} <= set(tool_calls)
    # the file, read back through the SDK
    wait_for(lambda: csession.file_system.read_file("/home/user/note.txt").content.strip() == LINE,
             what="the saved line in the file")
    # the agent read it back too, and the model saw that
    assert LINE in str(llm.requests[-1]["messages"])
    # every step kept the screenshot the model saw and the active window
    assert len(r.screenshots) == r.steps == len(r.execution_logs)
    assert any("note.txt" in log["title"] for log in r.execution_logs)
    first = llm.requests[0]
    assert [t["function"]["name"] for t in first["tools"]][:3] == ["click", "move_mouse", "drag"]
    assert "1280x800" in page_state_of(first)
    stopped = csession.command.execute_command("pkill -x mousepad || true")
    assert stopped.exit_code == 0


def test_terminate_a_computer_task_mid_step(llm, csession):
    llm.set_script([Turn(hold_s=600, tool_calls=[("wait", {"seconds": 1})])])
    agent = csession.agent.computer
    ex = agent.execute_task("think for a long time")
    wait_for(lambda: llm.requests and agent.get_task_status(ex.task_id).task_status == "running",
             what="the task to ask the model")
    stopped = agent.terminate_task(ex.task_id)
    assert stopped.task_status == "cancelled"
    r = ex.wait(timeout=PATIENCE_S)
    assert r.task_status == "cancelled" and "terminated by the user" in r.error_message
    # the session takes the next task at once
    llm.set_script([done("next")])
    assert agent.execute_task_and_wait("next one", timeout=PATIENCE_S).finished


def test_screen_agents_need_their_kind_of_session(agent_server, abay, make_session):
    linux = make_session(source=agent_server)
    ex = raised(lambda: linux.agent.computer.execute_task("click something"))
    assert "image_id 'computer'" in ex.message
    assert ex.code == "conflict"  # the wrong kind of session
    # no Android device on this server: it says at once how to attach one
    mobile = raised(lambda: linux.agent.mobile.execute_task("open the settings", max_steps=50))
    assert mobile.code == "unavailable"
    assert "no device is configured" in mobile.message
    assert "adb connect" in mobile.message and "OPENBAY_ADB_SERIAL" in mobile.message
    waited = raised(lambda: linux.agent.mobile.execute_task_and_wait("open the settings", timeout=PATIENCE_S))
    assert "OPENBAY_ADB_SERIAL" in waited.message
    # and a mobile session cannot be made either, for the same reason
    created = raised(lambda: abay.create(CreateSessionParams(image_id="mobile")))
    assert "OPENBAY_ADB_SERIAL" in created.message
