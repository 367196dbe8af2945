"""What the server keeps of a command's output: what its streams have yet to read, no more."""
import asyncio

from openbay.e2b.processes import KEPT_BYTES, START_READER, Event, Process


def test_output_is_kept_only_for_streams_that_still_read_it():
    async def main():
        proc = Process(pid=7, cmd="/bin/bash", args=[], envs={}, cwd="")
        proc.push(Event("stdout", b"before the start stream reads"))
        assert proc.kept > 0  # the Start stream's place is held from the first event
        start = proc.follow(START_READER)
        assert (await anext(start)).data == b"before the start stream reads"
        later = proc.follow(proc.watch())  # a client connecting now reads from now on
        proc.push(Event("stdout", b"x" * 10))
        assert (await anext(start)).data == b"x" * 10
        await start.aclose()
        assert proc.kept == 10  # only `later` still has it to read
        assert (await anext(later)).data == b"x" * 10
        await later.aclose()
        assert proc.kept == 0 and proc.events == []
        proc.push(Event("stdout", b"nobody reads this"))
        assert proc.kept == 0

    asyncio.run(main())


def test_a_slow_stream_loses_the_oldest_output_past_the_cap():
    async def main():
        proc = Process(pid=8, cmd="/bin/bash", args=[], envs={}, cwd="")
        chunk = b"y" * (KEPT_BYTES // 4)
        for _ in range(8):
            proc.push(Event("stdout", chunk))
        assert proc.kept <= KEPT_BYTES and proc.dropped == 4
        proc.push(Event("end", exit_code=0))
        seen = [e async for e in proc.follow(START_READER)]
        assert len(seen) == 5 and seen[-1].kind == "end"

    asyncio.run(main())
