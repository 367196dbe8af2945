"""The Connect protocol for envd's services: connectrpc's ASGI server (envelopes, JSON and
binary codecs, errors, deadlines) over google.protobuf messages generated from envd's .proto
files, and the sandbox the data plane resolved for this request."""
from __future__ import annotations

import contextvars
from dataclasses import dataclass

from connectrpc.code import Code
from connectrpc.compat import google_protobuf_codecs
from connectrpc.errors import ConnectError
from connectrpc.method import IdempotencyLevel, MethodInfo
from connectrpc.server import ConnectASGIApplication, Endpoint
from google.protobuf.message_factory import GetMessageClass

from openbay.protocol import ErrorCode
from openbay.sandbox import EnvdError
from openbay.server.errors import ApiError


@dataclass
class Target:
    """The sandbox a data-plane request is for, and who owns it."""
    app: object
    session_id: str
    who: object

    @property
    def services(self):
        return self.app.state.services

    async def sandbox(self):
        return await self.services.sessions.require_running(self.who, self.session_id)


current: contextvars.ContextVar[Target] = contextvars.ContextVar("e2b_target")

_CODES = {ErrorCode.NOT_FOUND: Code.NOT_FOUND, ErrorCode.GONE: Code.NOT_FOUND, ErrorCode.CONFLICT: Code.ALREADY_EXISTS,
          ErrorCode.BAD_REQUEST: Code.INVALID_ARGUMENT, ErrorCode.VALIDATION: Code.INVALID_ARGUMENT,
          ErrorCode.FORBIDDEN: Code.PERMISSION_DENIED, ErrorCode.UNAUTHORIZED: Code.UNAUTHENTICATED,
          ErrorCode.PAYLOAD_TOO_LARGE: Code.RESOURCE_EXHAUSTED, ErrorCode.RATE_LIMITED: Code.RESOURCE_EXHAUSTED}
_ENVD_CODES = {"not_found": Code.NOT_FOUND, "conflict": Code.ALREADY_EXISTS, "bad_request": Code.INVALID_ARGUMENT,
               "validation": Code.INVALID_ARGUMENT, "forbidden": Code.PERMISSION_DENIED,
               "payload_too_large": Code.RESOURCE_EXHAUSTED}


def connect_error(e: Exception) -> ConnectError:
    if isinstance(e, ApiError):
        return ConnectError(_CODES.get(e.code, Code.UNAVAILABLE), e.message)
    if isinstance(e, EnvdError):
        return ConnectError(_ENVD_CODES.get(e.code, Code.INTERNAL), str(e))
    return ConnectError(Code.INTERNAL, str(e))


def _translated(function, streaming: bool):
    """OpenBay's errors out of a handler as Connect errors with E2B's codes."""
    if streaming:
        async def stream(request, ctx):
            try:
                async for item in function(request, ctx):
                    yield item
            except (ApiError, EnvdError) as e:
                raise connect_error(e) from None
        return stream

    async def unary(request, ctx):
        try:
            return await function(request, ctx)
        except (ApiError, EnvdError) as e:
            raise connect_error(e) from None
    return unary


def service_app(descriptor, handlers: dict) -> ConnectASGIApplication:
    """A Connect ASGI app serving `handlers` (method name -> async function or async
    generator) for the generated service `descriptor`."""
    endpoints = {}
    for method in descriptor.methods:
        function = handlers[method.name]
        info = MethodInfo(name=method.name, service_name=descriptor.full_name,
                          input=GetMessageClass(method.input_type), output=GetMessageClass(method.output_type),
                          idempotency_level=IdempotencyLevel.UNKNOWN)
        path = f"/{descriptor.full_name}/{method.name}"
        if method.server_streaming:
            endpoints[path] = Endpoint.server_stream(method=info, function=_translated(function, True))
        elif method.client_streaming:
            endpoints[path] = Endpoint.client_stream(method=info, function=_translated(function, False))
        else:
            endpoints[path] = Endpoint.unary(method=info, function=_translated(function, False))

    class App(ConnectASGIApplication):
        @property
        def path(self) -> str:
            return f"/{descriptor.full_name}"

    return App(service=object(), endpoints=lambda _: endpoints, codecs=google_protobuf_codecs())
