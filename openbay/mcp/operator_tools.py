"""MCP tools for the browser operator (session.browser.agent): one instruction at a time,
act / observe / extract, with the owner's action cache replaying acts that worked."""
import json
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from .bay import BayFor, SessionId, tool

Instruction = Annotated[str, Field(min_length=1, max_length=4000)]


def register(server: MCPServer, bay_for: BayFor) -> None:
    @tool(server, "browser_act",
          "Do one thing on the session's current page, described in words (\"click the login button\", "
          "\"type %email% into the email field\"). %name% placeholders are filled from `variables` when "
          "the action runs; the model never sees their values. An act that worked is cached and replayed "
          "next time without a model call. Says so, without clicking at random, when nothing fits.")
    async def browser_act(ctx: Context, session_id: SessionId, instruction: Instruction,
                          variables: Annotated[dict[str, str] | None,
                                               Field(description="values for %name% placeholders")] = None,
                          use_cache: bool = True) -> dict:
        session = await (await bay_for(ctx)).session(session_id)
        r = await session.browser.agent.act(instruction, variables, use_cache=use_cache)
        return r.model_dump(mode="json")

    @tool(server, "browser_observe",
          "Find candidate actions on the session's current page for an instruction (\"find the search "
          "box\"), best first: each with a CSS selector, a method (click, fill, select_option, press), "
          "its arguments and a description. Nothing is done to the page.")
    async def browser_observe(ctx: Context, session_id: SessionId, instruction: Instruction) -> dict:
        session = await (await bay_for(ctx)).session(session_id)
        actions = await session.browser.agent.observe(instruction)
        return {"actions": [a.model_dump(mode="json") for a in actions]}

    @tool(server, "browser_extract",
          "Extract data from the session's current page (\"the product names and prices\") as JSON that "
          "fits the given JSON schema; a tool error with the model's last answer when it never fits.")
    async def browser_extract(ctx: Context, session_id: SessionId, instruction: Instruction,
                              schema: Annotated[dict[str, Any], Field(description="JSON schema of the answer")]
                              ) -> Any:
        session = await (await bay_for(ctx)).session(session_id)
        try:
            return {"data": await session.browser.agent.extract(instruction, schema)}
        except Exception as e:
            last = getattr(e, "last_answer", None)
            if last is None:
                raise
            raise ToolError(f"{e}; the model's last answer: {json.dumps(last, default=str)}") from None
