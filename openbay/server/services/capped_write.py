"""Bytes that arrive in chunks (a request body, a file out of a session) written to a file under a cap."""
from collections.abc import AsyncIterator, Callable
from typing import IO


async def write_capped(out: IO[bytes], chunks: AsyncIterator[bytes], cap: int,
                       over: Callable[[], Exception]) -> int:
    """Write every chunk to `out` and answer how many bytes that was; `over()` is raised instead
    of writing the chunk that would take the file past `cap` bytes."""
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > cap:
            raise over()
        out.write(chunk)
    return size
