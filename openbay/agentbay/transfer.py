"""AgentBay's FileTransfer (session.file_system's large-file path): on OpenBay files stream
straight between the caller and the session, so it is the file system's upload and download
under AgentBay's names; `wait` and polling are moot (the file is there when the call returns)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .results import DownloadResult, UploadResult


class FileTransfer:
    def __init__(self, agent_bay: Any, session: Any, *, http_timeout: float = 60.0, follow_redirects: bool = True):
        self._agent_bay, self._session = agent_bay, session
        self._http_timeout, self._follow_redirects = http_timeout, follow_redirects

    def upload(self, local_path: str, remote_path: str, *, content_type: str | None = None, wait: bool = True,
               wait_timeout: float = 30.0, poll_interval: float = 1.5,
               progress_cb: Callable[[int], None] | None = None) -> UploadResult:
        return self._session.file_system.upload_file(local_path, remote_path, content_type=content_type,
                                                     progress_cb=progress_cb)

    def download(self, remote_path: str, local_path: str, *, overwrite: bool = True, wait: bool = True,
                 wait_timeout: float = 300.0, poll_interval: float = 1.5,
                 progress_cb: Callable[[int], None] | None = None) -> DownloadResult:
        return self._session.file_system.download_file(remote_path, local_path, overwrite=overwrite,
                                                       progress_cb=progress_cb)


class AsyncFileTransfer(FileTransfer):
    async def upload(self, local_path: str, remote_path: str, *, content_type: str | None = None,  # type: ignore[override]
                     wait: bool = True, wait_timeout: float = 30.0, poll_interval: float = 1.5,
                     progress_cb: Callable[[int], None] | None = None) -> UploadResult:
        return await self._session.file_system.upload_file(local_path, remote_path, content_type=content_type,
                                                           progress_cb=progress_cb)

    async def download(self, remote_path: str, local_path: str, *, overwrite: bool = True,  # type: ignore[override]
                       wait: bool = True, wait_timeout: float = 300.0, poll_interval: float = 1.5,
                       progress_cb: Callable[[int], None] | None = None) -> DownloadResult:
        return await self._session.file_system.download_file(remote_path, local_path, overwrite=overwrite,
                                                             progress_cb=progress_cb)
