"""A session's MCP tools: its own capabilities (session_mcp_builtins) and the tools of the MCP
servers its image declares, which envd runs inside the sandbox (envd's mcp_stdio module)."""
from pydantic import ValidationError

from openbay.protocol import ErrorCode
from openbay.protocol.mcp import McpCallRequest, McpCallResult, McpToolInfo, McpToolList
from openbay.sandbox import EnvdError

from ..errors import ApiError
from .envd_calls import envd_api_error
from .keys import Principal
from .session_mcp_builtins import BUILTINS, Call, builtins_for

BUILTIN_SERVER = "openbay"


def _describe(e: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'arguments'}: {err['msg']}"
                     for err in e.errors()[:10])


class SessionMcpService:
    def __init__(self, sessions, browser, computer, max_output_bytes: int):
        self.sessions, self.browser, self.computer = sessions, browser, computer
        self.max_output_bytes = max_output_bytes  # of the shell tool, as of the command API

    async def _session(self, who: Principal, session_id: str):
        sandbox = await self.sessions.require_running(who, session_id)
        return sandbox, self.sessions.live[session_id].row.image_id

    async def list_tools(self, who: Principal, session_id: str) -> McpToolList:
        sandbox, image_id = await self._session(who, session_id)
        tools = [McpToolInfo(name=b.name, description=b.description, input_schema=b.args.model_json_schema(),
                             server=BUILTIN_SERVER, tool=b.name) for b in builtins_for(image_id)]
        errors = {}
        try:
            declared = (await sandbox.envd.call({"op": "mcp.list"}))["servers"]
        except EnvdError as e:
            raise envd_api_error(e) from None
        for server, answer in sorted(declared.items()):
            if "error" in answer:
                errors[server] = answer["error"]
                continue
            for t in answer.get("tools", []):
                tools.append(McpToolInfo(name=f"{server}.{t['name']}", description=t.get("description") or "",
                                         input_schema=t.get("inputSchema") or {}, server=server, tool=t["name"]))
        return McpToolList(tools=tools, errors=errors)

    async def call(self, who: Principal, session_id: str, req: McpCallRequest) -> McpCallResult:
        sandbox, image_id = await self._session(who, session_id)
        server, dot, tool = req.name.partition(".")
        if dot:
            return await self._call_declared(sandbox, server, tool, req)
        builtin = BUILTINS.get(req.name)
        if builtin is None or builtin not in builtins_for(image_id):
            raise ApiError(ErrorCode.NOT_FOUND, f"no MCP tool {req.name!r} in session {session_id!r} "
                                                f"(image {image_id}); list_mcp_tools names them")
        try:
            args = builtin.args.model_validate(req.arguments)
        except ValidationError as e:
            return McpCallResult(content=[{"type": "text", "text": f"bad arguments: {_describe(e)}"}],
                                 is_error=True)
        try:
            return await builtin.run(Call(self, who, session_id, sandbox), args)
        except EnvdError as e:
            return _failed(str(envd_api_error(e).message))
        except ApiError as e:
            return _failed(e.message)

    async def _call_declared(self, sandbox, server: str, tool: str, req: McpCallRequest) -> McpCallResult:
        try:
            answer = await sandbox.envd.call({"op": "mcp.call", "server": server, "tool": tool,
                                              "arguments": req.arguments, "timeout_s": req.timeout_s})
        except EnvdError as e:
            if e.code == ErrorCode.NOT_FOUND.value:
                raise ApiError(ErrorCode.NOT_FOUND, str(e)) from None
            return _failed(envd_api_error(e).message)
        result = answer.get("result") or {}
        return McpCallResult(content=[c for c in result.get("content", []) if isinstance(c, dict)],
                             is_error=bool(result.get("isError")),
                             structured_content=result.get("structuredContent")
                             if isinstance(result.get("structuredContent"), dict) else None)


def _failed(message: str) -> McpCallResult:
    return McpCallResult(content=[{"type": "text", "text": message}], is_error=True)
