"""API errors and the handlers that give every failure the one error shape."""
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException

from openbay.protocol import STATUS_OF, ErrorCode, ErrorDetail, ErrorResponse

from .request_context import current_request_id

log = logging.getLogger("openbay.server")


class ApiError(Exception):
    def __init__(self, code: ErrorCode, message: str, headers: dict[str, str] | None = None,
                 details: dict | None = None):
        super().__init__(message)
        self.code, self.message, self.headers, self.details = code, message, headers, details

    @property
    def status(self) -> int:
        return STATUS_OF[self.code]


# what each error status means in this API, for the OpenAPI spec
STATUS_DESCRIPTIONS = {
    400: "bad input the schema cannot express (a body that is not JSON, a token this server did not give out)",
    401: "no API key, or an invalid or revoked one",
    403: "the key may not do this (admin only)",
    404: "no such thing, or another owner's",
    405: "method not allowed here (the Allow header lists those that are)",
    409: "conflicts with the current state (a task already running, the wrong kind of session, ...)",
    410: "the session has ended (deleted, expired or dead): all under it is gone (a deleted one's record too)",
    413: "request body over the limit",
    422: "the request does not validate",
    429: "too many requests, or too many running sessions (Retry-After says when to retry)",
    501: "this server's sandbox backend cannot do this (error code not_supported names the backend and the ability)",
    502: "the sandbox failed to do it",
    503: "what this needs is not available here now (no Android device, a session another server "
         "replica holds, a sandbox backend that does not answer)",
}


def responses(*statuses: int) -> dict[int, dict]:
    """`responses=` for a route or router: these error statuses, each with the error model.
    Every route declares what it may answer; the spec is checked against the live server."""
    return {s: {"model": ErrorResponse, "description": STATUS_DESCRIPTIONS[s]} for s in statuses}


def not_found(what: str, ident: str) -> ApiError:
    return ApiError(ErrorCode.NOT_FOUND, f"{what} {ident!r} not found")


def error_response(code: ErrorCode, message: str, headers: dict | None = None,
                   details: dict | None = None) -> JSONResponse:
    body = ErrorResponse(error=ErrorDetail(code=code, message=message, request_id=current_request_id(),
                                           details=details))
    return JSONResponse(body.model_dump(mode="json", exclude_none=True), status_code=STATUS_OF[code],
                        headers=headers)


_HTTP_CODES = {400: ErrorCode.BAD_REQUEST, 401: ErrorCode.UNAUTHORIZED, 403: ErrorCode.FORBIDDEN,
               404: ErrorCode.NOT_FOUND, 405: ErrorCode.BAD_REQUEST, 409: ErrorCode.CONFLICT,
               413: ErrorCode.PAYLOAD_TOO_LARGE, 422: ErrorCode.VALIDATION,
               429: ErrorCode.RATE_LIMITED}


def _describe(errors: list[dict]) -> str:
    parts = []
    for e in errors[:10]:
        where = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
        parts.append(f"{where or 'body'}: {e.get('msg', 'invalid')}")
    return "; ".join(parts)


def allowed_methods(app, path: str) -> list[str]:
    """Every method some route serves at `path` (Starlette's own 405 names only the first route's).
    A path a route names outright (`/v1/templates/import`) is that resource alone, not also a
    value of another route's parameter (`/v1/templates/{name}`)."""
    exact: set[str] = set()
    matched: set[str] = set()
    for route in iter_route_contexts(app.routes):  # routes of included routers too
        regex, route_methods = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is not None and route_methods and regex.match(path):
            (exact if getattr(route, "path", None) == path else matched).update(route_methods)
    return sorted(exact or matched)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError):
        return error_response(exc.code, exc.message, exc.headers, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError):
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(ErrorCode.BAD_REQUEST, "request body is not valid JSON")
        return error_response(ErrorCode.VALIDATION, _describe(errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = _HTTP_CODES.get(exc.status_code, ErrorCode.INTERNAL)
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        body = ErrorResponse(error=ErrorDetail(code=code, message=message, request_id=current_request_id()))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
        return JSONResponse(body.model_dump(mode="json", exclude_none=True), status_code=exc.status_code,
                            headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception):
        log.exception("unhandled error")
        return error_response(ErrorCode.INTERNAL, "internal error; the server log has the details")
