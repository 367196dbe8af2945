"""A request body read chunk by chunk under a limit, for uploads that bypass the
global body cap (see BodyLimitMiddleware.unlimited_prefixes)."""
from fastapi import Request

# after a refusal, read (and drop) this much more so that the client gets to see
# the answer instead of a broken pipe; past it, the connection is simply closed
DRAIN_CAP = 64 * 1024 * 1024


class BodyTooLarge(Exception):
    pass


class ClientGone(Exception):
    pass


class StreamedBody:
    def __init__(self, request: Request, limit: int):
        self.request = request
        self.limit = limit
        self.received = 0
        self.done = False

    def declared_too_large(self) -> bool:
        length = self.request.headers.get("content-length", "")
        return length.isdigit() and int(length) > self.limit

    async def _next(self) -> bytes:
        message = await self.request.receive()
        if message["type"] == "http.disconnect":
            self.done = True
            raise ClientGone()
        self.done = not message.get("more_body", False)
        return message.get("body", b"")

    async def chunks(self):
        """The body's chunks; BodyTooLarge once it passes the limit."""
        while not self.done:
            chunk = await self._next()
            self.received += len(chunk)
            if self.received > self.limit:
                raise BodyTooLarge()
            if chunk:
                yield chunk

    async def drain(self) -> None:
        dropped = 0
        try:
            while not self.done and dropped < DRAIN_CAP:
                dropped += len(await self._next())
        except ClientGone:
            pass
