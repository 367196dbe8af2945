"""What a failed model call means: retry it, change how we ask, or stop with the server's words.

Real servers answer configuration problems with 4xx or 5xx and a message that says so
(llama.cpp: HTTP 500 "tools param requires --jinja flag"; vLLM: HTTP 400 '"auto" tool
choice requires --enable-auto-tool-choice'; Ollama: HTTP 400 "... does not support
tools"). Those are never retried; only rate limits, overload and lost connections are.
"""
from __future__ import annotations

import re

import openai


def hide(text: str, *secrets: str) -> str:
    """`text` with each secret (an API key a server may echo back) masked."""
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, "[hidden]")
    return text


class LLMError(Exception):
    """The model endpoint failed or answered with something unusable."""

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient  # rate limit, overload, lost connection: past the retries


class ContextOverflow(LLMError):
    """The request did not fit the model's context; `n_ctx` when the server said it."""

    def __init__(self, message: str, n_ctx: int | None = None):
        super().__init__(message)
        self.n_ctx = n_ctx


# a 5xx whose message names a setting or a missing ability is not going to pass on retry
_CONFIG = re.compile(r"jinja|not supported|unsupported|does not support|mmproj|template|must alternate|"
                     r"requires --|not a multimodal|not implemented|invalid", re.I)
_NO_TOOLS = re.compile(r"tools? param requires --jinja|does not support tools|tool choice requires|"
                       r"enable-auto-tool-choice|tools are not supported|tool_choice param requires", re.I)
_NO_IMAGES = re.compile(r"image input is not supported|not a multimodal model|does not support (image|vision)|"
                        r"missing data required for image input|image.*not supported", re.I)
_OVERFLOW = re.compile(r"exceeds? the available context|context size|maximum context length|context length|"
                       r"context window|prompt is too long|too many tokens|larger than the max context", re.I)
_N_CTX = re.compile(r"(?:context (?:size|length) is|context size \(|context length is) ?(\d+)", re.I)


def server_message(e: openai.APIStatusError) -> str:
    """The server's own words (the openai SDK's str(e) repeats the status and the raw body)."""
    body = e.body
    if isinstance(body, dict):
        msg = body.get("message") or body.get("detail") or body.get("error")
        if isinstance(msg, dict):
            msg = msg.get("message")
        if msg:
            return str(msg)
    elif isinstance(body, str) and body.strip():
        return body.strip()
    try:
        return e.response.text.strip() or e.response.reason_phrase
    except Exception:
        return ""


def describe(e: Exception, url: str) -> str:
    if isinstance(e, openai.APIStatusError):
        return f"model endpoint {url} answered HTTP {e.status_code}: {server_message(e)}"[:1000]
    if isinstance(e, openai.APITimeoutError):
        return f"model endpoint {url} did not answer in time"
    if isinstance(e, openai.APIConnectionError):
        cause = e.__cause__ or e.__context__
        why = f": {type(cause).__name__}: {cause}" if cause is not None and str(cause) else ""
        return f"could not connect to the model endpoint {url}{why}"[:1000]
    return f"model endpoint {url} failed: {type(e).__name__}: {e}"[:1000]


def is_transient(e: Exception) -> bool:
    if isinstance(e, (openai.APIConnectionError, openai.RateLimitError)):  # APITimeoutError is one too
        return True
    if not isinstance(e, openai.APIStatusError):
        return False
    if e.status_code in (408, 409, 429):
        return True
    return e.status_code >= 500 and not _CONFIG.search(server_message(e))


def is_context_overflow(e: Exception) -> bool:
    if not isinstance(e, openai.APIStatusError) or e.status_code not in (400, 413, 500):
        return False
    body = e.body if isinstance(e.body, dict) else {}
    return body.get("type") == "exceed_context_size_error" or body.get("code") == "context_length_exceeded" \
        or bool(_OVERFLOW.search(server_message(e)))


def context_of(e: openai.APIStatusError) -> int | None:
    """The context size the server named in its overflow error, if it did."""
    body = e.body if isinstance(e.body, dict) else {}
    if isinstance(body.get("n_ctx"), int):
        return body["n_ctx"]
    m = _N_CTX.search(server_message(e))
    return int(m.group(1)) if m else None


def refuses_tools(e: Exception) -> bool:
    return isinstance(e, openai.APIStatusError) and bool(_NO_TOOLS.search(server_message(e)))


def refuses_images(e: Exception) -> bool:
    return isinstance(e, openai.APIStatusError) and bool(_NO_IMAGES.search(server_message(e)))
