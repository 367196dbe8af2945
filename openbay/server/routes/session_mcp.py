"""A session's MCP tools (as AgentBay has them): list them, call one."""
from fastapi import APIRouter, Depends, Request

from openbay.protocol.mcp import McpCallRequest, McpCallResult, McpToolList

from ..auth import require_principal
from ..services.keys import Principal
from ..wiring import services

router = APIRouter(prefix="/v1/sessions/{session_id}/mcp", tags=["mcp"])


@router.get("/tools", response_model=McpToolList)
async def list_tools(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    """The session's own tools (shell, files, code; browser and computer where the image has them)
    and those of the MCP servers its image declares, named <server>.<tool>."""
    return await services(request).session_mcp.list_tools(who, session_id)


@router.post("/tools/call", response_model=McpCallResult)
async def call_tool(session_id: str, body: McpCallRequest, request: Request,
                    who: Principal = Depends(require_principal)):
    """Run one tool; a tool that fails answers is_error with its reason (HTTP 200)."""
    return await services(request).session_mcp.call(who, session_id, body)
