"""MCP tools for sessions and what runs in them: commands, files, code."""
import base64
from typing import Annotated, Literal

from mcp.server.mcpserver import Context, Image, MCPServer
from pydantic import Field

from openbay.protocol import CreateSessionParams

from .bay import BayFor, SessionId, tool

ImageId = Literal["linux", "code", "browser", "computer", "mobile"]
Path = Annotated[str, Field(min_length=1, max_length=4096,
                            description="a path in the session; a relative one starts at /home/user")]


def _session_info(info) -> dict:
    return info.model_dump(mode="json", include={"session_id", "image_id", "status", "labels",
                                                 "created_at", "expires_at", "resource_url"})


def progress_token(ctx: Context):
    """The client's progress token for this call, or None when it asked for no progress."""
    meta = ctx.request_context.meta or {}
    return meta.get("progress_token") or meta.get("progressToken")


def _progress(ctx: Context) -> dict:
    """on_stdout/on_stderr that send the output as progress notifications, when the client asked."""
    if progress_token(ctx) is None:
        return {}
    seen = {"n": 0}

    async def report(text: str) -> None:
        seen["n"] += 1
        await ctx.report_progress(seen["n"], None, text)
    return {"on_stdout": report, "on_stderr": report}


def register(server: MCPServer, bay_for: BayFor) -> None:
    @tool(server, "create_session",
          "Create an isolated OpenBay session (a Linux sandbox) and return its session_id. Images: "
          "linux (a shell), code (Python with numpy/pandas, Node.js), browser (plus Chromium), "
          "computer (a screen with mouse and keyboard), mobile (an Android device).")
    async def create_session(ctx: Context, image_id: ImageId = "linux",
                             labels: Annotated[dict[str, str] | None,
                                               Field(description="labels to find it by")] = None,
                             timeout_s: Annotated[int, Field(ge=60, le=86400,
                                                             description="idle seconds before it ends")] = 1800
                             ) -> dict:
        bay = await bay_for(ctx)
        params = CreateSessionParams(image_id=image_id, labels=labels or {}, timeout_s=timeout_s)
        session = (await bay.client.create(params)).session
        return _session_info(await session.info())

    @tool(server, "list_sessions", "The caller's running sessions, newest first, optionally only those "
                                   "with all the given labels.")
    async def list_sessions(ctx: Context, labels: dict[str, str] | None = None,
                            limit: Annotated[int, Field(ge=1, le=100)] = 20) -> dict:
        bay = await bay_for(ctx)
        page = await bay.client.list(labels=labels, limit=limit)
        return {"sessions": [_session_info(s) for s in page.sessions], "total_count": page.total_count}

    @tool(server, "delete_session", "End a session: its sandbox and everything in it are gone.")
    async def delete_session(ctx: Context, session_id: SessionId) -> dict:
        bay = await bay_for(ctx)
        await bay.client.delete(session_id)
        bay.forget(session_id)
        return {"deleted": session_id}

    @tool(server, "run_command",
          "Run a shell command (bash) in a session and return its output and exit code. Output is "
          "sent as progress notifications while it runs when the client asks for progress.")
    async def run_command(ctx: Context, session_id: SessionId,
                          command: Annotated[str, Field(min_length=1, description="a bash command line")],
                          timeout_ms: Annotated[int, Field(ge=1, le=3_600_000)] = 60_000,
                          cwd: Annotated[str | None, Field(description="working directory")] = None) -> dict:
        session = await (await bay_for(ctx)).session(session_id)
        r = await session.command.execute_command(command, timeout_ms=timeout_ms, cwd=cwd, **_progress(ctx))
        return {"output": r.output, "stderr": r.stderr, "exit_code": r.exit_code, "timed_out": r.timed_out,
                "truncated": r.truncated}

    @tool(server, "read_file", "Read a text file of a session (UTF-8).")
    async def read_file(ctx: Context, session_id: SessionId, path: Path) -> str:
        session = await (await bay_for(ctx)).session(session_id)
        content = (await session.file_system.read_file(path)).content
        return content if isinstance(content, str) else content.decode("utf-8", errors="replace")

    @tool(server, "write_file", "Write a text file in a session (parent directories are made).")
    async def write_file(ctx: Context, session_id: SessionId, path: Path, content: str,
                         mode: Literal["overwrite", "append"] = "overwrite") -> dict:
        session = await (await bay_for(ctx)).session(session_id)
        r = await session.file_system.write_file(path, content, mode=mode)
        return {"path": r.path or path, "bytes_written": r.bytes_written}

    @tool(server, "list_directory", "List a directory of a session: names, kinds and sizes.")
    async def list_directory(ctx: Context, session_id: SessionId, path: Path = "/home/user") -> dict:
        session = await (await bay_for(ctx)).session(session_id)
        r = await session.file_system.list_directory(path)
        return {"entries": [{"name": e.name, "is_directory": e.is_directory, "size": e.size}
                            for e in r.entries], "truncated": r.truncated}

    @tool(server, "run_code",
          "Run Python, JavaScript, R or Java in a session's kernel (variables are kept between calls, like a "
          "notebook). Returns stdout, stderr, the last expression's value, and any error with its "
          "traceback; figures come back as images. Output is sent as progress notifications while it "
          "runs when the client asks for progress.")
    async def run_code(ctx: Context, session_id: SessionId, code: Annotated[str, Field(min_length=1)],
                       language: Literal["python", "javascript", "r", "java"] = "python",
                       timeout_s: Annotated[float, Field(gt=0, le=3600)] = 60) -> list:
        session = await (await bay_for(ctx)).session(session_id)
        r = await session.code.run_code(code, language=language, timeout_s=timeout_s, **_progress(ctx))
        out = {"result": r.result, "stdout": r.stdout, "stderr": r.stderr, "timed_out": r.timed_out}
        if r.error is not None:
            out["error"] = r.error.model_dump()
        return [out, *(Image(data=base64.b64decode(png), format="png") for png in r.images)]
