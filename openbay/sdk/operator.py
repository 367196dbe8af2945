"""`session.browser.agent`: the browser operator, one instruction at a time (as AgentBay's
browser agent and Stagehand have it): navigate, act, observe, extract, screenshot; and the
owner's action cache, which replays acts that worked without asking the model."""
from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from openbay.protocol.operator import ActRequest, ActResult, CacheEntry, ObservedAction, PageInfo

from . import calls
from .calls import Call, Request, Response
from .errors import ExtractError
from .methods import AsyncPart, Part, awaited, blocking

MODEL_TIMEOUT_S = 300  # one call may ask the model a few times


def _extracted(request: Request, build: Callable[[Any], Any]) -> Call[Any]:
    """calls.value, but a schema that was never met raises ExtractError with the last answer."""
    inner = calls.value(request, build)
    resp: Response = yield next(inner)
    error = resp.error if not resp.ok else {}
    if error.get("code") == "extract_failed":
        raise ExtractError(error.get("message", ""), status=resp.status, code="extract_failed",
                           request_id=error.get("request_id") or resp.request_id,
                           last_answer=(error.get("details") or {}).get("last_answer"))
    try:
        inner.send(resp)
    except StopIteration as stop:
        return stop.value
    raise AssertionError("unreachable")


def _post(path: str, what: str, body: dict, build: Callable[[Any], Any],
          timeout_s: float = MODEL_TIMEOUT_S) -> Call[Any]:
    req = Request("POST", f"{path}/browser/agent/{what}", json=body, timeout_s=timeout_s)
    return (yield from calls.value(req, build))


class OperatorCalls:
    _path: str

    def navigate(self, url: str) -> Call[PageInfo]:
        """Open a URL in the current tab: the page's final URL and title."""
        return (yield from _post(self._path, "navigate", {"url": url}, PageInfo.model_validate, 60))

    def act(self, instruction: str | ObservedAction | dict, variables: dict[str, str] | None = None, *,
            use_cache: bool = True, llm: dict | None = None) -> Call[ActResult]:
        """Do one thing on the page ("click the login button"); `%name%` in the instruction is
        filled from `variables` when the action runs (the model sees only the name). An
        ObservedAction from observe() is done as is. result.success is False, with the reason,
        when nothing on the page fits; result.cached tells a replay from the action cache."""
        body: dict = {"variables": variables or {}, "use_cache": use_cache, "llm": llm}
        if isinstance(instruction, str):
            body["instruction"] = instruction
        else:
            body["action"] = ObservedAction.model_validate(instruction).model_dump()
        body = ActRequest.model_validate(body).model_dump(mode="json", exclude_none=True)
        return (yield from _post(self._path, "act", body, ActResult.model_validate))

    def observe(self, instruction: str, *, llm: dict | None = None) -> Call[list[ObservedAction]]:
        """Candidate actions for an instruction, best first: selector, method, arguments, description."""
        body = {"instruction": instruction, **({"llm": llm} if llm else {})}
        return (yield from _post(self._path, "observe", body,
                                 lambda b: [ObservedAction.model_validate(a) for a in b["actions"]]))

    def extract(self, instruction: str, schema: Any, *, llm: dict | None = None) -> Call[Any]:
        """Data from the page: an instance of `schema` (a pydantic model) or an object valid against
        it (a JSON schema). Raises ExtractError, with .last_answer, when the answer never fits."""
        as_json = schema if isinstance(schema, dict) else schema.model_json_schema()
        build = (lambda b: b["data"]) if isinstance(schema, dict) else (lambda b: schema.model_validate(b["data"]))
        body = {"instruction": instruction, "schema": as_json, **({"llm": llm} if llm else {})}
        return (yield from _extracted(Request("POST", f"{self._path}/browser/agent/extract", json=body,
                                              timeout_s=MODEL_TIMEOUT_S), build))

    def screenshot(self, full_page: bool = False) -> Call[bytes]:
        """A PNG of the page the operator is on."""
        return (yield from _post(self._path, "screenshot", {"full_page": full_page},
                                 lambda b: base64.b64decode(b["data"]), 90))

    def list_cache(self, url: str | None = None, limit: int = 100) -> Call[list[CacheEntry]]:
        """The action cache of this key's owner (all sessions), newest first."""
        params = {"limit": limit, **({"url": url} if url else {})}
        return (yield from calls.value(Request("GET", "/v1/browser/action-cache", params=params),
                                       lambda b: [CacheEntry.model_validate(e) for e in b["entries"]]))

    def clear_cache(self, url: str | None = None) -> Call[int]:
        """Forget cached actions (only those of `url` when given); how many went."""
        return (yield from calls.value(Request("DELETE", "/v1/browser/action-cache",
                                               params={"url": url} if url else None), lambda b: int(b["deleted"])))


class BrowserOperatorApi(Part):
    """session.browser.agent (blocking)."""
    navigate = blocking(OperatorCalls.navigate)
    act = blocking(OperatorCalls.act)
    observe = blocking(OperatorCalls.observe)
    extract = blocking(OperatorCalls.extract)
    screenshot = blocking(OperatorCalls.screenshot)
    list_cache = blocking(OperatorCalls.list_cache)
    clear_cache = blocking(OperatorCalls.clear_cache)


class AsyncBrowserOperatorApi(AsyncPart):
    navigate = awaited(OperatorCalls.navigate)
    act = awaited(OperatorCalls.act)
    observe = awaited(OperatorCalls.observe)
    extract = awaited(OperatorCalls.extract)
    screenshot = awaited(OperatorCalls.screenshot)
    list_cache = awaited(OperatorCalls.list_cache)
    clear_cache = awaited(OperatorCalls.clear_cache)
