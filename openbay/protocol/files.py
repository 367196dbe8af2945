"""Files inside a session: requests and answers of the file system API.

File content itself never travels as JSON: it is the raw body of
PUT/GET /v1/sessions/{id}/files/content, streamed both ways.
"""
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema

from .wire import RequestBody

MAX_PATH = 4096


def _no_nul(path: str) -> str:
    if "\0" in path:
        raise ValueError("a path must not contain a NUL byte")
    return path


FilePath = Annotated[str, Field(min_length=1, max_length=MAX_PATH, pattern=r"^[^\x00]*$"), AfterValidator(_no_nul)]


class FileEntry(BaseModel):
    """One file or directory: what list_directory and get_file_info answer."""
    name: str
    path: str
    is_directory: bool
    is_file: bool = False
    is_symlink: bool = False
    size: int = 0
    mtime: float = Field(0.0, description="last modification, seconds since the epoch")
    mode: str = Field("", description="permission bits in octal, e.g. 0644")


class DirectoryListing(BaseModel):
    path: str
    entries: list[FileEntry]
    truncated: bool = False


class WriteResult(BaseModel):
    path: str
    bytes: int


class PathResult(BaseModel):
    path: str


class CreateDirectoryRequest(RequestBody):
    path: FilePath
    parents: bool = True


class MoveRequest(RequestBody):
    source: FilePath
    destination: FilePath
    overwrite: bool = False


class MoveResult(BaseModel):
    source: str
    destination: str


class FileEdit(RequestBody):
    old_text: str = Field(min_length=1)
    new_text: str


class EditRequest(RequestBody):
    path: FilePath
    edits: list[FileEdit] = Field(min_length=1, max_length=1000)
    dry_run: bool = False


class EditResult(BaseModel):
    path: str
    diff: str = Field(description="unified diff of the change")
    applied: bool


class SearchRequest(RequestBody):
    path: FilePath
    pattern: str = Field(min_length=1, max_length=1024,
                         description="a glob (*.py) or, without glob characters, part of the name")
    exclude_patterns: list[Annotated[str, Field(max_length=1024)]] = Field(default_factory=list,
                                                                          max_length=100)
    max_results: int = Field(1000, ge=1, le=10_000)


class SearchResult(BaseModel):
    path: str
    matches: list[str]
    truncated: bool = False


class ReadManyRequest(RequestBody):
    paths: list[FilePath] = Field(min_length=1, max_length=1000)


class ReadManyResult(BaseModel):
    contents: dict[str, str] = Field(description="path as given -> text")
    errors: dict[str, str] = Field(default_factory=dict, description="path -> why it was not read")


class DirectorySnapshot(BaseModel):
    """name -> (is_directory, size, mtime_ns): what watchers compare between polls."""
    path: str
    # described as a plain array: tuple schemas (prefixItems) trip common OpenAPI tools
    entries: dict[str, Annotated[tuple[bool, int, int], WithJsonSchema(
        {"type": "array", "minItems": 3, "maxItems": 3, "items": {"type": ["boolean", "integer"]}})]]
