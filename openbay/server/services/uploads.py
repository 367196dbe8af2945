"""Uploaded files (attachments): streamed to a temporary file under the server's home
and renamed into place only when whole and within the limit, so nothing half-written
is ever kept; copied into a session's home for its agent to read."""
from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path, PurePosixPath

from openbay.protocol import ErrorCode
from openbay.protocol.conversations import ATTACHMENTS_DIR, UPLOAD_EXTENSIONS, UploadInfo
from openbay.sandbox import EnvdError
from openbay.sandbox.envd.upload import upload as envd_upload
from openbay.store.conversation_repository import ConversationRepository
from openbay.store.conversation_tables import UploadRow
from openbay.store.tables import utcnow

from ..disk import is_disk_full
from ..errors import ApiError, not_found
from .capped_write import write_capped
from .envd_calls import envd_api_error
from .keys import Principal
from .sessions import SessionService

READ_CHUNK = 1024 * 1024


def check_file_name(name: str) -> str:
    """A plain file name with an allowed extension, or a 4xx that names the rule."""
    if not name or len(name) > 255 or "/" in name or "\\" in name or "\0" in name or name.startswith("."):
        raise ApiError(ErrorCode.VALIDATION, "file_name must be a plain file name (1-255 characters, "
                       "no path separators, not starting with a dot)")
    ext = PurePosixPath(name).suffix.lower()
    if ext not in UPLOAD_EXTENSIONS:
        raise ApiError(ErrorCode.VALIDATION, f"files ending in {ext or '(no extension)'!r} cannot be "
                       "uploaded; allowed: " + " ".join(UPLOAD_EXTENSIONS))
    return name


PLACED_NAME_BYTES = 200  # a file system takes 255 bytes a name; envd writes beside it under a longer one


def placed_name(name: str) -> str:
    """The name an upload gets in a session: its own, its stem shortened (extension kept) when
    the name is too long in bytes for the session's file system."""
    if len(name.encode()) <= PLACED_NAME_BYTES:
        return name
    path = PurePosixPath(name)
    stem = path.stem.encode()[:PLACED_NAME_BYTES - len(path.suffix.encode())].decode(errors="ignore")
    return stem + path.suffix


def too_large(limit: int) -> ApiError:
    return ApiError(ErrorCode.PAYLOAD_TOO_LARGE,
                    f"an upload may be at most {limit} bytes (OPENBAY_MAX_UPLOAD_BYTES)")


class UploadService:
    def __init__(self, repo: ConversationRepository, sessions: SessionService, root: Path, *,
                 max_bytes: int, public_url: str):
        self.repo, self.sessions, self.root = repo, sessions, root
        self.max_bytes, self.public_url = max_bytes, public_url

    def path_of(self, row: UploadRow) -> Path:
        return self.root / row.owner_id / row.id

    def info(self, row: UploadRow) -> UploadInfo:
        return UploadInfo(file_id=row.id, file_name=row.file_name, size=row.size, session_id=row.session_id,
                          file_url=f"{self.public_url}/v1/uploads/{row.id}/content", created_at=row.created_at)

    async def save(self, who: Principal, file_name: str, session_id: str | None,
                   chunks: AsyncIterator[bytes]) -> UploadRow:
        """Stream `chunks` into a new upload; the caller turns BodyTooLarge into too_large."""
        check_file_name(file_name)
        if session_id:
            await self.sessions.get(who, session_id)  # another owner's session: 404
        disk = self.sessions.disk_guard
        if disk is not None:
            disk.require("the upload")
        file_id = "f-" + secrets.token_hex(8)
        folder = self.root / who.owner_id
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        temp = folder / f".{file_id}.part"
        try:
            with open(temp, "xb") as out:
                size = await write_capped(out, chunks, self.max_bytes, lambda: too_large(self.max_bytes))
            os.replace(temp, folder / file_id)
        except OSError as e:
            if disk is not None and is_disk_full(e):
                raise disk.full("the upload") from None
            raise
        finally:
            temp.unlink(missing_ok=True)
        row = await self.repo.add_upload(UploadRow(id=file_id, owner_id=who.owner_id, session_id=session_id,
                                                   file_name=file_name, size=size, created_at=utcnow()))
        if session_id and session_id in self.sessions.live:
            await self.place(who, row, session_id)
        return row

    async def get(self, who: Principal, file_id: str) -> UploadRow:
        row = await self.repo.upload(who.owner_id, file_id) if len(file_id) <= 32 else None
        if row is None:  # another owner's upload is as invisible as a missing one
            raise not_found("upload", file_id)
        return row

    async def place(self, who: Principal, row: UploadRow, session_id: str, suffix: str = "") -> str:
        """Copy an upload into the session's attachments folder (its name + `suffix`); its path there."""
        sandbox = await self.sessions.require_running(who, session_id)
        target = f"{ATTACHMENTS_DIR}/{placed_name(row.file_name)}{suffix}"

        async def chunks():
            with open(self.path_of(row), "rb") as f:
                while chunk := f.read(READ_CHUNK):
                    yield chunk

        try:
            await envd_upload(sandbox.envd, {"op": "fs.write", "path": target, "mode": "overwrite"}, chunks())
        except EnvdError as e:
            raise envd_api_error(e) from None
        return target

    def file_id_of(self, file_url: str) -> str:
        """The upload a file_url of this server names ('' when it names none)."""
        marker = "/v1/uploads/"
        if marker not in file_url:
            return ""
        return file_url.split(marker, 1)[1].split("/", 1)[0]
