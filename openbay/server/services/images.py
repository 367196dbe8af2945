"""Images and templates: which image a session name means, and owners' own templates.

Built-in images are shared by everyone (`linux`, and AgentBay's `linux_latest`);
a template is an image an owner built from another (or imported from an OCI archive)
and only that owner sees or uses it. Template builds run in a sandbox of the parent
image; the log streams to the caller and is kept next to the store.

Templates and snapshots need a backend with an image store of its own (`Templates`,
`Snapshots`); on one without (Kubernetes: images come from a registry) the built-in
images are its names for them and the rest answers 501.
"""
from __future__ import annotations

import asyncio
import logging
import re
import secrets
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from openbay.protocol import ErrorCode
from openbay.protocol.snapshots import SnapshotInfo
from openbay.protocol.templates import TemplateBuildRequest, TemplateInfo
from openbay.sandbox import NetworkPolicy, SandboxError
from openbay.sandbox.backend import Snapshots, Templates
from openbay.sandbox.images import catalog as image_catalog
from openbay.sandbox.images.build import BuildError, BuildStep, LayerBuild, apt_step, build_layer, pip_step
from openbay.sandbox.images.oci_import import OciImportError, OciImportTooLarge, import_archive
from openbay.sandbox.images.store import ImageManifest

from ..abilities import BackendAbilities
from ..errors import ApiError, not_found
from .keys import Principal

log = logging.getLogger("openbay.templates")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
RESERVED = set(image_catalog.BUILTIN) | set(image_catalog.ALIASES) | set(image_catalog.UNAVAILABLE)


@dataclass
class ResolvedImage:
    name: str  # what the session row keeps: a built-in id or the template's name
    ref: str  # the image store's ref
    kind: str  # the built-in image it descends from


def snapshot_info(m: ImageManifest) -> SnapshotInfo:
    return SnapshotInfo(snapshot_id=m.name, name=m.description, session_id=m.snapshot_of or "",
                        image_id=(m.parent or "").split("/")[-1], size_bytes=m.size_bytes, created_at=m.created_at)


def template_info(m: ImageManifest, *, builtin: bool = False) -> TemplateInfo:
    return TemplateInfo(name=m.name, kind=m.kind, parent=m.parent, builtin=builtin,
                        size_bytes=m.size_bytes, layers=len(m.layers), env=m.env,
                        created_at=m.created_at, description=m.description)


