"""Recording and replay: rrweb injected over CDP into every page, stored with the session,
replayed in the console; a computer's video; retention; recordings belong to their owner."""
import json
import os
import time

import httpx
import pytest

from openbay import CreateSessionParams
from openbay.protocol.recordings import RecordingInfo
from openbay.sdk.errors import BadRequestError
from openbay.server.services.recording_store import RecordingStore
from openbay.store.tables import utcnow
from tests.helpers.scripted_llm import call, done

from .conftest import sign_in


def _events(bay_key: str, base: str, rid: str) -> list[dict]:
    r = httpx.get(f"{base}/v1/recordings/{rid}/content", headers={"Authorization": f"Bearer {bay_key}"})
    r.raise_for_status()
    return r.json()


def test_a_browser_session_records_its_pages_and_the_console_replays_them(
        pw, chromium, console_server, site, shots, make_session):
    s = make_session("browser", record=True, source=console_server)
    [rec] = s.recording.list()
    assert rec.kind == "rrweb" and rec.status == "recording"
    b = pw.chromium.connect_over_cdp(s.browser.get_endpoint_url())
    page = b.contexts[0].pages[0]
    page.goto(site + "/weather")
    page.fill("#q", "Hangzhou")
    page.click("text=Search")
    page.wait_for_function("document.getElementById('out').textContent.includes('Hangzhou')")
    # a page opened later is recorded as well
    second = b.contexts[0].new_page()
    second.goto(site + "/counter")
    time.sleep(0.6)  # the pages hand over their events every 200 ms
    b.close()
    events = _events(console_server.admin_key, console_server.base_url, rec.recording_id)
    snapshots = [json.dumps(e) for e in events if e["type"] == 2]  # full snapshots: one per document
    assert any("Weather today" in snap for snap in snapshots)
    assert any("Counter" in snap for snap in snapshots)
    assert any(e["type"] == 3 for e in events)  # incremental: the typing and the click

    stopped = s.recording.stop(rec.recording_id)
    assert stopped.status == "stopped" and stopped.events >= len(events)

    # each page in the player, at the moment its document was recorded
    start = min(e["timestamp"] for e in events)
    weather_at, counter_at = (next(e["timestamp"] - start for e in events
                                   if e["type"] == 2 and text in json.dumps(e))
                              for text in ("Weather today", "Add one"))
    page = sign_in(chromium, console_server, console_server.admin_key)
    page.goto(f"{console_server.base_url}/console/sessions/{s.session_id}")
    assert page.locator("#recording").inner_text() == "off"  # stopped above
    page.get_by_role("button", name=f"Play {rec.recording_id}").click()
    page.wait_for_function("window.openbayReplay && window.openbayReplay.events > 0")
    replayed = page.frame_locator(".replayer-wrapper iframe")
    page.evaluate(f"window.openbayReplay.player.goto({counter_at + 1}, false)")
    replayed.locator("text=Add one").first.wait_for(timeout=20_000)
    page.evaluate(f"window.openbayReplay.player.goto({weather_at + 1}, false)")
    replayed.locator("text=Weather today").first.wait_for(timeout=20_000)
    # the player fits its pane: nothing of it hangs out of the page's layout
    player, pane = page.locator("#replay .rr-player").bounding_box(), page.locator("#replay").bounding_box()
    assert player["height"] > 200 and pane["x"] + pane["width"] >= player["x"] + player["width"] - 1
    page.locator("#replay").screenshot(path=str(shots / "replay.png"))
    page.context.close()


