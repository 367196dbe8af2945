"""Per-session MCP tools through the SDK: the session's own capabilities, and MCP servers
declared for the session, run by envd inside the sandbox and spoken to over their stdio."""
import json

import pytest

from openbay import APIError, AsyncOpenBay, CreateSessionParams, NotFoundError, Session

# a stdlib-only MCP server: the session's own python3 runs it (no host site-packages there)
ECHO_SERVER = r'''
import json, os, sys
TOOLS = [
    {"name": "add", "description": "Add two numbers",
     "inputSchema": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                     "required": ["a", "b"]}},
    {"name": "whoami", "description": "pid, cwd and GREETING", "inputSchema": {"type": "object"}},
    {"name": "boom", "description": "always fails", "inputSchema": {"type": "object"}},
    {"name": "quit", "description": "the server exits", "inputSchema": {"type": "object"}},
]
for line in sys.stdin:
    msg = json.loads(line)
    if "id" not in msg:
        continue
    method, params = msg["method"], msg.get("params", {})
    if method == "initialize":
        result = {"protocolVersion": params["protocolVersion"], "capabilities": {"tools": {}},
                  "serverInfo": {"name": "echo", "version": "1"}}
    elif method == "tools/list":
        result = {"tools": TOOLS}
    elif method == "tools/call":
        name, args = params["name"], params.get("arguments", {})
        if name == "quit":
            print("bye from echo", file=sys.stderr, flush=True)
            sys.exit(3)
        if name == "add":
            text, err = str(args["a"] + args["b"]), False
        elif name == "whoami":
            text, err = json.dumps({"pid": os.getpid(), "cwd": os.getcwd(),
                                    "greeting": os.environ.get("GREETING")}), False
        else:
            text, err = "it broke", True
        result = {"content": [{"type": "text", "text": text}], "isError": err}
    else:
        print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "error": {"code": -32601, "message": "no"}}),
              flush=True)
        continue
    print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}), flush=True)
'''
CONFIG = {"servers": {"echo": {"command": ["python3", "/home/user/echo_mcp.py"], "env": {"GREETING": "hej"}},
                      "broken": {"command": ["/nonexistent/mcp-server"]}}}
BUILTIN = {"shell", "read_file", "write_file", "list_directory", "run_code"}


@pytest.fixture
def mcp_session(mcp_server):
    bay = mcp_server.client()
    session = bay.create(CreateSessionParams(envs={"OPENBAY_MCP_CONFIG": "/home/user/mcp.json"})).session
    session.file_system.write_file("/home/user/echo_mcp.py", ECHO_SERVER)
    session.file_system.write_file("/home/user/mcp.json", json.dumps(CONFIG))
    yield session
    session.delete()
    bay.close()


def test_tools_of_the_session_and_of_its_declared_servers(mcp_session):
    listed = mcp_session.list_mcp_tools()
    tools = {t.name: t for t in listed.tools}
    assert set(tools) == BUILTIN | {"echo.add", "echo.whoami", "echo.boom", "echo.quit"}  # no browser, no computer
    add = tools["echo.add"]
    assert (add.server, add.tool, add.description) == ("echo", "add", "Add two numbers")
    assert add.input_schema["required"] == ["a", "b"]
    assert tools["shell"].server == "openbay" and "command" in tools["shell"].input_schema["properties"]
    assert "did not start" in listed.errors["broken"]  # one bad server does not hide the others


def test_calling_a_declared_server(mcp_session):
    r = mcp_session.call_mcp_tool("echo.add", {"a": 2, "b": 3.5})
    assert not r.is_error and r.data == "5.5" and r.content == [{"type": "text", "text": "5.5"}]
    first = json.loads(mcp_session.call_mcp_tool("echo.whoami").data)
    second = json.loads(mcp_session.call_mcp_tool("echo.whoami").data)
    assert first == second  # one server process, kept between calls
    assert first["cwd"] == "/home/user" and first["greeting"] == "hej"
    # it runs inside the sandbox: its pid is one the session's own shell sees
    ps = mcp_session.command.execute_command(f"cat /proc/{first['pid']}/cmdline | tr '\\0' ' '").output
    assert "echo_mcp.py" in ps

    failed = mcp_session.call_mcp_tool("echo.boom")
    assert failed.is_error and failed.error_message == "it broke"

    gone = mcp_session.call_mcp_tool("echo.quit")
    assert gone.is_error and "exited" in gone.error_message and "bye from echo" in gone.error_message
    again = json.loads(mcp_session.call_mcp_tool("echo.whoami").data)
    assert again["pid"] != first["pid"]  # started afresh on the next use


def test_builtin_tools(mcp_session):
    shell = mcp_session.call_mcp_tool("shell", {"command": "echo hi; echo oops >&2"})
    assert not shell.is_error and shell.data == "hi\n\noops\n" and shell.structured_content["exit_code"] == 0
    bad = mcp_session.call_mcp_tool("shell", {"command": "exit 4"})
    assert bad.is_error and bad.structured_content["exit_code"] == 4
    assert not mcp_session.call_mcp_tool("write_file", {"path": "x/y.txt", "content": "data"}).is_error
    assert mcp_session.call_mcp_tool("read_file", {"path": "/home/user/x/y.txt"}).data == "data"
    assert mcp_session.call_mcp_tool("list_directory", {"path": "x"}).data == "y.txt  4"
    missing = mcp_session.call_mcp_tool("read_file", {"path": "nope.txt"})
    assert missing.is_error and "nope.txt" in missing.error_message
    code = mcp_session.call_mcp_tool("run_code", {"code": "v = 6 * 7\nv"})
    assert not code.is_error and code.data == "42"
    args = mcp_session.call_mcp_tool("shell", {"timeout_ms": 5})
    assert args.is_error and "command" in args.error_message


def test_unknown_tools_and_owners(mcp_server, mcp_session):
    assert mcp_session.call_mcp_tool("echo.nothing", {}).is_error  # the echo server answers that itself
    for name in ("nothing.add", "browser_screenshot", "system_screenshot"):
        with pytest.raises(NotFoundError):  # no such server; a linux session has no screenshot tools
            mcp_session.call_mcp_tool(name, {})
    other = mcp_server.client(mcp_server.new_owner_key("mallory-mcp"))
    with pytest.raises(NotFoundError):
        other.get(mcp_session.session_id)
    as_other = Session(other._runner, mcp_session.info())
    with pytest.raises(NotFoundError):
        as_other.list_mcp_tools()
    with pytest.raises(NotFoundError):
        as_other.call_mcp_tool("shell", {"command": "id"}, 10)
    other.close()


def test_a_bad_declaration_is_a_clear_error(mcp_session):
    mcp_session.file_system.write_file("/home/user/mcp.json", json.dumps({"servers": {"x": {"command": "ls"}}}))
    with pytest.raises(APIError, match=r"command \(a list of strings\)"):
        mcp_session.list_mcp_tools()


async def test_async_client(mcp_server, mcp_session):
    async with AsyncOpenBay(api_key=mcp_server.admin_key, base_url=mcp_server.base_url) as bay:
        session = (await bay.get(mcp_session.session_id)).session
        names = {t.name for t in (await session.list_mcp_tools()).tools}
        assert "echo.add" in names
        assert (await session.call_mcp_tool("echo.add", {"a": 1, "b": 1})).data == "2"
