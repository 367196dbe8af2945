"""A session's recordings: `session.recording.start()`, `.stop(id)`, `.list()`, `.download(id, path)`.
A browser session records its pages (rrweb events, replayed in the console); a computer
session records its screen as an MP4 video."""
from __future__ import annotations

import os

from openbay.protocol.recordings import RecordingInfo, RecordingList

from . import calls
from .calls import Call, Request
from .methods import AsyncPart, Part, awaited, blocking
from .results import OperationResult

DOWNLOAD_TIMEOUT_S = 600


def _download(recording_id: str, local_path: str):
    """The content into `local_path`.part, renamed once whole; an error raises and leaves nothing."""
    part = f"{local_path}.part"
    with open(part, "wb") as f:
        req = Request("GET", f"/v1/recordings/{recording_id}/content", timeout_s=DOWNLOAD_TIMEOUT_S,
                      on_bytes=f.write)
        try:
            result = yield from calls.result(req, OperationResult, lambda b: {"data": local_path})
        except BaseException:
            f.close()
            os.unlink(part)
            raise
    os.replace(part, local_path)
    return result


class RecordingCalls:
    _path: str

    def start(self, task_id: str | None = None) -> Call[RecordingInfo]:
        """Start recording (a recording already running is returned as it is)."""
        body = {"task_id": task_id} if task_id else {}
        return calls.value(Request("POST", f"{self._path}/recordings", json=body),
                                     RecordingInfo.model_validate)

    def stop(self, recording_id: str) -> Call[RecordingInfo]:
        return calls.value(Request("POST", f"/v1/recordings/{recording_id}/stop"),
                                     RecordingInfo.model_validate)

    def list(self, task_id: str | None = None) -> Call[list[RecordingInfo]]:
        params = {"task_id": task_id} if task_id else None
        return calls.value(Request("GET", f"{self._path}/recordings", params=params),
                                     lambda b: RecordingList.model_validate(b).recordings)

    def get(self, recording_id: str) -> Call[RecordingInfo]:
        return calls.value(Request("GET", f"/v1/recordings/{recording_id}"),
                                     RecordingInfo.model_validate)

    def download(self, recording_id: str, local_path: str | os.PathLike) -> Call[OperationResult]:
        """The video (MP4) or the rrweb events (a JSON array) into `local_path`, whole or not at all."""
        return _download(recording_id, os.fspath(local_path))

    def delete(self, recording_id: str) -> Call[OperationResult]:
        return calls.result(Request("DELETE", f"/v1/recordings/{recording_id}"), OperationResult,
                                      lambda b: {"data": RecordingInfo.model_validate(b)})


class RecordingApi(Part):
    start = blocking(RecordingCalls.start)
    stop = blocking(RecordingCalls.stop)
    list = blocking(RecordingCalls.list)
    get = blocking(RecordingCalls.get)
    download = blocking(RecordingCalls.download)
    delete = blocking(RecordingCalls.delete)


class AsyncRecordingApi(AsyncPart):
    start = awaited(RecordingCalls.start)
    stop = awaited(RecordingCalls.stop)
    list = awaited(RecordingCalls.list)
    get = awaited(RecordingCalls.get)
    download = awaited(RecordingCalls.download)
    delete = awaited(RecordingCalls.delete)
