"""`session.list_mcp_tools()` and `session.call_mcp_tool(name, args)`, as AgentBay has them:
the session's own capabilities and the MCP servers its image declares, as MCP tools."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openbay.protocol.mcp import McpCallRequest, McpToolList

from . import calls
from .calls import Call, Request
from .results import ApiResult


@dataclass
class McpTool:
    name: str  # what call_mcp_tool takes: a built-in name or <server>.<tool>
    description: str
    input_schema: dict
    server: str
    tool: str


@dataclass
class McpToolsResult(ApiResult):
    tools: list[McpTool] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # declared servers that did not answer


@dataclass
class McpToolResult(ApiResult):
    """What the tool answered. A tool that failed is a result too: is_error, and error_message
    (its text) says why; a call the server refused raises like any other."""
    data: str = ""  # the text content, joined
    content: list[dict[str, Any]] = field(default_factory=list)  # every block: text, image, ...
    is_error: bool = False
    structured_content: dict | None = None
    error_message: str = ""


def list_tools(path: str) -> Call[McpToolsResult]:
    def build(body: dict) -> dict:
        page = McpToolList.model_validate(body)
        return {"tools": [McpTool(**t.model_dump()) for t in page.tools], "errors": page.errors}
    return (yield from calls.result(Request("GET", f"{path}/mcp/tools", timeout_s=90), McpToolsResult, build))


def call_tool(path: str, name: str, args: dict | None, timeout_s: float) -> Call[McpToolResult]:
    body = McpCallRequest(name=name, arguments=args or {}, timeout_s=timeout_s).model_dump()
    req = Request("POST", f"{path}/mcp/tools/call", json=body, timeout_s=timeout_s + 30)
    result = yield from calls.result(req, McpToolResult, lambda b: {"content": b.get("content", []),
                                                                    "is_error": b.get("is_error", False),
                                                                    "structured_content": b.get("structured_content")})
    result.data = "".join(c.get("text", "") for c in result.content if c.get("type") == "text")
    if result.is_error:
        result.error_message = result.data or "the tool failed"
    return result
