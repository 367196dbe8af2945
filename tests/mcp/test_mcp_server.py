"""OpenBay's MCP server through the `mcp` SDK's client: sessions, commands (with progress),
files and code over stdio and streamable HTTP; keys, owners and errors."""
import json
import subprocess
import sys

import httpx
import pytest

from .conftest import TRANSPORTS, connect, stdio_params

EXPECTED_TOOLS = {"create_session", "list_sessions", "delete_session", "run_command", "read_file",
                  "write_file", "list_directory", "run_code", "browser_navigate", "browser_screenshot",
                  "computer_screenshot", "computer_click", "computer_type", "run_agent_task",
                  "browser_act", "browser_observe", "browser_extract"}


def text_of(result) -> str:
    return "".join(c.text for c in result.content if c.type == "text")


def json_of(result) -> dict:
    assert not result.is_error, text_of(result)
    return json.loads(result.content[0].text)


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_tools_have_descriptions_and_schemas(mcp_server, kind):
    async with connect(kind, mcp_server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert EXPECTED_TOOLS <= set(tools)
    for tool in tools.values():
        assert len(tool.description) > 20, tool.name
        assert tool.input_schema["type"] == "object"
    run = tools["run_command"].input_schema
    assert set(run["required"]) == {"session_id", "command"}
    assert run["properties"]["session_id"]["pattern"]
    assert tools["create_session"].input_schema["properties"]["image_id"]["enum"] == [
        "linux", "code", "browser", "computer", "mobile"]


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_a_session_from_create_to_delete(mcp_server, kind):
    async with connect(kind, mcp_server) as client:
        info = json_of(await client.call_tool("create_session", {"image_id": "linux",
                                                                 "labels": {"via": f"mcp-{kind}"}}))
        sid = info["session_id"]
        assert info["status"] == "running"
        listed = json_of(await client.call_tool("list_sessions", {"labels": {"via": f"mcp-{kind}"}}))
        assert [s["session_id"] for s in listed["sessions"]] == [sid]

        progress = []

        async def on_progress(value, total, message):
            progress.append((value, message))

        run = json_of(await client.call_tool(
            "run_command", {"session_id": sid, "command": "echo first; sleep 0.5; echo second >&2; exit 3"},
            progress_callback=on_progress))
        assert run["output"] == "first\n" and run["stderr"] == "second\n" and run["exit_code"] == 3
        # output arrived while the command ran, in order, with growing progress values
        assert [m for _, m in progress] == ["first\n", "second\n"]
        assert [v for v, _ in progress] == sorted(v for v, _ in progress)

        quiet = json_of(await client.call_tool("run_command", {"session_id": sid, "command": "pwd"}))
        assert quiet["output"] == "/home/user\n"

        wrote = json_of(await client.call_tool("write_file", {"session_id": sid, "path": "notes/a.txt",
                                                              "content": "héllo\n"}))
        assert wrote["bytes_written"] == len("héllo\n".encode())
        await client.call_tool("write_file", {"session_id": sid, "path": "notes/a.txt", "content": "more",
                                              "mode": "append"})
        assert text_of(await client.call_tool("read_file", {"session_id": sid,
                                                            "path": "/home/user/notes/a.txt"})) == "héllo\nmore"
        listing = json_of(await client.call_tool("list_directory", {"session_id": sid, "path": "notes"}))
        assert listing["entries"] == [{"name": "a.txt", "is_directory": False, "size": 11}]

        first = json_of(await client.call_tool("run_code", {"session_id": sid, "code": "x = 20\nx + 1"}))
        assert first["result"] == "21"
        progress.clear()
        kept = json_of(await client.call_tool("run_code", {"session_id": sid, "code": "print(x * 2)\nprint(x)"},
                                              progress_callback=on_progress))
        assert kept["stdout"] == "40\n20\n" and "".join(m for _, m in progress) == "40\n20\n"
        failed = json_of(await client.call_tool("run_code", {"session_id": sid, "code": "1/0"}))
        assert failed["error"]["name"] == "ZeroDivisionError"  # the cell's error is a result, not a tool error

        assert json_of(await client.call_tool("delete_session", {"session_id": sid})) == {"deleted": sid}
        gone = await client.call_tool("run_command", {"session_id": sid, "command": "true"})
        assert gone.is_error and f"session {sid!r} was deleted" in text_of(gone)


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_errors_are_tool_errors_with_the_reason(mcp_server, kind):
    async with connect(kind, mcp_server) as client:
        missing = await client.call_tool("run_command", {"session_id": "s-000000000000", "command": "true"})
        assert missing.is_error and "not found" in text_of(missing)
        bad_id = await client.call_tool("read_file", {"session_id": "../keys", "path": "a"})
        assert bad_id.is_error and "session_id" in text_of(bad_id)
        bad_arg = await client.call_tool("create_session", {"image_id": "windows"})
        assert bad_arg.is_error and "image_id" in text_of(bad_arg)
        nothing = await client.call_tool("computer_type", {"session_id": "s-000000000000"})
        assert nothing.is_error and "text" in text_of(nothing)


async def test_http_refuses_a_bad_key_before_any_tool_runs(mcp_server):
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "create_session", "arguments": {"labels": {"via": "refused"}}}}
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=mcp_server.base_url) as http:
        for auth in ({}, {"Authorization": "Bearer ob_not-a-real-key"}, {"Authorization": "Basic x"}):
            r = await http.post("/mcp", json=call, headers={**headers, **auth})
            assert r.status_code == 401
            assert r.json()["error"]["code"] == "unauthorized" and r.json()["error"]["request_id"]
        admin = {"Authorization": f"Bearer {mcp_server.admin_key}"}
        sessions = (await http.get("/v1/sessions", params={"status": "all"}, headers=admin)).json()
    # no tool ran: nothing was created by the refused calls
    assert all(s["labels"].get("via") != "refused" for s in sessions["sessions"])

    with pytest.raises(Exception):
        async with connect("http", mcp_server, api_key="ob_not-a-real-key") as client:
            await client.list_tools()


def test_stdio_refuses_a_bad_key_at_start(mcp_server):
    params = stdio_params(mcp_server, "ob_not-a-real-key")
    proc = subprocess.run([sys.executable, *params.args], env=params.env, input="", capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1
    assert "invalid or revoked API key" in proc.stderr
    assert proc.stdout == ""  # nothing on the protocol channel


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_one_owner_cannot_reach_another_owners_session(mcp_server, kind):
    alice = mcp_server.new_owner_key(f"alice-{kind}")
    bob = mcp_server.new_owner_key(f"bob-{kind}")
    async with connect(kind, mcp_server, alice) as client:
        sid = json_of(await client.call_tool("create_session", {}))["session_id"]
    async with connect(kind, mcp_server, bob) as client:
        for name, args in (("run_command", {"command": "id"}), ("read_file", {"path": "a"}),
                           ("delete_session", {})):
            r = await client.call_tool(name, {"session_id": sid, **args})
            assert r.is_error and "not found" in text_of(r), name
        assert json_of(await client.call_tool("list_sessions", {}))["sessions"] == []
    async with connect(kind, mcp_server, alice) as client:
        assert json_of(await client.call_tool("run_command", {"session_id": sid, "command": "echo still"})
                       )["output"] == "still\n"
        json_of(await client.call_tool("delete_session", {"session_id": sid}))