def test_a_task_records_and_its_page_replays_with_the_steps(chromium, console_server, llm, site, shots, make_session):
    s = make_session("browser", source=console_server)
    llm.set_script([call("go_to_url", url=site + "/weather"), done("sunny")])
    ex = s.agent.browser.execute_task("Tell me the weather", record=True)
    r = ex.wait(timeout=120)
    assert r.task_status == "finished", r.error_message
    [rec] = s.recording.list(task_id=r.task_id)
    assert r.task_id in rec.task_ids
    page = sign_in(chromium, console_server, console_server.admin_key)
    page.goto(f"{console_server.base_url}/console/tasks/{r.task_id}")
    page.wait_for_function("window.openbayReplay && window.openbayReplay.events > 0", timeout=20_000)
    page.frame_locator(".replayer-wrapper iframe").locator("text=Weather today").first.wait_for(timeout=20_000)
    marks = page.locator(".marks button")
    assert marks.count() == 2 and marks.nth(0).inner_text().startswith("Step 1")
    assert marks.nth(1).inner_text().startswith("Step 2")
    page.locator("#replay").screenshot(path=str(shots / "task-replay.png"))
    s.delete()
    # the session ended: so did its recording, kept with the session; the task's page still replays it
    after = s.recording.get(rec.recording_id)
    assert after.status == "stopped" and after.ended_at is not None and after.task_ids == [r.task_id]
    page.goto(f"{console_server.base_url}/console/tasks/{r.task_id}")
    page.wait_for_function("window.openbayReplay && window.openbayReplay.steps === 2", timeout=20_000)
    page.frame_locator(".replayer-wrapper iframe").locator("text=Weather today").first.wait_for(timeout=20_000)
    page.context.close()


def test_recordings_belong_to_their_owner(chromium, console_server, tmp_path, make_session):
    s = make_session("browser", record=True, source=console_server)
    stranger_key = console_server.new_owner_key("stranger-rec")
    rid = s.recording.list()[0].recording_id
    h = {"Authorization": f"Bearer {stranger_key}"}
    base = console_server.base_url
    assert httpx.get(f"{base}/v1/recordings/{rid}", headers=h).status_code == 404
    assert httpx.get(f"{base}/v1/recordings/{rid}/content", headers=h).status_code == 404
    assert httpx.post(f"{base}/v1/recordings/{rid}/stop", headers=h).status_code == 404
    assert httpx.get(f"{base}/v1/sessions/{s.session_id}/recordings", headers=h).status_code == 404
    page = sign_in(chromium, console_server, stranger_key)
    assert page.evaluate(f"fetch('/v1/recordings/{rid}/content').then(r => r.status)") == 404
    page.context.close()
    # the owner downloads it
    out = tmp_path / "rec.json"
    s.recording.download(rid, out)
    assert isinstance(json.loads(out.read_text()), list)


def test_a_linux_session_has_nothing_to_record(cbay):
    with pytest.raises(BadRequestError, match="no screen"):
        cbay.create(CreateSessionParams(image_id="linux", record=True))


def test_retention_deletes_old_recordings(tmp_path):
    store = RecordingStore(tmp_path / "recordings")
    info = RecordingInfo(recording_id="r-0123456789ab", session_id="s-1", owner_id="o-1", kind="rrweb",
                         started_at=utcnow())
    store.save(info)
    store.content_path(info).write_text("{}\n")
    assert store.sweep(retention_s=3600) == 0 and store.get("o-1", info.recording_id)
    old = time.time() - 7200
    os.utime(tmp_path / "recordings" / "o-1" / "r-0123456789ab.json", (old, old))
    assert store.sweep(retention_s=3600) == 1
    assert store.get("o-1", info.recording_id) is None and not store.content_path(info).exists()


def test_a_computer_session_records_a_video(console_server, cbay, tmp_path):
    s = cbay.create(CreateSessionParams(image_id="computer")).session
    try:
        rec = s.recording.start()  # returns once ffmpeg has captured a frame, however slow the machine
        assert rec.kind == "video"
        s.application.start_app("xterm")
        stopped = s.recording.stop(rec.recording_id)
        assert stopped.status == "stopped" and stopped.bytes > 1000, stopped.error_message
        out = tmp_path / "computer.mp4"
        s.recording.download(rec.recording_id, out)
        assert out.read_bytes()[4:8] == b"ftyp"  # an MP4
    finally:
        s.delete()
