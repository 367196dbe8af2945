"""`bay.template`: an owner's own images, built from one of OpenBay's or imported from an OCI archive.

    info = bay.template.build("my-tpl", from_image="linux", apt=["ffmpeg"], pip=["pandas"],
                              copy=[("./app", "/app")], run=["make -C /app"], on_log=print)
    bay.create(CreateSessionParams(image_id="my-tpl"))
"""
from __future__ import annotations

import io
import tarfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from openbay.protocol.snapshots import SnapshotInfo, SnapshotList
from openbay.protocol.templates import McpServerSpec, TemplateBuildRequest, TemplateCopy, TemplateInfo, TemplateList

from . import calls
from .calls import Call, Request
from .errors import APIError
from .methods import AsyncPart, Part, awaited, blocking

BUILD_TIMEOUT_S = 3600.0


class TemplateBuildError(APIError):
    """A template build failed; `log_tail` holds the end of its log. Nothing was registered."""

    def __init__(self, message: str, log_tail: str = ""):
        super().__init__(message + (f"\n{log_tail}" if log_tail else ""), code="build_failed")
        self.log_tail = log_tail


def tar_of(path: str | Path) -> bytes:
    """A directory's contents (or one file) as an uncompressed tar, names relative to it."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"nothing to copy at {path}")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        if path.is_dir():
            for child in sorted(path.iterdir()):
                t.add(child, arcname=child.name)
        else:
            t.add(path, arcname=path.name)
    return buf.getvalue()


def _build(body: dict, copies: list[tuple[str | Path, str]],
           on_log: Callable[[str], object] | None) -> Call[TemplateInfo]:
    for local, dest in copies:
        upload_id = yield from calls.value(
            Request("POST", "/v1/templates/uploads", content=tar_of(local), timeout_s=600),
            lambda b: b["upload_id"])
        body["copy"].append(TemplateCopy(upload_id=upload_id, dest=dest).model_dump())

    def line(event: dict) -> Any:
        if event.get("type") == "log" and on_log is not None:
            return on_log(event.get("line", ""))
        return None

    final = yield from calls.value(Request("POST", "/v1/templates", json=body, timeout_s=BUILD_TIMEOUT_S,
                                           on_line=line), lambda b: b)
    if not isinstance(final, dict) or final.get("type") != "done":
        final = final if isinstance(final, dict) else {}
        raise TemplateBuildError(final.get("message", "the build ended without a result"), final.get("log_tail", ""))
    return TemplateInfo.model_validate(final["template"])


class TemplateCalls:

    def build(self, name: str, *, from_image: str = "linux", apt: Iterable[str] = (), pip: Iterable[str] = (),
              npm: Iterable[str] = (), copy: Iterable[tuple[str | Path, str]] = (), run: Iterable[str] = (),
              env: dict[str, str] | None = None, mcp_servers: dict[str, list[str]] | None = None,
              description: str = "", on_log: Callable[[str], object] | None = None) -> Call[TemplateInfo]:
        """Build `name` from `from_image` (a sandbox runs the steps), streaming the log to on_log.
        `mcp_servers` ({"name": ["command", "arg"]}) are MCP servers its sessions start over stdio
        (session.list_mcp_tools shows their tools as name.tool).
        Returns TemplateInfo; raises TemplateBuildError with the log's tail if a step fails."""
        servers = {k: McpServerSpec(command=list(v)) for k, v in (mcp_servers or {}).items()}
        body = TemplateBuildRequest(name=name, from_image=from_image, apt=list(apt), pip=list(pip), npm=list(npm),
                                    run=list(run), env=env or {}, mcp_servers=servers, description=description
                                    ).model_dump(by_alias=True)
        return (yield from _build(body, list(copy), on_log))

    def import_archive(self, path: str | Path, name: str) -> Call[TemplateInfo]:
        """Import an OCI image archive (`skopeo copy ... oci-archive:`, `docker save`) as `name`."""
        data = Path(path).read_bytes()
        return (yield from calls.value(
            Request("POST", "/v1/templates/import", params={"name": name}, content=data, timeout_s=600),
            TemplateInfo.model_validate))

    def list(self) -> Call[list[TemplateInfo]]:
        """Built-in images and this owner's templates."""
        return (yield from calls.value(Request("GET", "/v1/templates"),
                                       lambda b: TemplateList.model_validate(b).templates))

    def get(self, name: str) -> Call[TemplateInfo]:
        return (yield from calls.value(Request("GET", f"/v1/templates/{quote(name, safe='')}"),
                                       TemplateInfo.model_validate))

    def delete(self, name: str) -> Call[None]:
        """Delete a template (409 while a running session uses it)."""
        return (yield from calls.value(Request("DELETE", f"/v1/templates/{quote(name, safe='')}"),
                                       lambda b: None))


class SnapshotCalls:
    """`bay.snapshot`: this owner's snapshots (take one with `session.snapshot(name)`)."""

    def list(self) -> Call[list[SnapshotInfo]]:
        return (yield from calls.value(Request("GET", "/v1/snapshots"),
                                       lambda b: SnapshotList.model_validate(b).snapshots))

    def get(self, snapshot_id: str) -> Call[SnapshotInfo]:
        return (yield from calls.value(Request("GET", f"/v1/snapshots/{quote(snapshot_id, safe='')}"),
                                       SnapshotInfo.model_validate))

    def delete(self, snapshot_id: str) -> Call[None]:
        return (yield from calls.value(Request("DELETE", f"/v1/snapshots/{quote(snapshot_id, safe='')}"),
                                       lambda b: None))


class TemplateApi(Part):
    """bay.template: this owner's own images (build, import_archive, list, get, delete)."""
    build = blocking(TemplateCalls.build)
    import_archive = blocking(TemplateCalls.import_archive)
    list = blocking(TemplateCalls.list)
    get = blocking(TemplateCalls.get)
    delete = blocking(TemplateCalls.delete)


class AsyncTemplateApi(AsyncPart):
    build = awaited(TemplateCalls.build)
    import_archive = awaited(TemplateCalls.import_archive)
    list = awaited(TemplateCalls.list)
    get = awaited(TemplateCalls.get)
    delete = awaited(TemplateCalls.delete)


class SnapshotApi(Part):
    list = blocking(SnapshotCalls.list)
    get = blocking(SnapshotCalls.get)
    delete = blocking(SnapshotCalls.delete)


class AsyncSnapshotApi(AsyncPart):
    list = awaited(SnapshotCalls.list)
    get = awaited(SnapshotCalls.get)
    delete = awaited(SnapshotCalls.delete)
