"""The `mcp.list` and `mcp.call` ops: MCP servers declared by the session's image, each a
child process speaking MCP (JSON-RPC, one message per line) on its stdin and stdout.

The image declares them in /etc/openbay/mcp.json (a session may point OPENBAY_MCP_CONFIG
at a file of its own):  {"servers": {"name": {"command": ["prog", "arg"], "env": {...}}}}
A server starts on first use and stays up; one that died starts again on the next use.
"""
import asyncio
import itertools
import json
import os
import re

import wire

CONFIG = "/etc/openbay/mcp.json"
PROTOCOL_VERSION = "2025-06-18"
START_TIMEOUT_S = 30.0
CALL_TIMEOUT_S = 60.0
MAX_CALL_TIMEOUT_S = 3600.0
MAX_LINE = 64 * 1024 * 1024
STDERR_KEPT = 4096
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class McpError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def config_path() -> str:
    return os.environ.get("OPENBAY_MCP_CONFIG") or CONFIG


def read_config() -> dict:
    """name -> {"command": [...], "env": {...}}; an image without the file has no servers."""
    path = config_path()
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise McpError("bad_request", f"{path} is not readable JSON: {e}") from None
    servers = raw.get("servers") if isinstance(raw, dict) else None
    if not isinstance(servers, dict):
        raise McpError("bad_request", f'{path} must hold {{"servers": {{"name": {{"command": [...]}}}}}}')
    out = {}
    for name, spec in servers.items():
        command = spec.get("command") if isinstance(spec, dict) else None
        env = spec.get("env", {}) if isinstance(spec, dict) else None
        if (not _NAME.match(name) or not isinstance(command, list) or not command
                or not all(isinstance(c, str) and c for c in command) or not isinstance(env, dict)
                or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items())):
            raise McpError("bad_request", f"{path}: server {name!r} needs a name of letters, digits, _ "
                                          "or -, a command (a list of strings) and env of strings")
        out[name] = {"command": command, "env": env}
    return out


class StdioServer:
    """One MCP server process and the requests waiting for its answers."""

    def __init__(self, name: str, spec: dict):
        self.name = name
        self.spec = spec
        self.proc = None
        self.ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future] = {}
        self.tools: list | None = None
        self.stderr = b""
        self.lock = asyncio.Lock()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def ensure(self) -> None:
        async with self.lock:
            if self.alive:
                return
            self.tools = None
            try:
                self.proc = await asyncio.create_subprocess_exec(
                    *self.spec["command"], stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE, env={**os.environ, **self.spec["env"]},
                    cwd=os.environ.get("HOME") or "/", limit=MAX_LINE, start_new_session=True)
            except OSError as e:
                raise McpError("bad_request", f"MCP server {self.name!r} did not start: {e}") from None
            asyncio.get_running_loop().create_task(self._read(self.proc))
            asyncio.get_running_loop().create_task(self._keep_stderr(self.proc))
            await self._request("initialize", {"protocolVersion": PROTOCOL_VERSION, "capabilities": {},
                                               "clientInfo": {"name": "openbay-envd", "version": "1"}},
                                START_TIMEOUT_S)
            self._send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def _send(self, message: dict) -> None:
        self.proc.stdin.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")

    async def _request(self, method: str, params: dict, timeout_s: float) -> dict:
        msg_id = next(self.ids)
        future = asyncio.get_running_loop().create_future()
        self.pending[msg_id] = future
        try:
            self._send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
            await self.proc.stdin.drain()
            return await asyncio.wait_for(future, timeout_s)
        except (ConnectionError, BrokenPipeError):
            raise McpError("sandbox_error", self._gone_message()) from None
        except asyncio.TimeoutError:
            raise McpError("sandbox_error", f"MCP server {self.name!r} did not answer {method} "
                                            f"within {timeout_s:g} s") from None
        finally:
            self.pending.pop(msg_id, None)

    def _gone_message(self) -> str:
        tail = self.stderr.decode("utf-8", errors="replace").strip()[-1000:]
        return f"MCP server {self.name!r} exited" + (f"; its stderr ends with: {tail}" if tail else "")

    async def _read(self, proc) -> None:
        while True:
            try:
                line = await proc.stdout.readline()
            except ValueError:  # a line over MAX_LINE: the stream is out of step, give up on it
                proc.kill()
                break
            if not line:
                break
            try:
                msg = json.loads(line)
            except ValueError:
                continue  # a server printing something else on stdout: not ours to answer
            if not isinstance(msg, dict):
                continue
            if "id" in msg and "method" in msg:  # a request of the server (ping, roots): answer it
                result = {"result": {}} if msg["method"] == "ping" else {
                    "error": {"code": -32601, "message": "not supported by this client"}}
                try:
                    self._send({"jsonrpc": "2.0", "id": msg["id"], **result})
                except (ConnectionError, RuntimeError):
                    pass
            elif msg.get("method") == "notifications/tools/list_changed":
                self.tools = None
            elif msg.get("id") in self.pending and not self.pending[msg["id"]].done():
                future = self.pending[msg["id"]]
                if "error" in msg:
                    error = msg["error"] if isinstance(msg["error"], dict) else {}
                    future.set_exception(McpError("bad_request", f"MCP server {self.name!r}: "
                                                                 f"{error.get('message', 'error')}"))
                else:
                    future.set_result(msg.get("result") or {})
        await proc.wait()
        for future in list(self.pending.values()):
            if not future.done():
                future.set_exception(McpError("sandbox_error", self._gone_message()))

    async def _keep_stderr(self, proc) -> None:
        while chunk := await proc.stderr.read(4096):
            self.stderr = (self.stderr + chunk)[-STDERR_KEPT:]

    async def list_tools(self) -> list:
        await self.ensure()
        if self.tools is None:
            tools, cursor = [], None
            for _ in range(100):  # pages
                page = await self._request("tools/list", {"cursor": cursor} if cursor else {}, CALL_TIMEOUT_S)
                tools += [t for t in page.get("tools", []) if isinstance(t, dict) and t.get("name")]
                cursor = page.get("nextCursor")
                if not cursor:
                    break
            self.tools = tools
        return self.tools

    async def call(self, tool: str, arguments: dict, timeout_s: float) -> dict:
        await self.ensure()
        return await self._request("tools/call", {"name": tool, "arguments": arguments}, timeout_s)


