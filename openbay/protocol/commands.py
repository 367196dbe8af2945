"""Shell commands run inside a session."""
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from .sessions import envs_field, validate_envs
from .wire import RequestBody

MAX_TIMEOUT_MS = 3_600_000


class CommandRequest(RequestBody):
    command: str = Field(min_length=1, max_length=1_000_000)
    timeout_ms: int = Field(default=60_000, ge=1, le=MAX_TIMEOUT_MS)
    cwd: str | None = Field(default=None, max_length=4096)
    envs: dict[str, str] = envs_field()

    _check_envs = field_validator("envs")(validate_envs)


class CommandOutput(BaseModel):
    output: str = Field(description="standard output")
    stderr: str = ""
    exit_code: int
    timed_out: bool = False
    truncated: bool = Field(default=False, description="output passed the cap and was cut")
    duration_ms: float = 0.0
    error_message: str = ""


class CommandChunk(BaseModel):
    """One line of a streamed command: output as it comes, then exactly one `exit`."""
    type: Literal["stdout", "stderr", "exit"]
    data: str = ""
    result: CommandOutput | None = None
