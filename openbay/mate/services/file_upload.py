"""client.file_upload: Mate's file validation and upload, onto OpenBay's uploads."""
from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openbay.protocol.conversations import UPLOAD_EXTENSIONS
from openbay.sdk.errors import OpenBayError

from ..errors import APIError

if TYPE_CHECKING:
    from ..client import Client


class FileUploadService:
    SUPPORTED_EXTENSIONS = set(UPLOAD_EXTENSIONS)
    MAX_FILE_SIZE = 10 * 1024 * 1024

    def __init__(self, client: Client):
        self.client = client

    def validate_file(self, file_path: str) -> tuple[bool, str]:
        """(is_valid, why) for a local file: it exists, has a supported type, is 1 byte to 10 MB."""
        path = Path(file_path)
        if not path.exists():
            return False, "File does not exist"
        if not path.is_file():
            return False, "Path is not a file"
        if path.suffix.lower() not in self.SUPPORTED_EXTENSIONS:
            return False, f"Unsupported file type: {path.suffix}"
        size = path.stat().st_size
        if size > self.MAX_FILE_SIZE:
            return False, (f"File too large: {size / 1024 / 1024:.1f}MB "
                           f"(max: {self.MAX_FILE_SIZE / 1024 / 1024}MB)")
        if size == 0:
            return False, "File is empty"
        return True, "File validation passed"

    def get_file_info(self, file_path: str) -> dict[str, Any]:
        path = Path(file_path)
        mime, _ = mimetypes.guess_type(file_path)
        return {"name": path.name, "size": path.stat().st_size, "extension": path.suffix.lower(),
                "mime_type": mime or "application/octet-stream", "path": str(path.absolute())}

    def upload_file(self, file_path: str, session_id: str | None = None) -> dict[str, Any]:
        """Upload a file (with session_id: also into that session's /home/user/attachments):
        {file_url, file_name, file_id}, the first two as Mate returns them."""
        ok, why = self.validate_file(file_path)
        if not ok:
            raise APIError(f"File validation failed: {why}")
        try:
            up = self.client.bay.file_upload.upload_file(file_path, session_id=session_id)
        except OpenBayError as e:
            raise APIError(f"Upload failed: {e}", status_code=getattr(e, "status", None),
                           code=getattr(e, "code", None), cause=e) from e
        return {"file_url": up["file_url"], "file_name": up["file_name"], "file_id": up["file_id"]}

    def list_supported_extensions(self) -> list[str]:
        return sorted(self.SUPPORTED_EXTENSIONS)

    @staticmethod
    def format_file_size(size_bytes: int) -> str:
        if size_bytes < 1024:
            return f"{size_bytes} B"
        if size_bytes < 1024 * 1024:
            return f"{size_bytes / 1024:.1f} KB"
        return f"{size_bytes / 1024 / 1024:.1f} MB"
