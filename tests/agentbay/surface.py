"""The comparison of openbay.agentbay with AgentBay's own package (wuying-agentbay-sdk, import
name `agentbay`): every public name, the parameters of every public method of its classes, the
fields of its dataclasses and the members of its enums. `problems()` lists what differs, one line
each; tests/agentbay/test_surface.py asserts on it and docs/migrating.md is checked against it."""
from __future__ import annotations

import dataclasses
import enum
import inspect
from typing import Any

LITERALS = (bool, int, float, str)


def public_names(module: Any) -> list[str]:
    return [n for n in module.__all__ if not n.startswith("_")]


def own_methods(cls: type) -> dict[str, Any]:
    """Public functions (and __init__) that AgentBay's package defines on `cls` or its own bases."""
    found: dict[str, Any] = {}
    for klass in cls.__mro__:
        if klass.__module__.split(".")[0] != "agentbay":
            continue
        for name, value in vars(klass).items():
            if name in found or (name.startswith("_") and name != "__init__"):
                continue
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if inspect.isfunction(value):
                found[name] = value
    return found


def _parameters(f: Any) -> list[inspect.Parameter] | None:
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return None
    return [p for p in sig.parameters.values() if p.name not in ("self", "cls")]


def _default_differs(a: Any, o: Any) -> bool:
    """Defaults count where they change what a call does: two literals that differ, or a
    parameter AgentBay makes optional that is required here. None against an empty container
    does not, nor a default here for what AgentBay requires."""
    if o is inspect.Parameter.empty:
        return a is not inspect.Parameter.empty
    if a is inspect.Parameter.empty:
        return False
    return isinstance(a, LITERALS) and isinstance(o, LITERALS) and a != o


def signature_problem(a: Any, o: Any) -> str:
    """"" when `o` takes AgentBay's parameters of `a` in the same order, kinds and defaults;
    `o` may add optional parameters after them."""
    pa, po = _parameters(a), _parameters(o)
    if pa is None or po is None:
        return ""
    for i, p in enumerate(pa):
        if p.kind is p.VAR_KEYWORD and any(q.kind is q.VAR_KEYWORD for q in po):
            continue
        if i >= len(po) or po[i].name != p.name or po[i].kind != p.kind:
            return f"parameters {[q.name for q in pa]} != {[q.name for q in po]}"
        if _default_differs(p.default, po[i].default):
            return f"default of {p.name}: {p.default!r} != {po[i].default!r}"
    extra = [q.name for q in po[len(pa):] if q.default is q.empty and q.kind not in (q.VAR_POSITIONAL, q.VAR_KEYWORD)]
    return f"required extra parameters {extra}" if extra else ""


def class_problems(name: str, a: type, o: Any) -> list[str]:
    if not inspect.isclass(o):
        return [f"{name}: not a class"]
    if issubclass(a, enum.Enum):
        lost = sorted(set(a.__members__) - set(getattr(o, "__members__", {})))
        return [f"{name}: enum members missing {lost}"] if lost else []
    out = []
    if dataclasses.is_dataclass(a):
        mine = {f.name for f in dataclasses.fields(o)} if dataclasses.is_dataclass(o) else set()
        lost = [f.name for f in dataclasses.fields(a) if f.name not in mine]
        if lost:
            out.append(f"{name}: dataclass fields missing {lost}")
    for method, f in own_methods(a).items():
        g = getattr(o, method, None)
        if g is None:
            out.append(f"{name}.{method}: missing")
        elif inspect.iscoroutinefunction(f) != inspect.iscoroutinefunction(g):
            out.append(f"{name}.{method}: {'async' if inspect.iscoroutinefunction(f) else 'not async'} in AgentBay")
        elif why := signature_problem(f, g):
            out.append(f"{name}.{method}: {why}")
    return out


def problems(agentbay: Any, ours: Any) -> list[str]:
    out = []
    for name in public_names(agentbay):
        a, o = getattr(agentbay, name), getattr(ours, name, None)
        if o is None:
            out.append(f"{name}: missing")
        elif inspect.isclass(a):
            out.extend(class_problems(name, a, o))
        elif inspect.isfunction(a) and (why := signature_problem(a, o)):
            out.append(f"{name}: {why}")
    return out
