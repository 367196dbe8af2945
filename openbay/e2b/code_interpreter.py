"""The code interpreter's HTTP API (port 49999 of E2B's code-interpreter template): /execute
streams an Execution as JSON lines, /contexts names kernels. OpenBay runs one kernel per
language in a session (envd's `code.run`), so a context is its language's kernel with a
working directory of its own (set for each of its executions, and put back after)."""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from openbay.sandbox import EnvdError
from openbay.sandbox.envd import wire

from . import cell_envs
from .charts import INSTALL_CELL, TAKE_CELL, attach, parse_charts
from .envd_http import envd_error
from .rpc import current

DEFAULT_CWD = "/home/user"
LANGUAGES = {"python": "python", "py": "python", "python3": "python", "js": "javascript",
             "javascript": "javascript", "node": "javascript", "ts": "javascript", "r": "r", "java": "java"}
REFUSED = "OpenBay's kernels run Python, JavaScript, R and Java, not {!r}"
CELL_TIMEOUT_S = 300  # E2B's run_code default
HIDDEN_CELL_TIMEOUT_S = 30
log = logging.getLogger("openbay.e2b")


def _contexts(target) -> dict:
    return target.app.state.e2b_contexts.setdefault(target.session_id, {})


def _language(name) -> str | None:
    if name is not None and not isinstance(name, str):
        return None
    return LANGUAGES.get((name or "python").lower())


def _lines(answer: dict, stamp: float):
    for name in ("stdout", "stderr"):
        if answer.get(name):
            yield {"type": name, "text": answer[name], "timestamp": stamp}
    for result in answer.get("results", []):
        yield {"type": "result", **result}
    error = answer.get("execution_error")
    if error:
        yield {"type": "error", "name": error.get("name", "Error"), "value": error.get("value", ""),
               "traceback": error.get("traceback", "")}


class _BadBody(Exception):
    pass


async def _json_body(request: Request) -> dict:
    """The request's JSON object, read up to OPENBAY_MAX_BODY_BYTES (the server's own limit)."""
    limit = current.get().app.state.settings.max_body_bytes
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise _BadBody(413, f"the request is over the limit of {limit} bytes (OPENBAY_MAX_BODY_BYTES)")
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        raise _BadBody(400, "the request body is not JSON") from None
    if not isinstance(body, dict):
        raise _BadBody(400, "the request body is a JSON object")
    return body


def _json_route(route):
    async def answer(request: Request) -> Response:
        try:
            return await route(request, await _json_body(request))
        except _BadBody as e:
            return envd_error(*e.args)
    return answer


@_json_route
async def execute(request: Request, body: dict) -> Response:
    contexts = _contexts(current.get())
    if body.get("context_id"):
        context = contexts.get(body["context_id"]) if isinstance(body["context_id"], str) else None
        if context is None:
            return envd_error(404, f"context {body['context_id']!r} not found")
        language = context["language"]
        cwd = context["cwd"] if context["cwd"] != DEFAULT_CWD else ""  # the kernels start in the home folder
    else:
        cwd = ""
        language = _language(body.get("language"))
        if language is None:
            return envd_error(400, REFUSED.format(body.get("language")))
    target = current.get()
    sandbox = await target.sandbox()
    stamp = time.time() * 1000
    code, envs = body.get("code", ""), body.get("env_vars") or {}
    if not isinstance(code, str) or not cell_envs.valid(envs):
        return envd_error(400, "code is a string and env_vars an object of strings")
    if (envs or cwd) and language in cell_envs.UNSUPPORTED:
        return envd_error(400, cell_envs.UNSUPPORTED[language])
    set_cell, restore_cell = cell_envs.cells(language, envs, cwd) if envs or cwd else ("", "")
    frames = None
    try:
        if language == "python":
            await _install_chart_hook(target, sandbox)
        setting = await _run(sandbox, set_cell, language, HIDDEN_CELL_TIMEOUT_S) if set_cell else {}
        if not setting.get("execution_error"):  # e.g. the context's folder is not there: its error says so
            frames = sandbox.envd.stream({"op": "code.run", "code": code, "language": language,
                                          "timeout_s": CELL_TIMEOUT_S, "stream": True})
            first = wire.decode_json(*await anext(frames))  # the kernel has started, or failed to
    except (EnvdError, StopAsyncIteration) as e:
        await _restore(sandbox, restore_cell, language, frames)
        return envd_error(400 if getattr(e, "code", "") in ("bad_request", "conflict") else 502, str(e) or
                          "the sandbox closed the connection")

    async def lines():
        """The cell's output as E2B's lines while it runs, then its results and error."""
        try:
            if frames is None:
                answer = {**setting, "stdout": "", "stderr": "", "results": []}
            else:
                answer = first
                while answer.get("type") in ("stdout", "stderr"):
                    yield json.dumps({"type": answer["type"], "text": answer.get("data", ""),
                                      "timestamp": time.time() * 1000}) + "\n"
                    answer = wire.decode_json(*await anext(frames))
                if language == "python":
                    await _charts(target, sandbox, answer)
            for line in _lines(answer, stamp):
                yield json.dumps(line) + "\n"
        except (EnvdError, StopAsyncIteration) as e:
            yield json.dumps({"type": "error", "name": "SandboxError", "value": str(e) or
                              "the sandbox closed the connection", "traceback": ""}) + "\n"
        finally:
            await asyncio.shield(_restore(sandbox, restore_cell, language, frames))

    return StreamingResponse(lines(), media_type="application/x-ndjson")


