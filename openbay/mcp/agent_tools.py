"""The MCP tool that hands a whole task to one of a session's agents."""
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from .bay import BayFor, SessionId, tool

NO_PERSON = ("Nobody can answer through this MCP call. Carry on with what you have; if you cannot, "
             "finish and say what you needed.")


def register(server: MCPServer, bay_for: BayFor) -> None:
    @tool(server, "run_agent_task",
          "Give a natural-language task to the session's agent (browser: a browser session; computer: "
          "a computer session; mobile: a mobile session) and wait for it to finish. Each step (reasoning, "
          "tool calls, results) is sent as a progress notification; the result comes at the end, with "
          "`data` fitting output_schema when one is given.")
    async def run_agent_task(ctx: Context, session_id: SessionId,
                             task: Annotated[str, Field(min_length=1, max_length=20_000)],
                             agent: Literal["browser", "computer", "mobile"] = "browser",
                             max_steps: Annotated[int, Field(ge=1, le=1000)] = 50,
                             timeout_s: Annotated[float, Field(gt=0, le=86_400)] = 600,
                             output_schema: Annotated[dict[str, Any] | None,
                                                      Field(description="JSON schema of the result")] = None
                             ) -> dict:
        session = await (await bay_for(ctx)).session(session_id)
        steps = {"n": 0}

        async def report(event) -> None:
            steps["n"] += 1
            await ctx.report_progress(steps["n"], None, f"{event.type}: {event.content}"[:2000])

        callbacks = {name: report for name in ("on_reasoning", "on_content", "on_tool_call",
                                               "on_tool_result", "on_error", "on_status")}
        execution = await getattr(session.agent, agent).execute_task(
            task, max_steps=max_steps, output_schema=output_schema, timeout=timeout_s,
            on_call_for_user=lambda _event: NO_PERSON, **callbacks)
        r = await execution.wait(timeout=timeout_s + 30)
        return {"task_id": r.task_id, "status": r.task_status, "result": r.task_result, "data": r.data,
                "steps": r.steps, "error": r.error_message, "usage": r.usage}
