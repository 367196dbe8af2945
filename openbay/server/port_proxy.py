"""HTTP/1.1 spoken over an envd `port` channel: one proxied request and its streamed answer.

The channel is a TCP connection to a port inside the session (envd's `port` op), so the
request goes out as raw HTTP/1.1 with `Connection: close` and the answer is parsed with
httptools (the C parser uvicorn also uses); the body streams through without buffering.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httptools

from openbay.sandbox.envd.channel import EnvdChannel

# RFC 9110 §7.6.1 plus what this proxy sets itself
HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te",
                        b"trailer", b"transfer-encoding", b"upgrade", b"host", b"proxy-connection",
                        b"expect"})
SMALL_BODY = 1024 * 1024  # a body up to this size goes out with the request head, in one message
WHOLE_ANSWER = 256 * 1024  # an answer of known length up to this is read whole, then sent in one piece


class UpstreamError(Exception):
    """The app inside the session answered with something that is not HTTP."""


def request_head(method: str, target: bytes, headers: list[tuple[bytes, bytes]], port: int,
                 chunked: bool) -> bytes:
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"host: localhost:%d" % port,
             b"connection: close"]
    lines += [k + b": " + v for k, v in headers if k.lower() not in HOP_BY_HOP]
    if chunked:
        lines.append(b"transfer-encoding: chunked")
    return b"\r\n".join(lines) + b"\r\n\r\n"


def is_small(length: int | None, chunked: bool) -> bool:
    """Whether the request goes out whole, as one message (with the channel's opening)."""
    return not chunked and (length or 0) <= SMALL_BODY


async def whole_request(head: bytes, body: AsyncIterator[bytes]) -> bytes:
    data = bytearray(head)
    async for piece in body:
        data += piece
    return bytes(data)


async def stream_request(channel: EnvdChannel, head: bytes, body: AsyncIterator[bytes], *, chunked: bool) -> None:
    """The head, then the body as it arrives."""
    await channel.send(head)
    async for piece in body:
        if piece:
            await channel.send(b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece)
    if chunked:
        await channel.send(b"0\r\n\r\n")


@dataclass
class _Parsed:
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: list[bytes] = field(default_factory=list)
    head_done: bool = False
    done: bool = False

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        self.head_done = True

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.done = True


@dataclass
class UpstreamResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: AsyncIterator[bytes]
    whole: bytes | None = None  # the body, when it came with the head (nothing to stream)


async def read_response(channel: EnvdChannel, *, head_only: bool = False) -> UpstreamResponse:
    """Read up to the end of the headers; the body follows from `body` (a HEAD answer has none)."""
    parsed = _Parsed()
    parser = httptools.HttpResponseParser(parsed)

    async def feed() -> bool:
        data = await channel.recv()
        if data is None:
            return False
        try:
            parser.feed_data(data)
        except httptools.HttpParserError as e:
            raise UpstreamError(f"the app answered with something that is not HTTP/1.1: {e}") from None
        return True

    while not parsed.head_done:
        if not await feed():
            raise UpstreamError("the app closed the connection without an answer")

    async def body() -> AsyncIterator[bytes]:
        if head_only:
            return
        while True:
            while parsed.body:
                yield parsed.body.pop(0)
            if parsed.done or not await feed():
                return

    headers = [(k, v) for k, v in parsed.headers if k not in HOP_BY_HOP]
    length = dict(headers).get(b"content-length", b"")
    if not head_only and length.isdigit() and int(length) <= WHOLE_ANSWER:
        while not parsed.done and await feed():
            pass
    whole = b"" if head_only else b"".join(parsed.body) if parsed.done else None
    return UpstreamResponse(parser.get_status_code(), headers, body(), whole)
