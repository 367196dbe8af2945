"""The base of every body a client sends: values of the JSON type the spec states, and no
field it does not name.

Plain pydantic takes `true` for the integer 1, `"1"` for a number and `"yes"` for a boolean
(a boolean once became a key's session cap that way); a body refuses them. What JSON Schema
itself allows stays allowed: `131.0` is an integer, an integer is a number. Unknown fields
are refused, so the spec says `additionalProperties: false` and a misspelt option is an
error, not a silent no-op.
"""
import types
import typing
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

_SCALARS = (int, float, bool)


def _scalar(annotation: Any) -> type | None:
    """int, float or bool when a field holds one (or None), else None."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = args[0] if len(args) == 1 else None
    return annotation if annotation in _SCALARS else None


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @classmethod
    @cache
    def _scalars(cls) -> dict[str, type]:
        return {name: kind for name, f in cls.model_fields.items() if (kind := _scalar(f.annotation))}

    @field_validator("*", mode="before")
    @classmethod
    def _json_type(cls, value: Any, info: ValidationInfo) -> Any:
        kind = cls._scalars().get(info.field_name or "")
        if kind is None or value is None:
            return value
        if (not isinstance(value, bool)) if kind is bool else isinstance(value, (bool, str)):
            raise ValueError(f"must be a JSON {'boolean' if kind is bool else 'number'}, "
                             f"not {type(value).__name__} {value!r}")
        return value
