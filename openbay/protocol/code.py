"""Code cells run in a session (Python, JavaScript, R or Java), optionally in a kernel that keeps state."""
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from .wire import RequestBody

Language = Literal["python", "javascript", "r", "java"]
_ALIASES = {"py": "python", "python3": "python", "js": "javascript", "node": "javascript"}


def canonical_language(value):
    """Names as users type them: any case, and the usual short names ("R", "py", "js")."""
    if not isinstance(value, str):
        return value
    value = value.strip().lower()
    return _ALIASES.get(value, value)


class RunCodeRequest(RequestBody):
    code: str = Field(max_length=1_000_000)
    language: Language = "python"
    timeout_s: float = Field(60, gt=0, le=3600)
    stateful: bool = Field(True, description="run in the session's kernel, which keeps variables "
                                             "between calls; False: a fresh process each time")

    _canonical = field_validator("language", mode="before")(canonical_language)


class RestartKernelRequest(RequestBody):
    language: Language | None = Field(None, description="None: every kernel of the session")

    _canonical = field_validator("language", mode="before")(canonical_language)


class CodeOutput(BaseModel):
    """One displayed value: the cell's last expression or a figure (PNG as base64)."""
    text: str | None = None
    html: str | None = None
    png: str | None = None
    svg: str | None = None
    markdown: str | None = None
    is_main_result: bool = False


class CodeError(BaseModel):
    name: str
    value: str
    traceback: str = ""


class CodeRunResult(BaseModel):
    language: Language
    stdout: str = ""
    stderr: str = ""
    result: str = Field("", description="text of the cell's last expression, if it had a value")
    results: list[CodeOutput] = Field(default_factory=list)
    error: CodeError | None = None
    execution_time_ms: float = 0.0
    timed_out: bool = False
    kernel_restarted: bool = Field(False, description="the kernel was replaced: its state is lost")
    truncated: bool = False


class CodeChunk(BaseModel):
    """One line of a streamed run: output as the cell writes it, then exactly one `result`
    (whose stdout and stderr are empty: the output came before it)."""
    type: Literal["stdout", "stderr", "result"]
    data: str = ""
    result: CodeRunResult | None = None
