"""Images on disk: content-addressed layers and the manifests that stack them.

    <store>/layers/<sha256>/        one layer: a directory tree, owned by the sandbox id range
    <store>/manifests/<ref>.json    an image: its layers (lowest first), env, kind, owner

A layer's name is the SHA-256 of its content (paths, types, modes, ids as seen inside,
file bytes, link targets), so the same content is stored once. Sessions stack an
image's layers read-only under an overlay, which copies nothing and lets every
session of one image share the page cache of its files. Built-in images have plain
refs ("linux"); an owner's templates have "<owner>/<name>".
"""
from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import json
import os
import shutil
import stat
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..backend import SandboxError
from ..runc.runtime import HOST_ID_BASE, HOST_ID_COUNT

WHITEOUT_DEV = 0  # overlayfs marks a deleted file as a 0/0 character device


@dataclass
class ImageManifest:
    ref: str
    kind: str  # the built-in image it descends from: what the session can do (browser, computer...)
    layers: list[str]  # digests, lowest first
    env: dict[str, str] = field(default_factory=dict)
    shm_bytes: int = 64 * 1024 * 1024
    owner_id: str | None = None
    parent: str | None = None
    recipe: str = ""  # a hash of what built it: a built-in image is rebuilt when its recipe changes
    size_bytes: int = 0
    created_at: float = field(default_factory=time.time)
    description: str = ""
    snapshot_of: str | None = None  # a snapshot: the session whose files it holds

    @property
    def name(self) -> str:
        return self.ref.split("/", 1)[-1]


class ImageStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.layers = self.root / "layers"
        self.manifests = self.root / "manifests"
        self.staging = self.root / "staging"
        for d in (self.root, self.layers, self.manifests, self.staging):
            d.mkdir(parents=True, exist_ok=True)
        # sandboxes open layers through the overlay, never by these paths
        os.chmod(self.root, 0o700)

    @contextlib.contextmanager
    def lock(self):
        """One writer at a time across processes (builds in parallel test runs)."""
        with open(self.root / ".lock", "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _path(self, ref: str) -> Path:
        if not ref or ".." in ref or ref.startswith("/") or ref.count("/") > 1:
            raise SandboxError(f"bad image ref {ref!r}")
        return self.manifests / (ref.replace("/", "__") + ".json")

    def get(self, ref: str) -> ImageManifest | None:
        try:
            data = json.loads(self._path(ref).read_text())
        except (FileNotFoundError, ValueError):
            return None
        manifest = ImageManifest(**data)
        if not all((self.layers / d).is_dir() for d in manifest.layers):
            return None
        return manifest

    def put(self, manifest: ImageManifest) -> None:
        path = self._path(manifest.ref)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(manifest)))
        os.replace(tmp, path)

    def delete(self, ref: str) -> bool:
        try:
            self._path(ref).unlink()
        except FileNotFoundError:
            return False
        return True

    def list(self, owner_id: str | None = None, snapshots: bool = False) -> list[ImageManifest]:
        """An owner's templates (or, with snapshots=True, their snapshots), oldest first."""
        out = []
        for p in sorted(self.manifests.glob("*.json")):
            m = self.get(p.stem.replace("__", "/"))
            if m is not None and m.owner_id == owner_id and (m.snapshot_of is not None) == snapshots:
                out.append(m)
        return sorted(out, key=lambda m: m.created_at)

    def layer_dirs(self, manifest: ImageManifest) -> list[Path]:
        return [self.layers / d for d in manifest.layers]

    def add_layer(self, directory: Path) -> str:
        """Move a finished layer directory into the store under its digest."""
        digest = layer_digest(directory)
        target = self.layers / digest
        if target.exists():
            shutil.rmtree(directory, ignore_errors=True)
        else:
            os.rename(directory, target)
        return digest

    def new_staging(self, prefix: str) -> Path:
        path = self.staging / f"{prefix}-{os.getpid()}-{time.monotonic_ns()}"
        path.mkdir(mode=0o755)
        return path

    def collect_garbage(self) -> int:
        """Remove layers no manifest uses and leftovers of interrupted builds."""
        used = {d for p in self.manifests.glob("*.json") for d in json.loads(p.read_text())["layers"]}
        removed = 0
        for d in self.layers.iterdir():
            if d.name not in used:
                shutil.rmtree(d, ignore_errors=True)
                removed += 1
        for d in self.staging.iterdir():
            remove_tree(d)
        return removed


def layer_digest(directory: Path) -> str:
    """SHA-256 over the tree as seen inside a sandbox (ids relative to the range)."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            rel = os.path.relpath(path, directory)
            h.update(f"{rel}\0{st.st_mode:o}\0{_inside(st.st_uid)}\0{_inside(st.st_gid)}\0".encode())
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    while chunk := f.read(1 << 20):
                        h.update(chunk)
            elif stat.S_ISLNK(st.st_mode):
                h.update(os.readlink(path).encode())
            elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                h.update(f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}".encode())
            h.update(b"\n")
    return h.hexdigest()


def _inside(host_id: int) -> str:
    """An id as the sandbox sees it; one outside the range is marked so (never equal to one inside)."""
    if HOST_ID_BASE <= host_id < HOST_ID_BASE + HOST_ID_COUNT:
        return str(host_id - HOST_ID_BASE)
    return f"host:{host_id}"


def shift_ids(directory: Path) -> None:
    """Own a tree built by the host's root as the sandbox range (id n -> base + n).

    chown clears set-id bits, so the mode is put back after it.
    """
    for dirpath, dirnames, filenames in os.walk(directory):
        for name in [*dirnames, *filenames, None]:
            path = dirpath if name is None else os.path.join(dirpath, name)
            st = os.lstat(path)
            if st.st_uid >= HOST_ID_COUNT or st.st_gid >= HOST_ID_COUNT:
                continue  # already shifted
            os.lchown(path, HOST_ID_BASE + st.st_uid, HOST_ID_BASE + st.st_gid)
            if not stat.S_ISLNK(st.st_mode):
                os.chmod(path, stat.S_IMODE(st.st_mode))


def remove_tree(path: Path) -> None:
    """rmtree that first lazily unmounts anything mounted inside (never delete through a mount)."""
    prefix = str(path.resolve()) + "/"
    try:
        mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
    except OSError:
        mounts = []
    for where in sorted((m for m in mounts if m.startswith(prefix) or m == prefix[:-1]), key=len, reverse=True):
        _libc.umount2(where.encode(), 2)  # MNT_DETACH
    shutil.rmtree(path, ignore_errors=True)


_libc = ctypes.CDLL(None, use_errno=True)


def tree_size(directory: Path) -> int:
    total = 0
    for dirpath, _, filenames in os.walk(directory):
        for name in filenames:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
            except FileNotFoundError:
                pass
    return total
