import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from openbay.protocol import CommandChunk, CommandOutput, CommandRequest, ErrorCode
from openbay.sandbox import EnvdError

from ..auth import require_principal
from ..errors import ApiError, responses
from ..services.keys import Principal
from ..wiring import services

router = APIRouter(prefix="/v1/sessions/{session_id}/commands", tags=["commands"], responses=responses(502))


def _envd_request(body: CommandRequest, request: Request) -> dict:
    return {"command": body.command, "timeout_ms": body.timeout_ms, "cwd": body.cwd,
            "envs": body.envs, "max_output": request.app.state.settings.max_output_bytes}


def _output(result: dict) -> CommandOutput:
    return CommandOutput(**{k: v for k, v in result.items() if k != "type"})


@router.post("", response_model=CommandOutput)
async def execute_command(session_id: str, body: CommandRequest, request: Request,
                          who: Principal = Depends(require_principal)):
    sessions = services(request).sessions
    sandbox = await sessions.require_running(who, session_id)
    oom_before = sessions.oom_kills(session_id)
    try:
        result = await sandbox.envd.exec(_envd_request(body, request))
        return _output(sessions.explain_exit(session_id, result, oom_before))
    except EnvdError as e:
        raise ApiError(ErrorCode.SANDBOX_ERROR, f"command failed in the sandbox: {e}") from None


@router.post("/stream", response_class=StreamingResponse,
             responses={200: {"content": {"application/x-ndjson": {}},
                              "description": "one CommandChunk per line; the last has type 'exit'"}})
async def stream_command(session_id: str, body: CommandRequest, request: Request,
                         who: Principal = Depends(require_principal)):
    sessions = services(request).sessions
    sandbox = await sessions.require_running(who, session_id)
    oom_before = sessions.oom_kills(session_id)
    chunks = sandbox.envd.exec_stream(_envd_request(body, request))

    async def lines():
        try:
            async for frame in chunks:
                if frame.get("type") == "exit":
                    chunk = CommandChunk(type="exit",
                                         result=_output(sessions.explain_exit(session_id, frame, oom_before)))
                else:
                    chunk = CommandChunk(type=frame["type"], data=frame.get("data", ""))
                yield chunk.model_dump_json(exclude_none=True) + "\n"
        except EnvdError as e:
            failed = CommandOutput(output="", exit_code=-1, error_message=f"sandbox error: {e}")
            yield json.dumps({"type": "exit", "result": failed.model_dump()}) + "\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")
