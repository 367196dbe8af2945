"""The one error shape every API failure uses, and its HTTP statuses."""
from enum import Enum

from pydantic import BaseModel


class ErrorCode(str, Enum):
    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    GONE = "gone"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    VALIDATION = "validation_error"
    RATE_LIMITED = "rate_limited"
    SANDBOX_ERROR = "sandbox_error"
    UNAVAILABLE = "unavailable"
    INSUFFICIENT_STORAGE = "insufficient_storage"  # the server's own disk is (nearly) full
    INTERNAL = "internal"
    MODEL_ERROR = "model_error"          # the model endpoint failed or is not configured
    EXTRACT_FAILED = "extract_failed"    # the model's answer never fitted the schema
    NOT_SUPPORTED = "not_supported"      # the server's sandbox backend lacks the ability this needs
    HELD_ELSEWHERE = "held_elsewhere"    # another server replica holds the session's sandbox


STATUS_OF: dict[ErrorCode, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.GONE: 410,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.VALIDATION: 422,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.SANDBOX_ERROR: 502,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.INSUFFICIENT_STORAGE: 507,
    ErrorCode.INTERNAL: 500,
    ErrorCode.MODEL_ERROR: 502,
    ErrorCode.EXTRACT_FAILED: 422,
    ErrorCode.NOT_SUPPORTED: 501,
    ErrorCode.HELD_ELSEWHERE: 503,
}


class ErrorDetail(BaseModel):
    code: ErrorCode
    message: str
    request_id: str = ""
    details: dict | None = None  # more about some errors (extract_failed: the last answer)


class ErrorResponse(BaseModel):
    error: ErrorDetail
