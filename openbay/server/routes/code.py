"""Code cells of a session, run by envd's kernels inside the sandbox."""
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from openbay.protocol import ErrorCode
from openbay.protocol.code import CodeChunk, CodeError, CodeRunResult, RestartKernelRequest, RunCodeRequest
from openbay.sandbox import EnvdError
from openbay.sandbox.envd import wire

from ..auth import require_principal
from ..errors import ApiError, responses
from ..services.envd_calls import envd_api_error, envd_call
from ..services.keys import Principal
from ..wiring import services

router = APIRouter(prefix="/v1/sessions/{session_id}/code", tags=["code"], responses=responses(502))


def _result(answer: dict) -> CodeRunResult:
    main = next((r for r in answer.get("results", []) if r.get("is_main_result")), None)
    return CodeRunResult(**answer, error=answer.get("execution_error"), result=(main or {}).get("text") or "")


@router.post("/run", response_model=CodeRunResult, responses=responses(409))
async def run_code(session_id: str, body: RunCodeRequest, request: Request,
                   who: Principal = Depends(require_principal)):
    return _result(await envd_call(services(request).sessions, who, session_id,
                                   {"op": "code.run", **body.model_dump()}))


@router.post("/run/stream", response_class=StreamingResponse, responses={
    200: {"content": {"application/x-ndjson": {}},
          "description": "one CodeChunk per line: output as it comes, then exactly one 'result'"},
    **responses(409)})
async def stream_code(session_id: str, body: RunCodeRequest, request: Request,
                      who: Principal = Depends(require_principal)):
    """The run of /run, its output sent as the cell writes it (a long cell's progress)."""
    sandbox = await services(request).sessions.require_running(who, session_id)
    frames = sandbox.envd.stream({"op": "code.run", **body.model_dump(), "stream": True})
    try:  # the kernel has started (or failed to: a 409 or 502 before any line) once a frame comes
        first = wire.decode_json(*await anext(frames))
    except EnvdError as e:
        raise envd_api_error(e) from None
    except StopAsyncIteration:
        raise ApiError(ErrorCode.SANDBOX_ERROR, "the sandbox closed the connection") from None

    async def lines():
        frame = first
        try:
            while frame.get("type") != "result":
                yield CodeChunk(type=frame["type"], data=frame.get("data", "")).model_dump_json() + "\n"
                frame = wire.decode_json(*await anext(frames))
            chunk = CodeChunk(type="result", result=_result(frame))
        except (EnvdError, StopAsyncIteration) as e:
            chunk = CodeChunk(type="result", result=CodeRunResult(language=body.language, error=CodeError(
                name="SandboxError", value=f"the sandbox stopped answering: {e or 'connection closed'}")))
        finally:
            await frames.aclose()
        yield chunk.model_dump_json(exclude_none=True) + "\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")


@router.post("/restart", responses=responses(409))
async def restart_kernel(session_id: str, body: RestartKernelRequest, request: Request,
                         who: Principal = Depends(require_principal)) -> dict:
    """End the session's kernel(s); the next stateful run starts with no variables."""
    answer = await envd_call(services(request).sessions, who, session_id, {"op": "code.restart", **body.model_dump()})
    return {"restarted": answer.get("restarted", [])}
