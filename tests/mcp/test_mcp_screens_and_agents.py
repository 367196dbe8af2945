"""MCP tools on real Chromium and a real computer, and an agent task with the scripted model,
through the `mcp` SDK's client."""
import base64
import json

import pytest

from tests.computer.conftest import png_size, window_titled
from tests.helpers.scripted_llm import call, done
from tests.helpers.server import free_port
from tests.helpers.sessions import new_session
from tests.helpers.waiting import wait_for

from .conftest import connect
from .test_mcp_server import json_of, text_of


@pytest.mark.parametrize("kind", ["stdio", "http"])
async def test_browser_navigate_and_screenshot(mcp_server, site, kind):
    async with connect(kind, mcp_server) as client:
        sid = json_of(await client.call_tool("create_session", {"image_id": "browser"}))["session_id"]
        try:
            page = json_of(await client.call_tool("browser_navigate", {"session_id": sid,
                                                                       "url": f"{site}/weather"}))
            assert page == {"url": f"{site}/weather", "title": "Weather"}
            shot = await client.call_tool("browser_screenshot", {"session_id": sid})
            assert not shot.is_error and shot.content[0].type == "image"
            assert shot.content[0].mime_type == "image/png"
            width, height = png_size(base64.b64decode(shot.content[0].data))
            assert width > 600 and height > 400
            again = json_of(await client.call_tool("browser_navigate", {"session_id": sid,
                                                                        "url": f"{site}/weather#below"}))
            assert again["url"].endswith("#below")  # a same-document move answers at once
            closed = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
            bad = await client.call_tool("browser_navigate", {"session_id": sid, "url": closed})
            assert bad.is_error and "ERR_CONNECTION_REFUSED" in text_of(bad)
            linux = json_of(await client.call_tool("create_session", {}))["session_id"]
            none = await client.call_tool("browser_screenshot", {"session_id": linux})
            assert none.is_error and "no browser" in text_of(none)
            await client.call_tool("delete_session", {"session_id": linux})
        finally:
            await client.call_tool("delete_session", {"session_id": sid})


async def test_agent_task_reports_progress_and_returns_the_result(mcp_server, mcp_llm, site):
    schema = {"type": "object", "properties": {"weather": {"type": "string"}}, "required": ["weather"]}
    mcp_llm.set_script([call("go_to_url", reasoning="Open the weather page.", url=f"{site}/weather"),
                        done("Shanghai is sunny", data={"weather": "Sunny"})])
    async with connect("http", mcp_server) as client:
        sid = json_of(await client.call_tool("create_session", {"image_id": "browser"}))["session_id"]
        try:
            progress = []

            async def on_progress(value, total, message):
                progress.append(message)

            r = json_of(await client.call_tool("run_agent_task", {
                "session_id": sid, "task": "What is the weather in Shanghai?", "output_schema": schema,
                "max_steps": 5}, progress_callback=on_progress))
            assert r["status"] == "finished" and r["data"] == {"weather": "Sunny"}
            assert r["result"] == "Shanghai is sunny" and r["steps"] >= 2
            assert any(m.startswith("reasoning: Open the weather page.") for m in progress)
            assert any(m.startswith("tool_call: go_to_url") and "/weather" in m for m in progress)
            # the model was shown the schema the MCP caller gave
            done_tool = next(t for t in mcp_llm.requests[-1]["tools"] if t["function"]["name"] == "done")
            assert "weather" in json.dumps(done_tool)
        finally:
            await client.call_tool("delete_session", {"session_id": sid})


async def test_computer_screenshot_click_and_type(mcp_server):
    async with connect("http", mcp_server) as client:
        sid = json_of(await client.call_tool("create_session", {"image_id": "computer"}))["session_id"]
        try:
            shot = await client.call_tool("computer_screenshot", {"session_id": sid})
            assert png_size(base64.b64decode(shot.content[0].data)) == (1280, 800)

            computer = mcp_server.client().get(sid).session  # starting the editor is not an MCP tool
            json_of(await client.call_tool("write_file", {"session_id": sid, "path": "note.txt", "content": ""}))
            computer.application.start_app("mousepad /home/user/note.txt")
            editor = wait_for(lambda: window_titled(computer, "note.txt"), what="the editor")
            x, y = editor.absolute_upper_left_x + editor.width // 2, editor.absolute_upper_left_y + editor.height // 2
            json_of(await client.call_tool("computer_click", {"session_id": sid, "x": x, "y": y}))
            wait_for(lambda: (lambda a: a.data and a.data.window_id == editor.window_id)(
                computer.window.get_active_window()), what="the editor to have focus")
            json_of(await client.call_tool("computer_type", {"session_id": sid, "text": "typed over mcp"}))
            json_of(await client.call_tool("computer_type", {"session_id": sid, "keys": ["ctrl", "s"]}))
            saved = wait_for(lambda: computer.file_system.read_file("note.txt").content.strip(),
                             what="the saved file")
            assert saved == "typed over mcp"
            assert text_of(await client.call_tool("read_file", {"session_id": sid, "path": "note.txt"})
                           ).strip() == "typed over mcp"
            # the same computer as per-session MCP tools
            names = {t.name for t in computer.list_mcp_tools().tools}
            assert {"system_screenshot", "click_mouse", "input_text", "press_keys", "browser_screenshot"} <= names
            own = computer.call_mcp_tool("system_screenshot")
            assert not own.is_error and png_size(base64.b64decode(own.content[0]["data"])) == (1280, 800)
            assert not computer.call_mcp_tool("press_keys", {"keys": ["ctrl", "a"]}).is_error
            assert not computer.call_mcp_tool("input_text", {"text": "per-session tools"}).is_error
            assert not computer.call_mcp_tool("press_keys", {"keys": ["ctrl", "s"]}).is_error
            wait_for(lambda: computer.file_system.read_file("note.txt").content.strip() == "per-session tools",
                     what="the file saved through the per-session tools")
        finally:
            await client.call_tool("delete_session", {"session_id": sid})


def test_session_mcp_browser_screenshot(mcp_server, site):
    with new_session(mcp_server, "browser") as session:
        names = {t.name for t in session.list_mcp_tools().tools}
        assert "browser_screenshot" in names and "system_screenshot" not in names
        r = session.call_mcp_tool("browser_screenshot", {"full_page": False})
        assert not r.is_error and r.content[0]["type"] == "image" and r.content[0]["mimeType"] == "image/png"
        assert png_size(base64.b64decode(r.content[0]["data"]))[0] > 600
