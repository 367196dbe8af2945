"""The wire: pydantic models shared by the server and the SDK (one source of truth)."""
from .commands import CommandChunk, CommandOutput, CommandRequest
from .errors import STATUS_OF, ErrorCode, ErrorDetail, ErrorResponse
from .keys import KeyCreated, KeyCreateRequest, KeyInfo, KeyList, KeyUpdate
from .sessions import (
    IMAGE_IDS,
    CreateSessionParams,
    LabelsBody,
    SessionInfo,
    SessionLifecycle,
    SessionList,
    SessionMetrics,
    SessionStatus,
)

__all__ = [
    "CommandChunk", "CommandOutput", "CommandRequest",
    "STATUS_OF", "ErrorCode", "ErrorDetail", "ErrorResponse",
    "KeyCreated", "KeyCreateRequest", "KeyInfo", "KeyList", "KeyUpdate",
    "IMAGE_IDS", "CreateSessionParams", "LabelsBody", "SessionInfo", "SessionLifecycle", "SessionList",
    "SessionMetrics", "SessionStatus",
]
