"""Importing an OCI image archive (what `skopeo copy oci-archive:`, `docker save` and
`podman save` write) as an owner's template.

Each image layer becomes a layer of the store: extracted with ids shifted into the
sandbox range, OCI whiteouts (`.wh.name`, `.wh..wh..opq`) turned into overlayfs ones.
The imported layers sit on top of OpenBay's `linux` image, so envd (Python) and tini
are there even in an image that has no Python; the image's own files win where both
have one. Each layer is unpacked by layer_unpack.py beneath its own staging folder,
never following a link at any step; a bad entry is an OciImportError naming it.
"""
from __future__ import annotations

import json
import os
import shutil
import tarfile
import zlib
from pathlib import Path

from ..runc.runtime import HOST_ID_BASE, HOST_ID_COUNT
from . import layer_unpack
from .store import ImageManifest, ImageStore, tree_size

BASE_IMAGE = "linux"
MAX_IMAGE_BYTES = 32 * 1024 ** 3  # the file data of all layers together, unpacked


class OciImportError(Exception):
    """The archive is not an image this importer understands (the message names the entry)."""


class OciImportTooLarge(Exception):
    """The unpacked image passes the size cap, or the disk ran short while unpacking."""

    def __init__(self, message: str, disk_full: bool = False):
        super().__init__(message)
        self.disk_full = disk_full


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


def import_archive(store: ImageStore, path: Path, ref: str, owner_id: str,
                   max_bytes: int = MAX_IMAGE_BYTES) -> ImageManifest:
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
        except (KeyError, TypeError, AttributeError, IndexError) as e:
            raise OciImportError(f"malformed image metadata ({type(e).__name__}: {e})") from None
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
                os.chown(layer, HOST_ID_BASE, HOST_ID_BASE)
                max_bytes -= _unpack(member, layer, name, max_bytes)
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


def _unpack(member, layer: Path, name: str, max_bytes: int) -> int:
    root_fd = os.open(layer, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        return layer_unpack.unpack(member, root_fd, HOST_ID_BASE, HOST_ID_COUNT, max_bytes)
    except layer_unpack.BadLayer as e:
        raise OciImportError(f"layer {name}: {e}") from None
    except layer_unpack.LayerTooLarge as e:
        raise OciImportTooLarge(f"layer {name}: {e}", disk_full="disk" in str(e)) from None
    except (tarfile.TarError, EOFError, OSError, zlib.error) as e:
        raise OciImportError(f"layer {name} cannot be read ({type(e).__name__}: {e})") from None
    finally:
        os.close(root_fd)
