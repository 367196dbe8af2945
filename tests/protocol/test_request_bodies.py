"""Every body a client sends is strict: a boolean is no integer, a string no number, and a
field the spec does not name is refused. Checked for the whole protocol package, field by
field, and against the spec the server serves, so a model added later is held to it too."""
import importlib
import inspect
import pkgutil
import tempfile
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

import openbay.protocol as protocol
from openbay.protocol.wire import RequestBody
from openbay.server import Settings, create_app

# wrong values per JSON type, each of which lax pydantic took for the right one
WRONG = {
    int: [True, "1", 1.5, None],
    float: [True, "1.5", None],
    bool: [1, 0, "true", None],
    str: [1, True, None],
}


def _models() -> list[type[BaseModel]]:
    found = []
    for info in pkgutil.iter_modules(protocol.__path__):
        module = importlib.import_module(f"{protocol.__name__}.{info.name}")
        found += [c for c in vars(module).values()
                  if inspect.isclass(c) and issubclass(c, BaseModel) and c.__module__ == module.__name__]
    return found


def _scalar(annotation) -> type | None:
    """The JSON scalar a field holds (int, float, bool, str), None when it holds something else."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        annotation = args[0]
    return annotation if annotation in WRONG else None


def _spec() -> dict:
    return create_app(Settings.from_env(home=Path(tempfile.mkdtemp(prefix="obspec-")))).openapi()


def _refs(node) -> typing.Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from ([v.rsplit("/", 1)[-1]] if k == "$ref" else _refs(v))
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


BODIES = [m for m in _models() if issubclass(m, RequestBody)]
CASES = [(m, name, kind, bad) for m in BODIES for name, f in m.model_fields.items()
         if (kind := _scalar(f.annotation))
         for bad in WRONG[kind] if not (bad is None and type(None) in typing.get_args(f.annotation))]


def test_the_package_has_request_bodies():
    assert len(BODIES) > 50 and len(CASES) > 300


@pytest.mark.parametrize(("model", "field", "kind", "bad"), CASES,
                         ids=[f"{m.__name__}.{f}={b!r}" for m, f, _, b in CASES])
def test_a_wrong_json_type_is_refused(model, field, kind, bad):
    with pytest.raises(ValidationError) as refused:
        model.model_validate({field: bad})
    assert any(e["loc"][:1] == (field,) for e in refused.value.errors()), refused.value.errors()


@pytest.mark.parametrize("model", BODIES, ids=lambda m: m.__name__)
def test_an_unknown_field_is_refused(model):
    with pytest.raises(ValidationError) as refused:
        model.model_validate({"no_such_field_anywhere": 1})
    assert any(e["type"] == "extra_forbidden" for e in refused.value.errors())


def test_every_body_in_the_spec_is_strict_and_says_so():
    spec = _spec()
    schemas = spec["components"]["schemas"]
    reached, stack = set(), [r for ops in spec["paths"].values() for op in ops.values()
                             if isinstance(op, dict) for r in _refs(op.get("requestBody", {}))]
    while stack:
        name = stack.pop()
        if name not in reached:
            reached.add(name)
            stack += _refs(schemas[name])
    objects = {n for n in reached if schemas[n].get("type") == "object"}
    bodies = {m.__name__ for m in BODIES}
    assert objects and not objects - bodies, f"bodies not built on RequestBody: {sorted(objects - bodies)}"
    lax = sorted(n for n in objects if schemas[n].get("additionalProperties") is not False)
    assert not lax, f"the spec lets these take unknown fields: {lax}"


def test_enum_values_are_taken_by_their_json_form():
    from openbay.protocol.computer import ClickMouse
    assert ClickMouse.model_validate({"x": 1, "y": 2, "button": "right"}).button.value == "right"
    with pytest.raises(ValidationError):
        ClickMouse.model_validate({"x": 1, "y": 2, "button": 1})


def test_what_json_schema_calls_an_integer_is_one():
    from openbay.protocol.commands import CommandRequest
    assert CommandRequest.model_validate({"command": "true", "timeout_ms": 470.0}).timeout_ms == 470
