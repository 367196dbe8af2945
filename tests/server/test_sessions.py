"""Sessions through the SDK against a real server: lifecycle, labels, lists, ownership."""
import time

import httpx
import pytest

from openbay import BadRequestError, CreateSessionParams, GoneError, NotFoundError, OpenBay, RateLimitError
from tests.helpers.server import thread_server
from tests.helpers.waiting import wait_for


def test_create_info_labels_link_delete(bay):
    r = bay.create(CreateSessionParams(image_id="linux", labels={"project": "demo"}, timeout_s=600))
    assert r.request_id.startswith("req-")
    s = r.session
    info = s.info()
    assert info.session_id == s.session_id and info.status.value == "running"
    assert info.labels == {"project": "demo"} and info.timeout_s == 600
    s.set_labels({"env": "test"})
    assert s.get_labels() == {"env": "test"}
    link = s.get_link()
    page = httpx.get(link)
    assert page.status_code == 200 and s.session_id in page.text and "env=test" in page.text
    assert httpx.get(link.split("?")[0]).status_code == 401
    assert httpx.get(link.split("?")[0] + "?token=1.abc").status_code == 401
    assert bay.get(s.session_id).session.session_id == s.session_id
    s.delete()
    with pytest.raises(GoneError) as deleted:  # a deleted session and all under it answer 410
        bay.get(s.session_id)
    assert "deleted" in deleted.value.message
    s.delete()  # deleting twice is harmless (DELETE is retried by the SDK)
    with pytest.raises(GoneError) as gone:
        s.command.execute_command("true")
    assert gone.value.status == 410 and gone.value.code == "gone" and "ended" in gone.value.message


def test_list_filters_by_labels_and_paginates(bay):
    tag = f"run{time.time_ns()}"
    made = [bay.create(CreateSessionParams(labels={"batch": tag, "i": str(i)})).session for i in range(5)]
    try:
        first = bay.list(labels={"batch": tag}, limit=2)
        assert first.total_count == 5 and len(first.session_ids) == 2
        seen = list(first.session_ids)
        token = first.next_token
        while token:
            page = bay.list(labels={"batch": tag}, limit=2, next_token=token)
            seen += page.session_ids
            token = page.next_token
        assert sorted(seen) == sorted(s.session_id for s in made)
        assert seen == [s.session_id for s in reversed(made)]  # newest first
        one = bay.list(labels={"batch": tag, "i": "3"})
        assert one.session_ids == [made[3].session_id]
        assert bay.list(labels={"batch": "no-such-batch"}).total_count == 0
        with pytest.raises(BadRequestError, match="next_token"):
            bay.list(next_token="garbage!")
    finally:
        for s in made:
            s.delete()
    assert bay.list(labels={"batch": tag}).total_count == 0
    assert bay.list(labels={"batch": tag}, status="all").total_count == 5


def test_two_owners_cannot_see_each_other(server, make_session):
    alice = server.client(server.new_owner_key("alice"))
    bob = server.client(server.new_owner_key("bob"))
    s = make_session(labels={"owner": "alice"}, source=alice)
    s.command.execute_command("echo secret > /home/user/mine.txt")
    assert bob.list(labels={"owner": "alice"}).total_count == 0
    with pytest.raises(NotFoundError) as got:
        bob.get(s.session_id)
    assert got.value.code == "not_found" and got.value.request_id
    as_bob = type(s)(bob._runner, s.info())  # a session handle with bob's key
    with pytest.raises(NotFoundError):
        as_bob.info()
    with pytest.raises(NotFoundError):
        as_bob.get_labels()
    with pytest.raises(NotFoundError):
        as_bob.command.execute_command("cat /home/user/mine.txt")
    with pytest.raises(NotFoundError):
        as_bob.set_labels({"x": "y"})
    with pytest.raises(NotFoundError):
        as_bob.delete()
    assert s.info().status.value == "running"  # bob's delete did nothing


def test_keep_alive_extends_expiry(session):
    before = session.info().expires_at
    time.sleep(0.05)
    r = session.keep_alive()
    assert r.data.expires_at > before


def test_idle_sessions_are_reaped(tmp_path):
    with thread_server(tmp_path, reap_interval_s=0.2) as srv:
        bay = srv.client()
        short = bay.create(CreateSessionParams(timeout_s=1)).session
        long = bay.create(CreateSessionParams(timeout_s=600)).session
        wait_for(lambda: short.info().status.value != "running", what="the idle session to be reaped")
        assert short.info().status.value == "expired"  # its record says why it ended
        with pytest.raises(GoneError) as gone:  # what is under it is gone
            short.command.execute_command("true")
        assert "expired" in gone.value.message
        assert long.info().status.value == "running"
        assert srv.services.backend.is_alive(long.session_id)
        assert not srv.services.backend.is_alive(short.session_id)


def test_per_owner_session_cap_is_429(tmp_path):
    with thread_server(tmp_path, max_sessions_per_owner=2) as srv:
        bay = srv.client()
        a, _ = bay.create().session, bay.create().session
        with pytest.raises(RateLimitError, match="at most 2") as third:
            bay.create()
        assert third.value.code == "rate_limited"
        a.delete()
        bay.create()


def test_async_client_has_the_same_surface(server):
    import asyncio

    from openbay import AsyncOpenBay

    async def main():
        async with AsyncOpenBay(api_key=server.admin_key, base_url=server.base_url) as bay:
            s = (await bay.create(CreateSessionParams(labels={"kind": "async"}))).session
            out = await s.command.execute_command("echo $((6*7))")
            assert out.exit_code == 0 and out.output == "42\n"
            await s.set_labels({"kind": "async2"})
            assert await s.get_labels() == {"kind": "async2"}
            assert (await bay.list(labels={"kind": "async2"})).session_ids == [s.session_id]
            await s.delete()

    asyncio.run(main())


def test_sdk_reads_key_and_url_from_env(server, monkeypatch):
    monkeypatch.setenv("OPENBAY_API_KEY", server.admin_key)
    monkeypatch.setenv("OPENBAY_BASE_URL", server.base_url)
    with OpenBay() as bay:
        bay.list()
