"""What the request being served says about itself: its id (for logs and error bodies),
and whether it may resume a paused session."""
from contextvars import ContextVar
from urllib.parse import parse_qs

_request_id: ContextVar[str] = ContextVar("request_id", default="")


def current_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str):
    return _request_id.set(value)


# whether a call on a paused session may resume it first (header X-OpenBay-Auto-Resume or
# query auto_resume; "false" or "0" says no)
_auto_resume: ContextVar[bool] = ContextVar("auto_resume", default=True)
AUTO_RESUME_HEADER = b"x-openbay-auto-resume"


def auto_resume_allowed() -> bool:
    return _auto_resume.get()


def set_auto_resume(headers: dict, query_string: bytes):
    """From a request's headers (lower-case bytes keys) and query string."""
    given = headers.get(AUTO_RESUME_HEADER, b"").decode("latin-1")
    if not given and b"auto_resume" in query_string:
        given = (parse_qs(query_string.decode("latin-1")).get("auto_resume") or [""])[0]
    return _auto_resume.set(given.strip().lower() not in ("false", "0", "no"))
