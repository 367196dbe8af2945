"""How streamed model text becomes events: a handful per step, on a schedule that doubles,
whatever the pace of the stream (the clock is the test's, so the counts are exact)."""
import asyncio

from openbay.agents.events import DeltaBuffer
from tests.agents.conftest import Recorder


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def stream(pieces: list[str], every_s: float, max_chars: int = 8_000) -> list[str]:
    """What the hooks get when `pieces` arrive `every_s` apart, then the step ends."""
    hooks, clock = Recorder(), Clock()
    buffer = DeltaBuffer(hooks, "content", step=1, clock=clock, max_chars=max_chars)

    async def run():
        for piece in pieces:
            await buffer.add(piece)
            clock.now += every_s
        await buffer.flush()

    asyncio.run(run())
    assert all(p["step"] == 1 for p in hooks.of("content"))
    return [p["content"] for p in hooks.of("content")]


def test_a_fast_stream_is_one_event():
    sent = stream(["a" * 8] * 375, every_s=0.0)
    assert sent == ["a" * 3000]


def test_a_slow_stream_waits_twice_as_long_each_time_up_to_the_most():
    # a piece every 0.25 s: flushes after 0.5, 1, 2, 4, 8, 8 s (the most) of gathering
    pieces = [f"{i:03d}," for i in range(100)]
    sent = stream(pieces, every_s=0.25)
    assert [len(text) // 4 for text in sent] == [3, 5, 9, 17, 33, 33]
    assert "".join(sent) == "".join(pieces)  # nothing lost, nothing doubled


def test_many_characters_flush_at_once_and_the_rest_comes_at_the_end():
    sent = stream(["x" * 100] * 25, every_s=0.0, max_chars=1000)
    assert [len(text) for text in sent] == [1000, 1000, 500]
