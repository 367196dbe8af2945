"""Runners: what drives the calls of calls.py. `SyncRunner` over httpx.Client,
`AsyncRunner` over httpx.AsyncClient; the sub-APIs depend on these only.

Both retry idempotent requests on connection errors (with backoff) and map
transport failures to OpenBayError subclasses; nothing else differs.
"""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any, TypeVar

import httpx

from .callbacks import settle
from .calls import Call, Request, Response
from .errors import OpenBayConnectionError, OpenBayError, OpenBayTimeoutError

T = TypeVar("T")
RETRIES = 3
BACKOFF_S = 0.2
_RETRYABLE = (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


def _client_kwargs(base_url: str, api_key: str, timeout_s: float) -> dict:
    return {"base_url": base_url, "timeout": timeout_s,
            "headers": {"Authorization": f"Bearer {api_key}", "User-Agent": "openbay-python"}}


def _request_kwargs(req: Request, asynchronous: bool = False) -> dict:
    kw: dict[str, Any] = {"params": req.params, "headers": req.headers}
    if req.content is not None and not isinstance(req.content, bytes):  # a source read afresh on every attempt
        kw["content"] = req.content.async_chunks() if asynchronous else req.content.sync_chunks()
    elif req.content is not None:
        kw["content"] = req.content
    else:
        kw["json"] = req.json
    if req.timeout_s is not None:
        kw["timeout"] = req.timeout_s
    return kw


def _response(r: httpx.Response, body: Any = None) -> Response:
    if body is None:
        try:
            body = r.json()
        except ValueError:
            body = r.text
    return Response(r.status_code, body, r.headers.get("x-request-id", ""))


def _transport_error(e: Exception, req: Request) -> OpenBayError:
    if isinstance(e, httpx.TimeoutException):
        return OpenBayTimeoutError(f"{req.method} {req.path}: no answer in time ({type(e).__name__})")
    return OpenBayConnectionError(f"{req.method} {req.path}: cannot reach the server: {e}")


def _retry(req: Request, attempt: int, e: Exception) -> bool:
    return req.idempotent and isinstance(e, _RETRYABLE) and attempt < RETRIES - 1


class _Runner:
    def __init__(self, base_url: str, api_key: str):
        self.base_url = base_url
        self._api_key = api_key

    @property
    def auth_headers(self) -> dict[str, str]:
        """For the connections the runner does not make itself (the task event WebSocket)."""
        return {"Authorization": f"Bearer {self._api_key}"}


class SyncRunner(_Runner):
    def __init__(self, base_url: str, api_key: str, timeout_s: float,
                 transport: httpx.BaseTransport | None = None):
        super().__init__(base_url, api_key)
        self.http = httpx.Client(transport=transport, **_client_kwargs(base_url, api_key, timeout_s))

    def run(self, call: Call[T]) -> T:
        """Drive `call`; a transport failure is thrown into it, so a call may handle it."""
        try:
            req = next(call)
            while True:
                try:
                    resp = self.send(req)
                except OpenBayError as e:
                    req = call.throw(e)
                    continue
                req = call.send(resp)
        except StopIteration as done:
            return done.value

    def send(self, req: Request) -> Response:
        for attempt in range(RETRIES):
            try:
                if req.on_line is not None:
                    return self._stream(req, req.on_line)
                if req.on_bytes is not None:
                    return self._download(req, req.on_bytes)
                return _response(self.http.request(req.method, req.path, **_request_kwargs(req)))
            except httpx.HTTPError as e:
                if not _retry(req, attempt, e):
                    raise _transport_error(e, req) from None
                time.sleep(BACKOFF_S * 2 ** attempt)
        raise AssertionError("unreachable")

    def _stream(self, req: Request, on_line) -> Response:
        with self.http.stream(req.method, req.path, **_request_kwargs(req)) as r:
            if r.status_code >= 300:
                r.read()
                return _response(r)
            last = None
            for line in r.iter_lines():
                if line.strip():
                    last = json.loads(line)
                    on_line(last)  # now, not when the next line comes: that may wait on this one
            return _response(r, last)

    def _download(self, req: Request, on_bytes) -> Response:
        with self.http.stream(req.method, req.path, **_request_kwargs(req)) as r:
            if r.status_code >= 300:
                r.read()
                return _response(r)
            for chunk in r.iter_raw():  # as received: no re-chunking copies
                on_bytes(chunk)
            return _response(r, dict(r.headers))

    def close(self) -> None:
        self.http.close()


class AsyncRunner(_Runner):
    def __init__(self, base_url: str, api_key: str, timeout_s: float,
                 transport: httpx.AsyncBaseTransport | None = None):
        super().__init__(base_url, api_key)
        self.http = httpx.AsyncClient(transport=transport, **_client_kwargs(base_url, api_key, timeout_s))

    async def run(self, call: Call[T]) -> T:
        try:
            req = next(call)
            while True:
                try:
                    resp = await self.send(req)
                except OpenBayError as e:
                    req = call.throw(e)
                    continue
                req = call.send(resp)
        except StopIteration as done:
            return done.value

    async def send(self, req: Request) -> Response:
        for attempt in range(RETRIES):
            try:
                if req.on_line is not None:
                    return await self._stream(req, req.on_line)
                if req.on_bytes is not None:
                    return await self._download(req, req.on_bytes)
                return _response(await self.http.request(req.method, req.path,
                                                         **_request_kwargs(req, True)))
            except httpx.HTTPError as e:
                if not _retry(req, attempt, e):
                    raise _transport_error(e, req) from None
                await asyncio.sleep(BACKOFF_S * 2 ** attempt)
        raise AssertionError("unreachable")

    async def _stream(self, req: Request, on_line) -> Response:
        async with self.http.stream(req.method, req.path, **_request_kwargs(req, True)) as r:
            if r.status_code >= 300:
                await r.aread()
                return _response(r)
            last = None
            async for line in r.aiter_lines():
                if line.strip():
                    last = json.loads(line)
                    await settle(on_line(last))
            return _response(r, last)

    async def _download(self, req: Request, on_bytes) -> Response:
        async with self.http.stream(req.method, req.path, **_request_kwargs(req, True)) as r:
            if r.status_code >= 300:
                await r.aread()
                return _response(r)
            async for chunk in r.aiter_raw():
                await settle(on_bytes(chunk))
            return _response(r, dict(r.headers))

    async def close(self) -> None:
        await self.http.aclose()