async def _restore(sandbox, restore_cell: str, language: str, frames) -> None:
    """The context's variables and folder put back, whatever became of the cell."""
    if frames is not None:
        await frames.aclose()
    if restore_cell:
        try:
            await _run(sandbox, restore_cell, language, HIDDEN_CELL_TIMEOUT_S)
        except EnvdError as e:
            log.warning("a context's cell could not be put back: %s", e)


async def _run(sandbox, code: str, language: str, timeout_s: float) -> dict:
    return await sandbox.envd.call({"op": "code.run", "code": code, "language": language, "timeout_s": timeout_s})


async def _install_chart_hook(target, sandbox) -> None:
    hooks = target.app.state.e2b_chart_hooks
    if target.session_id not in hooks:
        installed = await _run(sandbox, INSTALL_CELL, "python", HIDDEN_CELL_TIMEOUT_S)
        if not installed.get("execution_error"):
            hooks[target.session_id] = True


async def _charts(target, sandbox, answer: dict) -> None:
    """E2B's chart beside each figure's PNG, taken from the hook in the kernel."""
    hooks = target.app.state.e2b_chart_hooks
    if answer.get("kernel_restarted"):  # a new kernel: the hook goes in again on the next run
        hooks.pop(target.session_id, None)
        return
    if target.session_id not in hooks or not any(r.get("png") for r in answer.get("results", [])):
        return
    taken = await _run(sandbox, TAKE_CELL, "python", HIDDEN_CELL_TIMEOUT_S)
    charts = None if taken.get("execution_error") else parse_charts(taken.get("stdout", ""))
    if charts is None:
        hooks.pop(target.session_id, None)
        return
    attach(answer.get("results", []), charts)


@_json_route
async def create_context(request: Request, body: dict) -> Response:
    language = _language(body.get("language"))
    if language is None:
        return envd_error(400, REFUSED.format(body.get("language")))
    cwd = body.get("cwd")
    context = {"id": secrets.token_hex(8), "language": language,
               "cwd": cwd if isinstance(cwd, str) and cwd else DEFAULT_CWD}
    _contexts(current.get())[context["id"]] = context
    return JSONResponse(context)


async def list_contexts(request: Request) -> Response:
    return JSONResponse(list(_contexts(current.get()).values()))


async def remove_context(request: Request) -> Response:
    if _contexts(current.get()).pop(request.path_params["context_id"], None) is None:
        return envd_error(404, "context not found")
    return Response(status_code=204)


async def restart_context(request: Request) -> Response:
    context = _contexts(current.get()).get(request.path_params["context_id"])
    if context is None:
        return envd_error(404, "context not found")
    sandbox = await current.get().sandbox()
    await sandbox.envd.call({"op": "code.restart", "language": context["language"]})
    current.get().app.state.e2b_chart_hooks.pop(current.get().session_id, None)
    return Response(status_code=204)


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


ROUTES = [Route("/execute", execute, methods=["POST"]), Route("/health", health, methods=["GET"]),
          Route("/contexts", create_context, methods=["POST"]), Route("/contexts", list_contexts, methods=["GET"]),
          Route("/contexts/{context_id}", remove_context, methods=["DELETE"]),
          Route("/contexts/{context_id}/restart", restart_context, methods=["POST"])]
