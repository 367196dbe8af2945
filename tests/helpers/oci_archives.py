"""OCI image archives made in tests, as `skopeo copy ... oci-archive:` writes them: good ones,
and crafted ones whose layers try to reach out of themselves."""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile


def layer(*entries: tuple[tarfile.TarInfo, bytes | None]) -> bytes:
    """An uncompressed layer tar of (header, data) entries, in this order."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as t:
        for info, data in entries:
            if data is not None:
                info.size = len(data)
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def entry(name: str, kind: bytes = tarfile.REGTYPE, data: bytes | None = None, linkname: str = "",
          mode: int = 0o644) -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, linkname, mode
    return info, (data if data is not None else (b"" if kind == tarfile.REGTYPE else None))


def oci_archive(*layer_tars: bytes, env: list[str] | None = None) -> bytes:
    """An OCI image layout holding one image of these layers (gzipped)."""
    blobs: dict[str, bytes] = {}

    def blob(data: bytes) -> dict:
        digest = hashlib.sha256(data).hexdigest()
        blobs[f"blobs/sha256/{digest}"] = data
        return {"digest": f"sha256:{digest}", "size": len(data)}

    layers = [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **blob(gzip.compress(t))}
              for t in layer_tars]
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": env or []},
                         "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **blob(config)},
                           "layers": layers}).encode()
    index = {"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                                 **blob(manifest)}]}
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as t:
        for name, data in {"oci-layout": b'{"imageLayoutVersion": "1.0.0"}',
                           "index.json": json.dumps(index).encode(), **blobs}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return out.getvalue()
