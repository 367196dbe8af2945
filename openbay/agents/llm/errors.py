"""What a failed model call means: retry it, change how we ask, or stop with a reason of our own.

Real servers answer configuration problems with 4xx or 5xx and a message that says so
(llama.cpp: HTTP 500 "tools param requires --jinja flag"; vLLM: HTTP 400 '"auto" tool
choice requires --enable-auto-tool-choice'; Ollama: HTTP 400 "... does not support
tools"). Those are never retried; only rate limits, overload and lost connections are.

The upstream's own words are read to decide, and logged for the admin, but never copied into
what a tenant sees (a task's error, an API error, an event): `describe` names the status, the
endpoint's host and a short reason of ours.
"""
from __future__ import annotations

import logging
import re

import openai

from .endpoints import host_of

log = logging.getLogger("openbay.llm")


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
_NO_MODEL = re.compile(r"model .{0,200}(does not exist|not found|is not available)|no such model|unknown model", re.I)
NO_TOOLS = ("the model server does not take tools (llama.cpp: start it with --jinja; vLLM: with "
            "--enable-auto-tool-choice; or set OPENBAY_LLM_TOOL_MODE=text)")
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


def reason(e: openai.APIStatusError) -> str:
    """A short reason of our own for an error status (the upstream's body is not repeated)."""
    if is_context_overflow(e):
        n_ctx = context_of(e)
        return "the request did not fit the model's context" + (f" of {n_ctx} tokens" if n_ctx else "")
    if refuses_tools(e):
        return NO_TOOLS
    if refuses_images(e):
        return "the model does not take images"
    status = e.status_code
    if status == 404 or _NO_MODEL.search(server_message(e)):
        return "no such model or path at the endpoint"
    if status in (401, 403):
        return "the endpoint refused the credentials"
    if status == 429:
        return "rate limited"
    if status >= 500:
        return "the model server failed" if is_transient(e) else "the model server cannot do what was asked"
    return "the endpoint refused the request"


def describe(e: Exception, url: str) -> str:
    """What failed, for a tenant: the status, the endpoint's host, a reason of ours."""
    host = host_of(url)
    if isinstance(e, openai.APIStatusError):
        log.warning("model endpoint %s answered HTTP %s: %s", host, e.status_code, server_message(e)[:500])
        return f"model endpoint {host} answered HTTP {e.status_code}: {reason(e)}"
    if isinstance(e, openai.APITimeoutError):
        return f"model endpoint {host} did not answer in time"
    if isinstance(e, openai.APIConnectionError):
        cause = e.__cause__ or e.__context__
        log.warning("could not connect to the model endpoint %s: %r", host, cause)
        why = f" ({type(cause).__name__})" if cause is not None else ""
        return f"could not connect to the model endpoint {host}{why}"
    log.warning("model endpoint %s failed: %r", host, e)
    return f"model endpoint {host} failed ({type(e).__name__})"


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
