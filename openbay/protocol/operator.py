"""The browser operator (session.browser.agent): navigate, act, observe, extract, and its action cache."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from .tasks import LLMOverride, TaskUsage, checked_schema
from .wire import RequestBody

METHODS = ("click", "fill", "select_option", "press")


class NavigateRequest(RequestBody):
    url: str = Field(max_length=4096, pattern=r"^(https?://|about:blank$)")


class PageInfo(BaseModel):
    url: str
    title: str = ""


class ObservedAction(RequestBody):
    """One action on one element, as observe proposes it and act does it."""
    selector: str | None = Field(default=None, max_length=4096,
                                 description="CSS; shadow roots joined by ' >>> '; null: not replayable")
    method: str = Field(description="click, fill, select_option or press")
    arguments: list[str] = Field(default_factory=list, max_length=2,
                                 description="fill: [text, optional 'Enter']; select_option: [option]; press: [key]")
    description: str = Field(default="", max_length=1000)

    @field_validator("method")
    @classmethod
    def _method(cls, v: str) -> str:
        if v not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}")
        return v


class ActRequest(RequestBody):
    instruction: str | None = Field(default=None, min_length=1, max_length=4000,
                                    description="what to do, e.g. 'click the login button'")
    action: ObservedAction | None = Field(default=None, description="an action observe found: done as is")
    variables: dict[str, str] = Field(default_factory=dict, max_length=64,
                                      description="values for %name% in the instruction; never shown to the model")
    use_cache: bool = True
    llm: LLMOverride | None = None

    @field_validator("variables")
    @classmethod
    def _names(cls, v: dict[str, str]) -> dict[str, str]:
        for name, value in v.items():
            if not name.replace("_", "a").isalnum() or len(name) > 64 or len(value) > 10_000:
                raise ValueError(f"variable {name[:64]!r}: names are letters, digits and _, values up to 10,000 chars")
        return v

    @model_validator(mode="after")
    def _one_of(self) -> "ActRequest":
        if (self.instruction is None) == (self.action is None):
            raise ValueError("give either instruction or action (one that observe found)")
        return self


class ActResult(BaseModel):
    success: bool
    message: str
    action: ObservedAction | None = None
    cached: bool = Field(default=False, description="replayed from the action cache without a model call")
    healed: bool = Field(default=False, description="the cached element was gone; the model found it again")
    usage: TaskUsage = Field(default_factory=TaskUsage)


class ObserveRequest(RequestBody):
    instruction: str = Field(min_length=1, max_length=4000)
    llm: LLMOverride | None = None


class ObserveResult(BaseModel):
    actions: list[ObservedAction]
    usage: TaskUsage = Field(default_factory=TaskUsage)


class ExtractRequest(RequestBody):
    instruction: str = Field(min_length=1, max_length=4000)
    schema_: dict[str, Any] = Field(alias="schema", description="JSON schema the answer must fit")
    llm: LLMOverride | None = None

    @field_validator("schema_")
    @classmethod
    def _schema(cls, schema: dict) -> dict:
        return checked_schema(schema, "schema")


class ExtractResult(BaseModel):
    data: Any
    usage: TaskUsage = Field(default_factory=TaskUsage)


class CacheEntry(BaseModel):
    key: str
    instruction: str
    url: str
    structure: str
    action: ObservedAction
    hits: int = 0
    created_at: datetime
    updated_at: datetime


class CacheList(BaseModel):
    entries: list[CacheEntry]


class CacheCleared(BaseModel):
    deleted: int
