"""The warm pool hands over started browsers, once each; no Chromium outlives its session."""
import tempfile
from datetime import timedelta
from pathlib import Path

from openbay import CreateSessionParams
from openbay.store.tables import utcnow
from tests.helpers.sandbox_procs import sandbox_pids
from tests.helpers.server import thread_server
from tests.helpers.waiting import wait_for


def test_pool_hands_over_a_started_browser_and_never_reuses_it(pages):
    home = Path(tempfile.mkdtemp(prefix="obpool-"))
    with thread_server(home, pool_browser=1) as server:
        pool = server.services.sessions.pools["browser"]
        wait_for(lambda: pool.ready == 1, what="the pool to fill")
        pooled = pool._ready[0].session_id
        bay = server.client()
        try:
            session = bay.create(CreateSessionParams(image_id="browser")).session
            assert session.session_id == pooled and pool.handed_over == 1
            # Chromium was already up: the user's first look finds it running
            assert session.browser.status().state == "running"
            assert session.browser.screenshot()[:4] == b"\x89PNG"
            wait_for(lambda: pool.ready == 1, what="the pool to refill")
            assert pool._ready[0].session_id != pooled
            # a create the pool does not fit starts cold and leaves the pool alone
            other = bay.create(CreateSessionParams(image_id="browser", envs={"A": "1"})).session
            assert pool.handed_over == 1 and pool.ready == 1
            other.delete()
            session.delete()
            # the handed-over sandbox is gone for good, not back in the pool
            assert not server.services.backend.is_alive(pooled)
            assert pooled not in [s.session_id for s in pool._ready]
        finally:
            bay.close()


def _running_browser(server, bay):
    session = bay.create(CreateSessionParams(image_id="browser")).session
    assert session.browser.initialize()
    assert sandbox_pids(session.session_id, "chromium")
    return session, session.session_id


def test_delete_leaves_no_chromium(server, bay):
    session, sid = _running_browser(server, bay)
    session.delete()
    wait_for(lambda: not sandbox_pids(sid, 'chromium'), what="chromium to exit")


def test_expiry_leaves_no_chromium(server, bay):
    session, sid = _running_browser(server, bay)
    live = server.services.sessions.live[session.session_id]
    live.row.expires_at = utcnow() - timedelta(seconds=1)  # as if idle past its timeout
    wait_for(lambda: session.session_id not in server.services.sessions.live, what="the reaper")
    assert session.info().status.value == "expired"
    wait_for(lambda: not sandbox_pids(sid, 'chromium'), what="chromium to exit")


def test_server_shutdown_leaves_no_chromium():
    home = Path(tempfile.mkdtemp(prefix="obshutdown-"))
    with thread_server(home, pool_browser=1) as server:
        bay = server.client()
        _, sid = _running_browser(server, bay)
        pool = server.services.sessions.pools["browser"]
        wait_for(lambda: pool.ready == 1, what="the pool to fill")
        pooled_uid = pool._ready[0].session_id
        bay.close()
    wait_for(lambda: not sandbox_pids(sid, 'chromium') and not sandbox_pids(pooled_uid, 'chromium'),
             what="chromium to exit")
