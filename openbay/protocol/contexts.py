"""Contexts: named persistent volumes that sessions restore at create and save back."""
import posixpath
import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from .keys import NAME_PATTERN
from .wire import RequestBody

MAX_SYNCS = 8


class UploadPolicy(RequestBody):
    auto_upload: bool = Field(True, description="save the path back when the session is deleted")


class DownloadPolicy(RequestBody):
    auto_download: bool = Field(True, description="restore the context into the path at create")


class SyncPolicy(RequestBody):
    upload_policy: UploadPolicy = Field(default_factory=UploadPolicy)
    download_policy: DownloadPolicy = Field(default_factory=DownloadPolicy)

    @classmethod
    def default(cls) -> "SyncPolicy":
        return cls()


# absolute, each part holding something besides dots: no root, no `.` or `..` to normalise away
DIRECTORY_PATTERN = re.compile(r"^(/[^/\x00]*[^/.\x00][^/\x00]*)+/?$")


class ContextSync(RequestBody):
    """Which context goes to which directory of the session, and when it moves."""
    context_id: str = Field(min_length=1, max_length=32)
    path: str = Field("/home/user/data", min_length=2, max_length=1024,
                      json_schema_extra={"pattern": DIRECTORY_PATTERN.pattern},  # the validator says why
                      description="an absolute directory of the session, not the root, without . or .. parts")
    policy: SyncPolicy = Field(default_factory=SyncPolicy)

    @classmethod
    def new(cls, context_id: str, path: str = "/home/user/data",
            policy: SyncPolicy | None = None) -> "ContextSync":
        return cls(context_id=context_id, path=path, policy=policy or SyncPolicy())

    @field_validator("path")
    @classmethod
    def _absolute_directory(cls, path: str) -> str:
        if not DIRECTORY_PATTERN.fullmatch(path):
            raise ValueError("path must be an absolute directory of the session, not the root directory, "
                             "without . or .. parts")
        return posixpath.normpath(path)


def validate_context_syncs(syncs: list[ContextSync]) -> list[ContextSync]:
    if len(syncs) > MAX_SYNCS:
        raise ValueError(f"at most {MAX_SYNCS} context_syncs")
    paths = [s.path for s in syncs]
    for a in paths:
        for b in paths:
            if a != b and (b + "/").startswith(a + "/"):
                raise ValueError(f"context paths {a} and {b} nest; give each its own directory")
    if len(set(paths)) != len(paths):
        raise ValueError("two context_syncs have the same path")
    return syncs


class ContextCreate(RequestBody):
    name: str = Field(pattern=NAME_PATTERN)


class ContextFileLinkRequest(RequestBody):
    """A link to one file of the context's saved content, for a client without the API key."""
    path: str = Field(min_length=1, max_length=4096, description='the file in the context, e.g. "/data/a.txt"')
    method: Literal["GET", "PUT"] = Field(description="GET reads the file; PUT writes it (made or replaced)")
    expires_in_s: int = Field(3600, ge=1, le=7 * 24 * 3600)


class ContextFileLink(BaseModel):
    url: str = Field(description="served by this server; the signature in it stands in for the API key")
    method: Literal["GET", "PUT"]
    expires_at: datetime


class ContextInfo(BaseModel):
    context_id: str
    name: str
    size_bytes: int = Field(0, description="size of the saved archive")
    created_at: datetime
    saved_at: datetime | None = None


class ContextList(BaseModel):
    contexts: list[ContextInfo]


class ContextSyncStatus(BaseModel):
    context_id: str
    path: str
    saved: bool = False
    size_bytes: int = 0
    error_message: str = ""


class SessionContexts(BaseModel):
    syncs: list[ContextSyncStatus]
