"""write_capped: what uploads, a context's file links and a computer's video write their bytes with."""
import asyncio
import io

import pytest

from openbay.server.services.capped_write import write_capped


async def _chunks(*parts: bytes):
    for part in parts:
        yield part


def test_every_chunk_is_written_up_to_the_cap():
    out = io.BytesIO()
    assert asyncio.run(write_capped(out, _chunks(b"abc", b"de"), 5, lambda: ValueError("over"))) == 5
    assert out.getvalue() == b"abcde"


def test_the_chunk_that_passes_the_cap_raises_and_is_not_written():
    out = io.BytesIO()
    with pytest.raises(ValueError, match="over"):
        asyncio.run(write_capped(out, _chunks(b"abc", b"def"), 5, lambda: ValueError("over")))
    assert out.getvalue() == b"abc"
