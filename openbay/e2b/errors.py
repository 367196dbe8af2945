"""E2B's error shape: `{"code": <HTTP status>, "message": "..."}`, which its SDK turns into
NotFoundException, AuthenticationException and the rest."""
from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from openbay.protocol import ErrorCode
from openbay.server.errors import ApiError


def e2b_error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"code": status, "message": message}, status_code=status, headers=headers)


def from_api_error(e: ApiError) -> JSONResponse:
    status = e.status
    if e.code == ErrorCode.GONE:  # an ended sandbox is, to E2B, one that is not there
        status = 404
    elif e.code == ErrorCode.VALIDATION:  # E2B answers every bad request with 400
        status = 400
    return e2b_error(status, e.message, e.headers)


class E2BRoute(APIRoute):
    """A route whose OpenBay errors (its dependencies' too, such as a bad key) and invalid
    requests come back in E2B's shape; a sandbox another server replica made is adopted first,
    as OpenBay's own session routes do."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def answer(request: Request):
            try:
                if "sandbox_id" in request.path_params:  # replicas: one another made is taken in hand
                    await request.app.state.services.sessions.adopt(request.path_params["sandbox_id"])
                return await handler(request)
            except ApiError as e:
                return from_api_error(e)
            except RequestValidationError as e:
                return e2b_error(400, "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}"
                                                for err in e.errors()))
        return answer
