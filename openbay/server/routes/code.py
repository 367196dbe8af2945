"""Code cells of a session, run by envd's kernels inside the sandbox."""
from fastapi import APIRouter, Depends, Request

from openbay.protocol.code import CodeRunResult, RestartKernelRequest, RunCodeRequest

from ..auth import require_principal
from ..errors import responses
from ..services.envd_calls import envd_call
from ..services.keys import Principal
from ..wiring import services

router = APIRouter(prefix="/v1/sessions/{session_id}/code", tags=["code"], responses=responses(502))


@router.post("/run", response_model=CodeRunResult, responses=responses(409))
async def run_code(session_id: str, body: RunCodeRequest, request: Request,
                   who: Principal = Depends(require_principal)):
    answer = await envd_call(services(request).sessions, who, session_id, {"op": "code.run", **body.model_dump()})
    main = next((r for r in answer.get("results", []) if r.get("is_main_result")), None)
    return CodeRunResult(**answer, error=answer.get("execution_error"),
                         result=(main or {}).get("text") or "")


@router.post("/restart", responses=responses(409))
async def restart_kernel(session_id: str, body: RestartKernelRequest, request: Request,
                         who: Principal = Depends(require_principal)) -> dict:
    """End the session's kernel(s); the next stateful run starts with no variables."""
    answer = await envd_call(services(request).sessions, who, session_id, {"op": "code.restart", **body.model_dump()})
    return {"restarted": answer.get("restarted", [])}
