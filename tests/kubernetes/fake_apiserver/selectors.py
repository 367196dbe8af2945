"""Label and field selectors as the API server reads them from `labelSelector` / `fieldSelector`.

Labels: `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`, joined by commas.
Fields: `=`, `==`, `!=` on the fields each kind supports; any other field is a 400, as there.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from .status import bad_request

Match = Callable[[dict], bool]
_SET = re.compile(r"^\s*(!?)([A-Za-z0-9./_-]+)\s*(?:(in|notin)\s*\(([^)]*)\)|(==|=|!=)\s*([A-Za-z0-9._-]*))?\s*$")
FIELDS = {"pods": ("metadata.name", "metadata.namespace", "status.phase", "spec.nodeName",
                   "spec.restartPolicy", "status.podIP")}
COMMON_FIELDS = ("metadata.name", "metadata.namespace")


def _terms(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    terms, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return [t for t in terms if t.strip()]


def label_selector(text: str | None) -> Match:
    checks: list[Match] = []
    for term in _terms(text or ""):
        m = _SET.match(term)
        if not m or (m.group(1) and (m.group(3) or m.group(5))):
            raise bad_request(f"unable to parse requirement: invalid label selector {term!r}")
        negate, key, set_op, values, op, value = m.groups()
        if set_op:
            allowed = {v.strip() for v in values.split(",")}
            checks.append(lambda labels, k=key, a=allowed, inside=set_op == "in":
                          (labels.get(k) in a) if inside else (labels.get(k) not in a))
        elif op:
            checks.append(lambda labels, k=key, v=value, eq=op != "!=": (labels.get(k) == v) == eq)
        else:
            checks.append(lambda labels, k=key, absent=bool(negate): (k in labels) != absent)
    return lambda obj: all(c(obj.get("metadata", {}).get("labels") or {}) for c in checks)


def field_selector(text: str | None, plural: str) -> Match:
    checks: list[Match] = []
    for term in _terms(text or ""):
        m = re.match(r"^\s*([A-Za-z.]+)\s*(==|=|!=)\s*(.*?)\s*$", term)
        if not m:
            raise bad_request(f"invalid field selector {term!r}")
        path, op, value = m.groups()
        if path not in FIELDS.get(plural, COMMON_FIELDS):
            raise bad_request(f'field label not supported: {path}')
        checks.append(lambda obj, p=path, v=value, eq=op != "!=": (_field(obj, p) == v) == eq)
    return lambda obj: all(c(obj) for c in checks)


def _field(obj: dict, path: str) -> str:
    value = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)
