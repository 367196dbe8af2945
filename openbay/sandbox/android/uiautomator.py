"""An Android `uiautomator dump` (XML) as a tree of UI elements with bounds and flags."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

_BOUNDS = re.compile(r"^\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]$")
MAX_XML = 8 * 1024 * 1024
_FLAGS = ("clickable", "long-clickable", "scrollable", "focusable", "focused", "enabled",
          "checkable", "checked", "selected", "password")


class UiDumpError(ValueError):
    pass


@dataclass
class UiElement:
    class_name: str = ""
    text: str = ""
    resource_id: str = ""
    content_desc: str = ""
    package: str = ""
    bounds: tuple[int, int, int, int] = (0, 0, 0, 0)  # left, top, right, bottom
    flags: dict[str, bool] = field(default_factory=dict)
    children: list[UiElement] = field(default_factory=list)

    @property
    def center(self) -> tuple[int, int]:
        left, top, right, bottom = self.bounds
        return (left + right) // 2, (top + bottom) // 2

    @property
    def clickable(self) -> bool:
        return self.flags.get("clickable", False)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def to_dict(self) -> dict:
        return {"class_name": self.class_name, "text": self.text, "resource_id": self.resource_id,
                "content_desc": self.content_desc, "package": self.package,
                "bounds": list(self.bounds), "flags": self.flags,
                "children": [c.to_dict() for c in self.children]}


def parse_bounds(text: str) -> tuple[int, int, int, int]:
    m = _BOUNDS.match(text or "")
    if not m:
        return (0, 0, 0, 0)
    return tuple(int(v) for v in m.groups())  # type: ignore[return-value]


def parse_dump(xml: str | bytes) -> list[UiElement]:
    """The top-level elements of a dump (a <hierarchy> holds one per window)."""
    if len(xml) > MAX_XML:
        raise UiDumpError("the UI dump is too large")
    if isinstance(xml, bytes):
        xml = xml.decode("utf-8", errors="replace")
    start = xml.find("<?xml")
    if start < 0:
        start = xml.find("<hierarchy")
    if start < 0:  # uiautomator prints errors as plain text
        raise UiDumpError(f"not a UI dump: {xml.strip()[:200]}")
    end = xml.rfind("</hierarchy>")
    body = xml[start:end + len("</hierarchy>")] if end >= 0 else xml[start:]
    if "<!DOCTYPE" in body or "<!ENTITY" in body:  # the device is not trusted: no entity tricks
        raise UiDumpError("a UI dump must not declare a DTD")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise UiDumpError(f"the UI dump is not well-formed XML: {e}") from None
    return [_element(node) for node in root if node.tag == "node"]


def _element(node: ET.Element) -> UiElement:
    a = node.attrib
    return UiElement(class_name=a.get("class", ""), text=a.get("text", ""),
                     resource_id=a.get("resource-id", ""), content_desc=a.get("content-desc", ""),
                     package=a.get("package", ""), bounds=parse_bounds(a.get("bounds", "")),
                     flags={f.replace("-", "_"): a.get(f) == "true" for f in _FLAGS if f in a},
                     children=[_element(child) for child in node if child.tag == "node"])


def clickable_elements(roots: list[UiElement]) -> list[UiElement]:
    """Flattened elements a tap would act on (AgentBay's get_clickable_ui_elements)."""
    return [e for root in roots for e in root.walk() if e.clickable]