class ImageService:
    def __init__(self, abilities: BackendAbilities, logs_dir: Path, in_use: Callable[[str], bool],
                 build_policy: Callable[[str], Awaitable[NetworkPolicy]] | None = None):
        self.abilities = abilities
        self.build_policy = build_policy  # owner id -> the egress policy its builds run under
        templates = abilities.get(Templates)
        self.store = templates.images if templates is not None else None  # None: built-in images only
        self.logs_dir = logs_dir
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        self._in_use = in_use  # is a running session using this image ref?
        self._building: set[str] = set()

    # --- names ------------------------------------------------------------------------------

    def _templates(self, doing: str):
        """The backend's image store, or a 501 saying this backend keeps no images of its own."""
        return self.abilities.require(Templates, doing).images

    def resolve(self, who: Principal, image_id: str) -> ResolvedImage:
        name = image_catalog.resolve_builtin(image_id)
        if name in image_catalog.UNAVAILABLE:
            raise ApiError(ErrorCode.BAD_REQUEST, image_catalog.UNAVAILABLE[name])
        if name in image_catalog.BUILTIN and self.store is None:  # the backend knows where it comes from
            return ResolvedImage(name, name, name)
        if name in image_catalog.BUILTIN:
            m = self.store.get(name)
            if m is None:
                raise ApiError(ErrorCode.UNAVAILABLE, f"image {name!r} is not built on this machine yet; "
                               f"build it with: python -m openbay.sandbox.images.build {name} "
                               "(scripts/setup.sh builds all built-in images)")
            return ResolvedImage(name, name, m.kind)
        m = self.store.get(self._ref(who, name)) if self.store is not None and _NAME.match(name) else None
        if m is None:
            raise ApiError(ErrorCode.NOT_FOUND, f"no image or template {image_id!r}; available: "
                           + ", ".join(self.available(who)))
        return ResolvedImage(name, m.ref, m.kind)

    def available(self, who: Principal) -> list[str]:
        owned = self.store.list(who.owner_id) if self.store is not None else []
        return [*image_catalog.BUILTIN, *(m.name for m in owned)]

    def kind_of(self, owner_id: str, image_id: str) -> str:
        if image_id in image_catalog.BUILTIN or self.store is None:
            return image_id
        m = self.store.get(f"{owner_id}/{image_id}") if _NAME.match(image_id) else None
        return m.kind if m else image_id

    @staticmethod
    def ref_of(owner_id: str, image_id: str) -> str:
        return image_id if image_id in image_catalog.BUILTIN else f"{owner_id}/{image_id}"

    @staticmethod
    def _ref(who: Principal, name: str) -> str:
        return f"{who.owner_id}/{name}"

    # --- snapshots ------------------------------------------------------------------------

    def resolve_snapshot(self, who: Principal, snapshot_id: str) -> ResolvedImage:
        store = self._templates("keep snapshots")
        m = store.get(self._ref(who, snapshot_id)) if _NAME.match(snapshot_id) else None
        if m is None or m.snapshot_of is None:
            raise not_found("snapshot", snapshot_id)
        return ResolvedImage(snapshot_id, m.ref, m.kind)

    async def snapshot(self, who: Principal, session_id: str, name: str) -> SnapshotInfo:
        snapshots = self.abilities.require(Snapshots, "snapshot sessions")
        snapshot_id = "snap-" + secrets.token_hex(6)
        try:
            m = await snapshots.snapshot(session_id, self._ref(who, snapshot_id), who.owner_id, name)
        except SandboxError as e:
            raise ApiError(ErrorCode.SANDBOX_ERROR, f"snapshot failed: {e}") from None
        return snapshot_info(m)

    def snapshots(self, who: Principal) -> list[SnapshotInfo]:
        return [snapshot_info(m) for m in self._templates("keep snapshots").list(who.owner_id, snapshots=True)]

    def get_snapshot(self, who: Principal, snapshot_id: str) -> SnapshotInfo:
        self.resolve_snapshot(who, snapshot_id)
        return snapshot_info(self.store.get(self._ref(who, snapshot_id)))

    def delete_snapshot(self, who: Principal, snapshot_id: str) -> None:
        ref = self.resolve_snapshot(who, snapshot_id).ref
        if self._in_use(ref):
            raise ApiError(ErrorCode.CONFLICT, f"snapshot {snapshot_id!r} is used by a running session")
        with self.store.lock():
            self.store.delete(ref)
            self.store.collect_garbage()

    # --- templates --------------------------------------------------------------------------

    def list(self, who: Principal) -> list[TemplateInfo]:
        store = self._templates("keep templates")
        builtin = [template_info(m, builtin=True) for r in image_catalog.BUILTIN if (m := store.get(r))]
        return builtin + [template_info(m) for m in store.list(who.owner_id)]

    def get(self, who: Principal, name: str) -> TemplateInfo:
        store = self._templates("keep templates")
        if name in image_catalog.BUILTIN and (m := store.get(name)):
            return template_info(m, builtin=True)
        m = store.get(self._ref(who, name)) if _NAME.match(name) else None
        if m is None:
            raise not_found("template", name)
        return template_info(m)

    def delete(self, who: Principal, name: str) -> None:
        store = self._templates("keep templates")
        if name in RESERVED:
            raise ApiError(ErrorCode.FORBIDDEN, f"{name!r} is a built-in image and cannot be deleted")
        ref = self._ref(who, name)
        if not _NAME.match(name) or store.get(ref) is None:
            raise not_found("template", name)
        if self._in_use(ref):
            raise ApiError(ErrorCode.CONFLICT, f"template {name!r} is used by a running session; "
                           "delete those sessions first")
        with store.lock():
            store.delete(ref)
            store.collect_garbage()

    def _check_new_name(self, who: Principal, name: str) -> str:
        self._templates("keep templates")
        if not _NAME.match(name):
            raise ApiError(ErrorCode.VALIDATION, f"template name {name!r} must match {_NAME.pattern}")
        if name in RESERVED:
            raise ApiError(ErrorCode.VALIDATION, f"{name!r} is the name of a built-in image")
        ref = self._ref(who, name)
        if ref in self._building:
            raise ApiError(ErrorCode.CONFLICT, f"template {name!r} is being built right now")
        return ref

    def log_path(self, who: Principal, name: str) -> Path:
        return self.logs_dir / f"{who.owner_id}__{name}.log"

    async def build(self, who: Principal, req: TemplateBuildRequest,
                    uploads: dict[str, Path]) -> AsyncIterator[dict]:
        """Build a template, yielding {"type": "log"} lines, then "done" or "error"."""
        ref = self._check_new_name(who, req.name)
        parent = self.resolve(who, req.from_image)
        steps = self._steps(req, uploads)
        self._building.add(ref)
        queue: asyncio.Queue = asyncio.Queue()
        log_file = self.log_path(who, req.name).open("w")

        def progress(line: str) -> None:
            log_file.write(line + "\n")
            queue.put_nowait({"type": "log", "line": line})

        policy = await self.build_policy(who.owner_id) if self.build_policy is not None else NetworkPolicy()

        async def run():
            try:
                m = await build_layer(self.abilities.require(Templates, "build templates"), LayerBuild(
                    ref=ref, parent=parent.ref, steps=steps, env=dict(req.env), owner_id=who.owner_id,
                    description=req.description or f"{parent.name} + {len(steps)} steps", network_policy=policy),
                    progress)
                return {"type": "done", "template": template_info(m).model_dump(mode="json")}
            except BuildError as e:
                return {"type": "error", "message": str(e).split("\n--- ")[0], "log_tail": e.log_tail}
            except SandboxError as e:
                return {"type": "error", "message": str(e), "log_tail": ""}

        task = asyncio.create_task(run())
        task.add_done_callback(lambda _: queue.put_nowait(None))
        try:
            while (item := await queue.get()) is not None:
                yield item
            yield task.result()
        finally:
            if not task.done():  # the caller went away: the build goes on and is kept
                await asyncio.shield(task)
            self._building.discard(ref)
            log_file.close()
            for p in uploads.values():
                p.unlink(missing_ok=True)

    @staticmethod
    def _steps(req: TemplateBuildRequest, uploads: dict[str, Path]) -> list[BuildStep]:
        steps: list[BuildStep] = []
        if req.apt:
            steps.append(apt_step(req.apt))
        if req.pip:
            steps.append(pip_step(req.pip))
        if req.npm:
            steps.append(BuildStep(command="npm install -g " + " ".join(req.npm), label="npm install -g "
                                   + " ".join(req.npm)))
        for copy in req.copy_files:
            path = uploads.get(copy.upload_id)
            if path is None:
                raise ApiError(ErrorCode.VALIDATION, f"copy: upload {copy.upload_id!r} is unknown or used")
            steps.append(BuildStep(copy_to=copy.dest, tar=_file_chunks(path), label=f"copy to {copy.dest}"))
        for command in req.run:
            steps.append(BuildStep(command=command))
        if req.mcp_servers:
            import json
            import shlex
            body = json.dumps({"servers": {k: v.model_dump() for k, v in req.mcp_servers.items()}})
            steps.append(BuildStep(command=f"mkdir -p /etc/openbay && printf %s {shlex.quote(body)} "
                                           "> /etc/openbay/mcp.json", label="declare MCP servers"))
        if not steps:
            raise ApiError(ErrorCode.VALIDATION, "a template needs at least one of apt, pip, npm, copy, run")
        return steps

    async def import_oci(self, who: Principal, name: str, archive: Path) -> TemplateInfo:
        ref = self._check_new_name(who, name)
        try:
            m = await asyncio.to_thread(import_archive, self.store, archive, ref, who.owner_id)
        except OciImportError as e:
            raise ApiError(ErrorCode.BAD_REQUEST, f"not an OCI image archive: {e}") from None
        except OciImportTooLarge as e:
            code = ErrorCode.INSUFFICIENT_STORAGE if e.disk_full else ErrorCode.PAYLOAD_TOO_LARGE
            raise ApiError(code, f"the image cannot be imported: {e}") from None
        finally:
            archive.unlink(missing_ok=True)
        return template_info(m)


def _file_chunks(path: Path):
    async def chunks():
        with path.open("rb") as f:
            while chunk := await asyncio.to_thread(f.read, 1 << 20):
                yield chunk
    return chunks


def keep_upload(directory: Path, upload_id: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{upload_id}-{int(time.time())}.tar"


__all__ = ["ImageService", "ResolvedImage", "keep_upload", "shutil"]
