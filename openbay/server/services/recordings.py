"""Recording sessions: a browser's pages with rrweb (over the session's CDP), a computer's
screen as a video (ffmpeg inside the session). Recordings belong to the session's owner,
are kept for OPENBAY_RECORDING_RETENTION_DAYS, and end at the latest with the session."""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from openbay.browser.cdp import CdpClient, CdpError
from openbay.browser.recorder import FLUSH_MS, BrowserRecorder, recorder_script
from openbay.protocol import ErrorCode
from openbay.protocol.browser import BROWSER_IMAGES
from openbay.protocol.computer import COMPUTER_IMAGES
from openbay.protocol.recordings import RecordingInfo
from openbay.sandbox import EnvdError, Sandbox
from openbay.store.tables import utcnow

from ..errors import ApiError, not_found
from .capped_write import write_capped
from .keys import Principal
from .recording_store import RecordingStore

log = logging.getLogger("openbay.recordings")
RRWEB_RECORD_JS = Path(__file__).resolve().parents[2] / "console" / "static" / "vendor" / "rrweb" / "rrweb-record.js"
VIDEO_FPS = 8
VIDEO_FIRST_FRAME_S = 30  # bounds only a hang: start returns at the first frame
SAVE_EVERY = 500  # events: the description on disk follows the recording this often
# what a page recording may write on the server's disk when the session's quota is unknown;
# the pages decide how much they send, so they get no more than the session's own disk
DEFAULT_CAP_BYTES = 10 * 1024 ** 3


@dataclass
class _Active:
    info: RecordingInfo
    sandbox: Sandbox
    cdp: CdpClient | None = None
    recorder: BrowserRecorder | None = None
    out: IO[str] | None = None
    video_pid: int = 0
    video_path: str = ""
    unsaved: int = field(default=0)
    cap_bytes: int = DEFAULT_CAP_BYTES


