"""Per-session MCP tools: a session's capabilities and the MCP servers its image declares."""
from typing import Any

from pydantic import BaseModel, Field

from .wire import RequestBody

MCP_TOOL_NAME = r"^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_./-]{1,128})?$"


class McpToolInfo(BaseModel):
    name: str = Field(description="what call_mcp_tool takes: a built-in name, or <server>.<tool>")
    description: str = ""
    input_schema: dict[str, Any] = Field(default_factory=dict)
    server: str = Field(description="'openbay' for the session's own capabilities, else the declared server")
    tool: str = Field(description="the tool's name on its server")


class McpToolList(BaseModel):
    tools: list[McpToolInfo]
    errors: dict[str, str] = Field(default_factory=dict, description="declared servers that did not answer")


class McpCallRequest(RequestBody):
    name: str = Field(pattern=MCP_TOOL_NAME, max_length=200)
    arguments: dict[str, Any] = Field(default_factory=dict)
    timeout_s: float = Field(default=60, gt=0, le=3600)


class McpCallResult(BaseModel):
    """An MCP CallToolResult: content blocks (text, image, ...) and whether the tool failed."""
    content: list[dict[str, Any]] = Field(default_factory=list)
    is_error: bool = False
    structured_content: dict[str, Any] | None = None
