"""Pause and resume, idle sessions that pause instead of ending, and a session's metrics:
through the SDK (sync and async) and REST, against a real server and real sandboxes."""
import asyncio
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from openbay import AsyncOpenBay, GoneError, NotFoundError, ServiceUnavailableError
from tests.helpers.server import thread_server
from tests.helpers.sessions import new_async_session, new_session
from tests.helpers.waiting import wait_for

TICKER = "nohup sh -c 'while :; do date +%s%N >> /home/user/ticks; sleep 0.05; done' >/dev/null 2>&1 &"


def pause_or_skip(session):
    try:
        return session.pause().data
    except ServiceUnavailableError:
        pytest.skip("backend lacks pause")


def wait_while(session, status: str):
    """The session's info once its status is no longer `status`."""
    return wait_for(lambda: (lambda i: i if i.status.value != status else None)(session.info()),
                    what=f"the session to leave {status}")


def ticks_of(session) -> list[int]:
    text = session.command.execute_command("cat /home/user/ticks 2>/dev/null").output
    return [int(t) for t in text.splitlines() if t.strip()]


@pytest.fixture(scope="module")
def quick_server():
    """A server that reaps often and ends sessions paused for more than 10 s."""
    with thread_server(Path(tempfile.mkdtemp(prefix="oblife-")), reap_interval_s=0.2, max_paused_s=10) as s:
        yield s


@pytest.fixture(scope="module")
def idle_server():
    """A server that reaps often and keeps paused sessions (as long as a test may take)."""
    with thread_server(Path(tempfile.mkdtemp(prefix="obidle-")), reap_interval_s=0.2) as s:
        yield s


def test_pause_freezes_every_process_and_resume_thaws_them(session):
    assert session.command.execute_command(TICKER).exit_code == 0
    wait_for(lambda: ticks_of(session), what="the ticker's first tick")
    info = pause_or_skip(session)
    assert info.status.value == "paused" and info.paused_at is not None
    paused_ns = time.time_ns()
    assert session.info().status.value == "paused"  # info does not resume it
    time.sleep(1.0)  # a window in which a running ticker would tick some 20 times
    resumed_ns = time.time_ns()
    r = session.resume()
    assert r.data.status.value == "running" and r.data.paused_at is None
    ticks = wait_for(lambda: (lambda t: t if t[-1] > resumed_ns else None)(ticks_of(session)),
                     what="a tick after the resume")
    # the ticker ran before and after, the same process (its file kept growing), and not while paused
    assert any(t < paused_ns for t in ticks) and any(t > resumed_ns for t in ticks)
    assert not [t for t in ticks if paused_ns + 100_000_000 < t < resumed_ns]
    assert session.resume().data.status.value == "running"  # resuming a running session changes nothing


def test_a_call_on_a_paused_session_resumes_it_unless_told_not_to(server, session):
    pause_or_skip(session)
    headers = {"Authorization": f"Bearer {server.admin_key}"}
    url = f"{server.base_url}/v1/sessions/{session.session_id}/commands"
    refused = httpx.post(url, json={"command": "true"}, headers={**headers, "X-OpenBay-Auto-Resume": "false"})
    assert refused.status_code == 409 and "paused" in refused.json()["error"]["message"]
    refused = httpx.post(url, params={"auto_resume": "false"}, json={"command": "true"}, headers=headers)
    assert refused.status_code == 409
    assert session.info().status.value == "paused"
    assert session.pause().data.status.value == "paused"  # pausing twice changes nothing
    out = session.command.execute_command("echo awake")
    assert out.output == "awake\n"
    assert session.info().status.value == "running"


def test_a_paused_session_is_listed_and_can_be_deleted(bay, session):
    pause_or_skip(session)
    assert session.session_id in bay.list().session_ids  # live sessions: running and paused
    assert session.session_id in bay.list(status="paused").session_ids
    session.delete()
    with pytest.raises(GoneError):  # a deleted session is gone; list(status="deleted") keeps its record
        session.info()
    assert session.session_id in bay.list(status="deleted").session_ids


def test_another_owner_can_neither_pause_nor_measure(server, session):
    other = server.client(server.new_owner_key("mallory-pause"))
    try:
        with pytest.raises(NotFoundError):
            other.get(session.session_id)
        headers = {"Authorization": f"Bearer {server.new_owner_key('mallory-rest')}"}
        for verb, path in (("POST", "pause"), ("POST", "resume"), ("GET", "metrics")):
            r = httpx.request(verb, f"{server.base_url}/v1/sessions/{session.session_id}/{path}", headers=headers)
            assert r.status_code == 404, path
        assert session.info().status.value == "running"
    finally:
        other.close()


def test_a_paused_session_does_not_expire_until_max_paused_s(quick_server):
    with new_session(quick_server, timeout_s=5) as s:  # 5 s: time enough to pause it before it idles out
        asked = time.monotonic()
        pause_or_skip(s)
        info = wait_while(s, "paused")
        # idle past its 5 s timeout for long, it ended for having been paused 10 s, not before
        assert info.status.value == "expired" and "paused longer than max_paused_s" in info.end_reason
        assert time.monotonic() - asked >= 10
        assert info.expires_at is not None
        r = httpx.get(f"{quick_server.base_url}/v1/sessions/{s.session_id}",
                      headers={"Authorization": f"Bearer {quick_server.admin_key}"})
        assert r.json()["status"] == "expired"


def test_on_idle_pause_pauses_instead_of_deleting(idle_server):
    with new_session(idle_server, timeout_s=1, lifecycle={"on_idle": "pause"}) as s:
        assert s.info().lifecycle.on_idle == "pause"
        assert s.command.execute_command("echo kept > /home/user/f").exit_code == 0
        status = wait_while(s, "running").status.value
        if status == "expired":
            pytest.skip("backend lacks pause")  # an idle session it cannot pause is ended
        assert status == "paused"
        assert s.file_system.read_file("/home/user/f").content == "kept\n"  # resumed for the call
        assert s.info().status.value == "running"


def test_metrics_of_a_session(server, session):
    assert session.command.execute_command("head -c 3000000 /dev/zero > /home/user/blob").exit_code == 0
    r = session.get_metrics()
    m = r.metrics
    assert m.session_id == session.session_id and m.status.value == "running"
    assert m.cpu_count and m.cpu_count > 0
    assert m.mem_total == server.services.sessions.limits.memory_bytes
    assert m.uptime_s is not None and m.uptime_s >= 0
    # what the backend measures, when it measures it
    assert m.mem_used is None or 0 < m.mem_used <= m.mem_total
    assert m.process_count is None or m.process_count >= 1
    assert m.disk_used is None or m.disk_used >= 3_000_000
    assert m.cpu_used_pct is None or m.cpu_used_pct >= 0
    text = httpx.get(f"{server.base_url}/metrics", headers={"Authorization": f"Bearer {server.admin_key}"}).text
    assert 'openbay_sessions{image="linux",state="running"}' in text
    assert session.session_id not in text  # no label per session


def test_metrics_and_pause_with_the_async_client(server):
    async def run():
        async with AsyncOpenBay(api_key=server.admin_key, base_url=server.base_url) as bay:
            async with new_async_session(bay) as s:
                m = (await s.get_metrics()).metrics
                assert m.session_id == s.session_id
                try:
                    paused = await s.pause()
                except ServiceUnavailableError:
                    return "skip"
                assert paused.data.status.value == "paused"
                assert (await s.resume()).data.status.value == "running"
    if asyncio.run(run()) == "skip":
        pytest.skip("backend lacks pause")