_servers: dict[str, StdioServer] = {}


def server_named(name: str) -> StdioServer:
    config = read_config()
    if name not in config:
        raise McpError("not_found", f"no MCP server {name!r} in {config_path()}"
                                    + (f"; there are: {', '.join(sorted(config))}" if config else ""))
    server = _servers.get(name)
    if server is None or server.spec != config[name]:
        if server is not None and server.alive:  # its declaration changed: the new one starts instead
            server.proc.kill()
        server = _servers[name] = StdioServer(name, config[name])
    return server


async def handle_list(req, reader, reply):
    """Every declared server's tools: {"servers": {name: {"tools": [...]} or {"error": "..."}}}."""
    try:
        names = sorted(read_config())
    except McpError as e:
        await reply.json({"error": e.code, "message": str(e)})
        return
    answers = await asyncio.gather(*(server_named(n).list_tools() for n in names), return_exceptions=True)
    servers = {}
    for name, answer in zip(names, answers):
        if isinstance(answer, McpError):
            servers[name] = {"error": str(answer)}
        elif isinstance(answer, BaseException):
            servers[name] = {"error": f"{type(answer).__name__}: {answer}"}
        else:
            servers[name] = {"tools": answer}
    await reply.json({"servers": servers})


async def handle_call(req, reader, reply):
    """{"server", "tool", "arguments", "timeout_s"} -> {"result": the server's CallToolResult}."""
    name, tool, arguments = req.get("server"), req.get("tool"), req.get("arguments") or {}
    timeout_s = req.get("timeout_s") or CALL_TIMEOUT_S
    if not isinstance(name, str) or not isinstance(tool, str) or not tool or not isinstance(arguments, dict):
        await reply.json({"error": "bad_request", "message": "server and tool (strings) and arguments "
                                                             "(an object) are required"})
        return
    if not isinstance(timeout_s, (int, float)) or not 0 < timeout_s <= MAX_CALL_TIMEOUT_S:
        await reply.json({"error": "bad_request", "message": f"timeout_s must be in (0, {MAX_CALL_TIMEOUT_S:g}]"})
        return
    try:
        result = await server_named(name).call(tool, arguments, float(timeout_s))
    except McpError as e:
        await reply.json({"error": e.code, "message": str(e)})
        return
    if len(json.dumps(result)) > wire.MAX_FRAME - 1024:
        await reply.json({"error": "payload_too_large", "message": f"the result of {name}.{tool} is over "
                                                                   f"{wire.MAX_FRAME // (1024 * 1024)} MB"})
        return
    await reply.json({"result": result})


HANDLERS = {"mcp.list": handle_list, "mcp.call": handle_call}
