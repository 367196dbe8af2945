"""Calling envd of a caller's running session, with envd's errors as API errors."""
from openbay.protocol import ErrorCode
from openbay.sandbox import EnvdError

from ..errors import ApiError
from .keys import Principal

# envd answers with the API's own codes for what the caller got wrong
_PASSED_ON = {ErrorCode.BAD_REQUEST, ErrorCode.NOT_FOUND, ErrorCode.CONFLICT, ErrorCode.FORBIDDEN,
              ErrorCode.PAYLOAD_TOO_LARGE, ErrorCode.VALIDATION}


def envd_api_error(e: EnvdError) -> ApiError:
    try:
        code = ErrorCode(e.code)
    except ValueError:
        code = ErrorCode.SANDBOX_ERROR
    if code not in _PASSED_ON:
        return ApiError(ErrorCode.SANDBOX_ERROR, f"sandbox error: {e}")
    return ApiError(code, str(e))


async def envd_call(sessions, who: Principal, session_id: str, payload: dict) -> dict:
    sandbox = await sessions.require_running(who, session_id)
    try:
        return await sandbox.envd.call(payload)
    except EnvdError as e:
        raise envd_api_error(e) from None
