"""Importing an OCI image archive (what `skopeo copy oci-archive:`, `docker save` and
`podman save` write) as an owner's template.

Each image layer becomes a layer of the store: extracted with ids shifted into the
sandbox range, OCI whiteouts (`.wh.name`, `.wh..wh..opq`) turned into overlayfs ones.
The imported layers sit on top of OpenBay's `linux` image, so envd (Python) and tini
are there even in an image that has no Python; the image's own files win where both
have one. Extraction never follows a path out of the layer: absolute names, `..` and
links through symlinks are refused.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import tarfile
from pathlib import Path, PurePosixPath

from .image_store import ImageManifest, ImageStore, tree_size
from .runtime import HOST_ID_BASE, HOST_ID_COUNT

BASE_IMAGE = "linux"
_WHITEOUT = ".wh."
_OPAQUE = ".wh..wh..opq"


class OciImportError(Exception):
    """The archive is not an image this importer understands."""


def _read_json(archive: tarfile.TarFile, name: str) -> dict | list:
    try:
        member = archive.getmember(name.lstrip("./") if name.startswith("./") else name)
    except KeyError:
        raise OciImportError(f"{name} is missing") from None
    f = archive.extractfile(member)
    if f is None:
        raise OciImportError(f"{name} is not a file")
    try:
        return json.loads(f.read(16 * 1024 * 1024))
    except ValueError as e:
        raise OciImportError(f"{name} is not valid JSON: {e}") from None


def _blob(digest: str) -> str:
    algo, _, value = digest.partition(":")
    if algo != "sha256" or not value.isalnum():
        raise OciImportError(f"unsupported digest {digest!r}")
    return f"blobs/sha256/{value}"


def _layers_and_config(archive: tarfile.TarFile) -> tuple[list[str], dict]:
    names = set(archive.getnames())
    if "index.json" in names:  # OCI image layout
        index = _read_json(archive, "index.json")
        manifests = index.get("manifests") or []
        if not manifests:
            raise OciImportError("index.json lists no image")
        desc = manifests[0]
        manifest = _read_json(archive, _blob(desc["digest"]))
        if "manifests" in manifest:  # an index of platforms: take linux/amd64
            choice = next((m for m in manifest["manifests"]
                           if m.get("platform", {}).get("architecture") in ("amd64", None)), None)
            if choice is None:
                raise OciImportError("no linux/amd64 image in the archive")
            manifest = _read_json(archive, _blob(choice["digest"]))
        config = _read_json(archive, _blob(manifest["config"]["digest"]))
        return [_blob(layer["digest"]) for layer in manifest.get("layers", [])], config
    if "manifest.json" in names:  # docker-archive
        entries = _read_json(archive, "manifest.json")
        if not isinstance(entries, list) or not entries:
            raise OciImportError("manifest.json lists no image")
        return list(entries[0]["Layers"]), _read_json(archive, entries[0]["Config"])
    raise OciImportError("neither index.json (OCI layout) nor manifest.json (docker save) is in it")


def import_archive(store: ImageStore, path: Path, ref: str, owner_id: str) -> ImageManifest:
    base = store.get(BASE_IMAGE)
    if base is None:
        raise OciImportError(f"the {BASE_IMAGE!r} image must be built first")
    try:
        archive = tarfile.open(path, "r:*")
    except (tarfile.TarError, OSError) as e:
        raise OciImportError(f"cannot read the archive: {e}") from None
    digests = []
    with archive:
        try:
            layer_names, config = _layers_and_config(archive)
        except (KeyError, TypeError) as e:
            raise OciImportError(f"malformed image metadata ({e})") from None
        if not layer_names:
            raise OciImportError("the image has no layers")
        for name in layer_names:
            staging = store.new_staging("oci")
            try:
                member = archive.extractfile(name)
                if member is None:
                    raise OciImportError(f"layer {name} is missing")
                layer = staging / "layer"
                layer.mkdir()
                _extract_layer(member, layer)
                os.chown(layer, HOST_ID_BASE, HOST_ID_BASE)
                with store.lock():
                    digests.append(store.add_layer(layer))
            except KeyError:
                raise OciImportError(f"layer {name} is missing") from None
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    env = {}
    for item in (config.get("config") or {}).get("Env") or []:
        key, _, value = item.partition("=")
        if key and key != "PATH":
            env[key] = value
    manifest = ImageManifest(ref=ref, kind=BASE_IMAGE, layers=[*base.layers, *digests], env=env,
                             owner_id=owner_id, parent=f"oci:{path.name}",
                             size_bytes=base.size_bytes + sum(tree_size(store.layers / d) for d in digests),
                             description="imported OCI image")
    with store.lock():
        store.put(manifest)
    return manifest


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name.lstrip("/"))
    if any(part == ".." for part in path.parts):
        raise OciImportError(f"path {name!r} leaves the layer")
    return path


def _no_symlink_on_the_way(root: Path, rel: PurePosixPath) -> Path:
    current = root
    for part in rel.parts[:-1]:
        current = current / part
        if current.is_symlink():
            raise OciImportError(f"path {rel} goes through a symbolic link")
    return root / rel


def _shift(n: int) -> int:
    if not 0 <= n < HOST_ID_COUNT:
        n = 0
    return HOST_ID_BASE + n


def _extract_layer(fileobj, root: Path) -> None:
    try:
        layer = tarfile.open(fileobj=fileobj, mode="r|*")
    except tarfile.TarError as e:
        raise OciImportError(f"a layer is not a tar archive ({e}); zstd layers are not supported") from None
    opaque: list[Path] = []
    with layer:
        for member in layer:
            rel = _safe_name(member.name)
            if not rel.parts or rel == PurePosixPath("."):
                continue
            target = _no_symlink_on_the_way(root, rel)
            base = rel.name
            if base == _OPAQUE:
                opaque.append(target.parent)
                continue
            if base.startswith(_WHITEOUT):
                gone = target.with_name(base[len(_WHITEOUT):])
                target.parent.mkdir(parents=True, exist_ok=True)
                os.mknod(gone, stat.S_IFCHR | 0o000, os.makedev(0, 0))
                os.lchown(gone, HOST_ID_BASE, HOST_ID_BASE)
                continue
            if target.is_symlink() or (target.exists() and not target.is_dir()):
                target.unlink()
            if member.islnk():
                link = _no_symlink_on_the_way(root, _safe_name(member.linkname))
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(link, target)
                continue
            member.name = str(rel)
            member.uid, member.gid = _shift(member.uid), _shift(member.gid)
            member.uname = member.gname = ""
            if member.isdev() and not (member.ischr() and member.devmajor == 0 and member.devminor == 0):
                continue  # device nodes come from the runtime, not from images
            layer.extract(member, root, set_attrs=True, numeric_owner=True, filter="fully_trusted")
            if member.mode & (stat.S_ISUID | stat.S_ISGID) and not member.issym():
                os.chmod(target, member.mode & 0o7777)  # chown cleared them
    for d in opaque:
        d.mkdir(parents=True, exist_ok=True)
        os.setxattr(d, "trusted.overlay.opaque", b"y")
    # directories the archive implied but did not list were made by the host's root: the
    # session's root must own them, or it could not even make a mount point in /opt
    for dirpath, dirnames, filenames in os.walk(root):
        for path in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            st = os.lstat(path)
            if st.st_uid < HOST_ID_BASE:
                os.lchown(path, HOST_ID_BASE, HOST_ID_BASE)