class RecordingService:
    def __init__(self, store: RecordingStore, sessions, browser, retention_s: float):
        self.store, self.sessions, self.browser, self.retention_s = store, sessions, browser, retention_s
        self.active: dict[str, _Active] = {}  # session id -> its recording
        self._script: str | None = None

    def _rrweb_script(self) -> str:
        if self._script is None:
            try:
                self._script = recorder_script(RRWEB_RECORD_JS.read_text())
            except FileNotFoundError:
                raise ApiError(ErrorCode.UNAVAILABLE, "rrweb is not installed on this server; "
                               "run scripts/setup.sh (it fetches the console's packages)") from None
        return self._script

    async def start(self, who: Principal, session_id: str, task_id: str | None = None) -> RecordingInfo:
        """Start recording (or, if it already records, note the task); the recording's info."""
        sandbox = await self.sessions.require_running(who, session_id)
        if session_id in self.active:
            info = self.active[session_id].info
            if task_id and task_id not in info.task_ids:
                info.task_ids.append(task_id)
                self.store.save(info)
            return info
        info_now = self.sessions.info(self.sessions.live[session_id].row)
        image = info_now.kind or info_now.image_id  # a template records as the image it descends from
        if image not in BROWSER_IMAGES and image not in COMPUTER_IMAGES:
            raise ApiError(ErrorCode.CONFLICT, f"session {session_id!r} runs {image!r}, which has no screen "
                           "to record; browser sessions record their pages, computer sessions a video")
        info = RecordingInfo(recording_id="r-" + secrets.token_hex(6), session_id=session_id,
                             owner_id=who.owner_id, kind="video" if image in COMPUTER_IMAGES else "rrweb",
                             task_ids=[task_id] if task_id else [], started_at=utcnow())
        active = _Active(info, sandbox, cap_bytes=info_now.disk_quota_bytes or DEFAULT_CAP_BYTES)
        if info.kind == "rrweb":
            await self._start_rrweb(who, active)
        else:
            await self._start_video(active)
        self.active[session_id] = active
        self.store.save(info)
        return info

    async def _start_rrweb(self, who: Principal, active: _Active) -> None:
        script = self._rrweb_script()
        active.out = open(self.store.content_path(active.info), "a", encoding="utf-8")  # noqa: SIM115
        active.cdp = CdpClient(await self.browser.open_cdp(who, active.info.session_id))

        def on_events(events: list) -> None:
            lines = "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events)
            if active.info.bytes + len(lines) > active.cap_bytes:
                if not active.info.error_message:  # the rest is dropped, and said so once
                    active.info.error_message = (f"the recording reached its cap of {active.cap_bytes} bytes "
                                                 "(the session's disk quota); later events were not kept")
                    self.store.save(active.info)
                return
            active.out.write(lines)
            active.info.events += len(events)
            active.info.bytes += len(lines)
            active.unsaved += len(events)
            if active.unsaved >= SAVE_EVERY:
                active.unsaved = 0
                active.out.flush()
                self.store.save(active.info)

        active.recorder = BrowserRecorder(active.cdp, script, on_events)
        try:
            await active.recorder.start()
        except (CdpError, TimeoutError) as e:
            await active.cdp.close()
            active.out.close()
            raise ApiError(ErrorCode.SANDBOX_ERROR, f"could not start recording the browser: {e}") from None

    async def _start_video(self, active: _Active) -> None:
        """Starts ffmpeg and returns once it has captured a frame: a recording said to be
        running is running, however slow the machine (a fixed wait once gave empty videos)."""
        envd = active.sandbox.envd
        base = f"/tmp/openbay-{active.info.recording_id}"
        active.video_path = f"{base}.mp4"
        progress, log = shlex.quote(f"{base}.progress"), shlex.quote(f"{base}.log")
        size = "$(xdpyinfo -display \"$DISPLAY\" 2>/dev/null | awk '/dimensions:/{print $2}')"
        tries = int(VIDEO_FIRST_FRAME_S * 10)
        command = (f"command -v ffmpeg >/dev/null || {{ echo 'ffmpeg is not in this session image' >&2; exit 3; }}; "
                   f"export DISPLAY=${{DISPLAY:-:1}}; s={size}; "
                   f"nohup ffmpeg -nostdin -y -loglevel error -stats_period 0.2 -progress {progress} "
                   f"-f x11grab -framerate {VIDEO_FPS} "
                   f"${{s:+-video_size $s}} -i \"$DISPLAY\" -c:v libx264 -preset ultrafast -pix_fmt yuv420p "
                   f"-movflags +faststart {shlex.quote(active.video_path)} >/dev/null 2>{log} & pid=$!; "
                   f"for i in $(seq {tries}); do "
                   f"grep -qs '^frame=[1-9]' {progress} && {{ echo $pid; exit 0; }}; "
                   f"kill -0 $pid 2>/dev/null || {{ cat {log} >&2; exit 4; }}; sleep 0.1; done; "
                   f"kill -KILL $pid; echo 'ffmpeg captured no frame in {VIDEO_FIRST_FRAME_S} s' >&2; exit 5")
        try:
            out = await envd.exec({"command": command, "timeout_ms": (VIDEO_FIRST_FRAME_S + 15) * 1000})
        except EnvdError as e:
            raise ApiError(ErrorCode.SANDBOX_ERROR, f"could not start the screen recording: {e}") from None
        if out.get("exit_code") != 0 or not out.get("output", "").strip().isdigit():
            raise ApiError(ErrorCode.UNAVAILABLE, (out.get("stderr") or out.get("output") or
                                                   "ffmpeg did not start").strip()[:300])
        active.video_pid = int(out["output"].strip())

    async def stop(self, who: Principal, recording_id: str) -> RecordingInfo:
        info = self.get(who, recording_id)
        if info.status != "recording" or info.session_id not in self.active:
            return info
        return await self._finish(info.session_id)

    async def _finish(self, session_id: str) -> RecordingInfo:
        active = self.active.pop(session_id)
        info = active.info
        try:
            if active.recorder is not None:
                await active.recorder.flush()
                await asyncio.sleep(FLUSH_MS * 1.5 / 1000)  # the pages' last batches
                await active.cdp.close()
                active.out.close()
            else:
                await self._collect_video(active)
            info.status = "stopped"
        except (EnvdError, ApiError, OSError) as e:
            info.status, info.error_message = "failed", str(getattr(e, "message", e))[:300]
        info.ended_at = utcnow()
        self.store.save(info)
        return info

    async def _collect_video(self, active: _Active) -> None:
        """ffmpeg ends its file on SIGINT; the file comes out of the session into the store."""
        envd, pid = active.sandbox.envd, active.video_pid
        await envd.exec({"command": f"kill -INT {pid}; for i in $(seq 100); do kill -0 {pid} 2>/dev/null || exit 0; "
                                    "sleep 0.1; done; kill -KILL " + str(pid), "timeout_ms": 15_000})
        target = self.store.content_path(active.info)
        with open(target, "wb") as out:
            _, body = await envd.read(active.video_path)
            active.info.bytes = await write_capped(out, body, active.cap_bytes, lambda: ApiError(
                ErrorCode.INSUFFICIENT_STORAGE,
                f"the video is larger than its cap of {active.cap_bytes} bytes (the session's disk quota)"))
        base = active.video_path.removesuffix(".mp4")
        await envd.exec({"command": f"rm -f {shlex.quote(active.video_path)} {shlex.quote(base + '.progress')} "
                                    f"{shlex.quote(base + '.log')}", "timeout_ms": 5000})

    async def session_ending(self, session_id: str, _sandbox) -> None:
        if session_id in self.active:
            try:
                await self._finish(session_id)
            except Exception:  # the session must end even if its recording cannot be saved
                log.exception("could not finish the recording of %s", session_id)

    def note_task(self, session_id: str, task_id: str) -> None:
        active = self.active.get(session_id)
        if active is not None and task_id not in active.info.task_ids:
            active.info.task_ids.append(task_id)
            self.store.save(active.info)

    def get(self, who: Principal, recording_id: str) -> RecordingInfo:
        info = self.store.get(who.owner_id, recording_id)
        if info is None:
            raise not_found("recording", recording_id)
        active = self.active.get(info.session_id)
        return active.info if active and active.info.recording_id == recording_id else info

    def of_owner(self, who: Principal, session_id: str | None = None,
                 task_id: str | None = None) -> list[RecordingInfo]:
        """The owner's recordings (of one session, of one task), newest first; those of ended
        sessions too, for as long as they are kept."""
        out = []
        for info in self.store.of_owner(who.owner_id):
            if (session_id and info.session_id != session_id) or (task_id and task_id not in info.task_ids):
                continue
            active = self.active.get(info.session_id)
            out.append(active.info if active and active.info.recording_id == info.recording_id else info)
        return sorted(out, key=lambda i: i.started_at, reverse=True)

    def content_path(self, who: Principal, recording_id: str) -> tuple[RecordingInfo, Path]:
        info = self.get(who, recording_id)
        active = self.active.get(info.session_id)
        if active is not None and active.out is not None:
            active.out.flush()  # what was recorded so far can be watched already
        return info, self.store.content_path(info)

    async def delete(self, who: Principal, recording_id: str) -> RecordingInfo:
        info = self.get(who, recording_id)
        if info.status == "recording" and info.session_id in self.active:
            info = await self._finish(info.session_id)
        self.store.delete(info)
        return info

    async def sweep_forever(self, interval_s: float = 3600) -> None:
        while True:
            try:
                gone = await asyncio.to_thread(self.store.sweep, self.retention_s)
                if gone:
                    log.info("deleted %d recordings past their retention", gone)
            except OSError:
                log.exception("recording sweep failed")
            await asyncio.sleep(interval_s)
