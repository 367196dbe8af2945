"""Results of the file system API."""
from __future__ import annotations

from dataclasses import dataclass, field

from openbay.protocol.files import FileEntry

from .results import ApiResult


@dataclass
class BoolResult(ApiResult):
    """A file call that was done: its request id (a failure raises)."""


@dataclass
class FileContentResult(ApiResult):
    content: str | bytes = ""
    size: int = 0
    file_size: int = 0


@dataclass
class FileWriteResult(ApiResult):
    data: bool = False
    path: str = ""
    bytes_written: int = 0


@dataclass
class MultipleFileContentResult(ApiResult):
    contents: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class DirectoryListResult(ApiResult):
    entries: list[FileEntry] = field(default_factory=list)
    truncated: bool = False


@dataclass
class FileInfoResult(ApiResult):
    file_info: FileEntry | None = None


@dataclass
class FileSearchResult(ApiResult):
    matches: list[str] = field(default_factory=list)
    truncated: bool = False


@dataclass
class EditFileResult(ApiResult):
    diff: str = ""
    applied: bool = False


@dataclass
class UploadResult(ApiResult):
    local_path: str = ""
    remote_path: str = ""
    bytes_sent: int = 0


@dataclass
class DownloadResult(ApiResult):
    remote_path: str = ""
    local_path: str = ""
    bytes_received: int = 0


@dataclass
class FileChangeEvent:
    event_type: str  # created | modified | deleted
    path: str
    path_type: str  # file | directory
