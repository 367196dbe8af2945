"""AsyncOpenBay runs the same file calls; watch_directory reports changes."""
import asyncio
import threading
import time

from openbay import AsyncOpenBay
from tests.helpers.sessions import new_async_session
from tests.helpers.waiting import async_wait_for, wait_for


def test_watch_directory_reports_created_modified_deleted(session):
    fs = session.file_system
    fs.create_directory("watched")
    events, lock = [], threading.Lock()

    def on_events(batch):
        with lock:
            events.extend(batch)

    handle = fs.watch_directory("watched", on_events, interval=0.1)
    try:
        fs.write_file("watched/new.txt", "1")
        wait_for(lambda: any(e.event_type == "created" for e in events), what="created")
        fs.write_file("watched/new.txt", "1234567")
        wait_for(lambda: any(e.event_type == "modified" for e in events), what="modified")
        fs.delete_file("watched/new.txt")
        wait_for(lambda: any(e.event_type == "deleted" for e in events), what="deleted")
    finally:
        handle.stop()
    assert not handle.running
    with lock:
        kinds = [(e.event_type, e.path, e.path_type) for e in events]
    assert ("created", "/home/user/watched/new.txt", "file") in kinds
    assert ("deleted", "/home/user/watched/new.txt", "file") in kinds
    count = len(kinds)
    fs.write_file("watched/after-stop.txt", "x")
    time.sleep(0.4)
    assert len(events) == count  # stopped means stopped


def test_async_client_file_calls(server, tmp_path):
    async def main():
        async with AsyncOpenBay(api_key=server.admin_key, base_url=server.base_url) as bay:
            async with new_async_session(bay) as s:
                fs = s.file_system
                await fs.write_file("a.txt", "async hello")
                assert (await fs.read_file("a.txt")).content == "async hello"
                assert [e.name for e in (await fs.list_directory("/home/user")).entries] == ["a.txt"]
                src = tmp_path / "up.bin"
                src.write_bytes(b"q" * (3 * 1024 * 1024 + 7))
                up = await fs.upload_file(src, "up.bin")
                assert up.bytes_sent == src.stat().st_size
                await fs.download_file("up.bin", tmp_path / "down.bin")
                assert (tmp_path / "down.bin").read_bytes() == src.read_bytes()

                seen = []
                handle = await fs.watch_directory("/home/user", lambda evs: seen.extend(evs), interval=0.1)
                await fs.write_file("b.txt", "b")  # at once: the watch has its first look already
                await async_wait_for(lambda: seen, what="the watch to report")
                handle.stop()
                assert ("created", "/home/user/b.txt") in [(e.event_type, e.path) for e in seen]

    asyncio.run(main())
