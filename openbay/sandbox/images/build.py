"""Building images: the Debian base with mmdebstrap, every other layer inside a sandbox.

A layer on top of an image is built the way a user would: a sandbox of the parent
image starts (root inside, network on), the steps run in it through envd, the sandbox
stops, and its overlay upper layer (exactly what the steps changed, deletions as
whiteouts) becomes the new layer. The built-in images (`code`, `browser`, ...) and
users' templates are made this way; only `linux` comes from mmdebstrap.

    python -m openbay.sandbox.images.build [IMAGE ...]    # the built-in images, parents first
"""
from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..backend import NetworkPolicy, ResourceLimits, SandboxError, SandboxSpec
from ..envd.client import EnvdError
from ..envd.upload import upload
from ..runc.runtime import HOST_ID_BASE
from . import catalog as image_catalog
from .store import ImageManifest, ImageStore, remove_tree, shift_ids, tree_size

Progress = Callable[[str], None]
# downloaded .deb files are kept between builds (a template of linux + one package builds
# without downloading what an earlier build already fetched); builds see it at this path. The
# built-in images' builds share one cache; each owner's template builds get a cache of their own,
# so a tenant's build never writes (or plants a .deb in) what another build installs from
APT_CACHE_INSIDE = "/var/cache/openbay-apt"
OWNER_APT_CACHE_BYTES = 2 * 1024 ** 3  # an owner's cache past this is emptied before the next build
BUILD_LIMITS = ResourceLimits(memory_bytes=4 * 1024 ** 3, max_processes=4096, cpu_cores=2.0)
STEP_TIMEOUT_MS = 30 * 60 * 1000
# what a build leaves behind that no image needs
_CLEANUP = "rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /tmp/* /var/tmp/* /root/.cache /home/user/.cache " \
           "/home/user/.npm /root/.npm 2>/dev/null; true"


class BuildError(SandboxError):
    """A build step failed; `log_tail` holds the end of the build log."""

    def __init__(self, message: str, log_tail: str = ""):
        super().__init__(message + (f"\n--- last lines of the build log ---\n{log_tail}" if log_tail else ""))
        self.log_tail = log_tail


@dataclass
class BuildStep:
    """One step of a layer: a shell command, or files put in place from a tar stream."""
    command: str = ""
    copy_to: str = ""
    tar: Callable[[], AsyncIterator[bytes]] | None = None
    label: str = ""


@dataclass
class LayerBuild:
    ref: str
    parent: str
    steps: list[BuildStep]
    kind: str = ""
    env: dict[str, str] = field(default_factory=dict)
    owner_id: str | None = None
    recipe: str = ""
    description: str = ""
    shm_bytes: int | None = None
    # what the build's sandbox may reach: the owner's effective egress policy (the floor holds always)
    network_policy: NetworkPolicy = field(default_factory=NetworkPolicy)


def apt_step(packages: list[str]) -> BuildStep:
    names = " ".join(shlex.quote(p) for p in packages)
    return BuildStep(command="apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "
                             f"-o Dir::Cache::Archives={APT_CACHE_INSIDE}/ "
                             f"-o Dpkg::Options::=--force-unsafe-io --no-install-recommends {names}",
                     label=f"apt-get install {' '.join(packages)}")


def _apt_cache(store: ImageStore, owner_id: str | None = None) -> Path:
    """The package cache of the built-in images' builds, or one owner's (made on first use)."""
    if owner_id is None:
        cache = store.root.parent / "apt-cache"
    else:
        cache = store.root.parent / "apt-cache-owners" / hashlib.sha256(owner_id.encode()).hexdigest()[:24]
        if cache.exists() and tree_size(cache) > OWNER_APT_CACHE_BYTES:
            remove_tree(cache)
    (cache / "partial").mkdir(parents=True, exist_ok=True)
    for d in (cache, cache / "partial"):
        os.chown(d, HOST_ID_BASE, HOST_ID_BASE)  # root inside the build sandbox writes there
    return cache


def pip_step(packages: list[str]) -> BuildStep:
    names = " ".join(shlex.quote(p) for p in packages)
    return BuildStep(command=f"pip install --no-cache-dir {names}", label=f"pip install {' '.join(packages)}")


class _Log:
    """Every line of a build: shown as it comes, the tail kept for errors."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.lines: list[str] = []

    def __call__(self, text: str) -> None:
        for line in text.splitlines():
            self.lines.append(line)
            self.progress(line)

    def tail(self, n: int = 25) -> str:
        return "\n".join(self.lines[-n:])


async def build_layer(backend, build: LayerBuild, progress: Progress = print) -> ImageManifest:
    """Run `build.steps` in a sandbox of `build.parent`; register the result as `build.ref`.

    Nothing is registered unless every step succeeds."""
    store: ImageStore = backend.images
    parent = backend.image(build.parent)
    log = _Log(progress)
    session_id = "b-" + secrets.token_hex(6)
    spec = SandboxSpec(session_id=session_id, image_id=parent.ref, network=True, limits=BUILD_LIMITS,
                       envs={"DEBIAN_FRONTEND": "noninteractive"}, disk_bytes=64 * 1024 ** 3,
                       network_policy=build.network_policy)
    started = time.monotonic()
    cache = await asyncio.to_thread(_apt_cache, store, build.owner_id)
    sandbox = await backend.start(spec, extra_binds=[(str(cache), APT_CACHE_INSIDE, False)])
    staging = store.new_staging("layer")
    try:
        for i, step in enumerate([*build.steps, BuildStep(command=_CLEANUP, label="clean up")], 1):
            log(f"[{i}/{len(build.steps) + 1}] {step.label or step.command or 'copy to ' + step.copy_to}")
            if step.tar is not None:
                await _copy(sandbox, step, log)
            else:
                await _run(sandbox, step.command, log)
        layer = staging / "layer"
        await backend.commit(session_id, layer)
        with store.lock():
            digest = store.add_layer(layer)
            manifest = ImageManifest(
                ref=build.ref, kind=build.kind or parent.kind, layers=[*parent.layers, digest],
                env={**parent.env, **build.env}, shm_bytes=build.shm_bytes or parent.shm_bytes,
                owner_id=build.owner_id, parent=parent.ref, recipe=build.recipe,
                size_bytes=parent.size_bytes + tree_size(store.layers / digest),
                description=build.description)
            store.put(manifest)
        log(f"built {build.ref} in {time.monotonic() - started:.1f} s (layer {digest[:12]})")
        return manifest
    finally:
        await backend.stop(session_id)
        remove_tree(staging)


async def _run(sandbox, command: str, log: _Log) -> None:
    request = {"command": command, "timeout_ms": STEP_TIMEOUT_MS, "cwd": "/", "max_output": 1 << 20}
    exit_code = None
    try:
        async for event in sandbox.envd.exec_stream(request):
            if event.get("type") in ("stdout", "stderr"):
                log(event.get("data", ""))
            elif event.get("type") == "exit":
                exit_code = event.get("exit_code")
                if event.get("error_message"):
                    log(event["error_message"])
    except EnvdError as e:
        raise BuildError(f"the build sandbox failed: {e}", log.tail()) from None
    if exit_code != 0:
        raise BuildError(f"step failed with exit code {exit_code}: {command[:200]}", log.tail())


async def _copy(sandbox, step: BuildStep, log: _Log) -> None:
    try:
        await upload(sandbox.envd, {"op": "fs.untar", "path": step.copy_to}, step.tar())
    except EnvdError as e:
        raise BuildError(f"copying files to {step.copy_to} failed: {e}", log.tail()) from None


def build_base(store: ImageStore, recipe: image_catalog.Recipe, progress: Progress = print) -> ImageManifest:
    """`linux`: mmdebstrap's minimal Debian with the recipe's packages, owned by the sandbox ids."""
    if not shutil.which("mmdebstrap"):
        raise SandboxError("mmdebstrap is not installed: apt-get install mmdebstrap")
    staging = store.new_staging("base")
    rootfs = staging / "rootfs"
    started = time.monotonic()
    sources = (f"deb {image_catalog.DEBIAN_MIRROR} {image_catalog.DEBIAN_SUITE} main\n"
               f"deb {image_catalog.DEBIAN_MIRROR} {image_catalog.DEBIAN_SUITE}-updates main\n"
               f"deb {image_catalog.DEBIAN_SECURITY} {image_catalog.DEBIAN_SUITE}-security main")
    script = staging / "customize.sh"
    script.write_text(recipe.script)
    # force-unsafe-io: no fsync per unpacked file (a failed build is thrown away anyway); 3x faster
    argv = ["mmdebstrap", "--mode=root", "--variant=minbase", "--format=directory", "--dpkgopt=force-unsafe-io",
            f"--include={','.join(recipe.packages)}", "--aptopt=Acquire::Check-Valid-Until \"false\"",
            # the host's CA bundle, for registries behind a TLS-inspecting proxy
            '--customize-hook=cp /etc/ssl/certs/ca-certificates.crt "$1/tmp/host-ca.crt"',
            f'--customize-hook=chroot "$1" sh -e < {script}',
            image_catalog.DEBIAN_SUITE, str(rootfs), sources]
    progress(f"building {recipe.image_id}: mmdebstrap {image_catalog.DEBIAN_SUITE} "
             f"with {len(recipe.packages)} packages")
    log = _Log(progress)
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            log(line.rstrip())
        if proc.wait() != 0:
            raise BuildError(f"mmdebstrap failed with exit code {proc.returncode}", log.tail())
        for d in ("proc", "sys", "dev"):  # mount points are the runtime's
            (rootfs / d).mkdir(exist_ok=True)
        shift_ids(rootfs)
        with store.lock():
            digest = store.add_layer(rootfs)
            manifest = ImageManifest(ref=recipe.image_id, kind=recipe.image_id, layers=[digest],
                                     env=dict(recipe.env), shm_bytes=recipe.shm_bytes, recipe=recipe.digest(),
                                     size_bytes=tree_size(store.layers / digest),
                                     description=recipe.description)
            store.put(manifest)
        progress(f"built {recipe.image_id} in {time.monotonic() - started:.1f} s (layer {digest[:12]})")
        return manifest
    finally:
        remove_tree(staging)


def is_current(store: ImageStore, recipe: image_catalog.Recipe) -> bool:
    m = store.get(recipe.image_id)
    return m is not None and m.recipe == recipe.digest()


async def build_builtin(backend, names: list[str] | None = None, progress: Progress = print,
                        force: bool = False) -> list[str]:
    """Build the built-in images that are missing or out of date; the refs built."""
    built = []
    for recipe in image_catalog.build_order(names):
        if not force and is_current(backend.images, recipe):
            progress(f"{recipe.image_id}: up to date")
            continue
        if recipe.parent is None:
            await asyncio.to_thread(build_base, backend.images, recipe, progress)
        else:
            steps = [apt_step(list(recipe.packages))]
            if recipe.script:
                steps.append(BuildStep(command=recipe.script, label="configure"))
            await build_layer(backend, LayerBuild(
                ref=recipe.image_id, parent=recipe.parent, steps=steps, kind=recipe.image_id,
                env=dict(recipe.env), recipe=recipe.digest(), description=recipe.description,
                shm_bytes=recipe.shm_bytes), progress)
        built.append(recipe.image_id)
    return built


def _stamp(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)


async def _main(names: list[str]) -> int:
    from ..runc.local import VAR_ROOT, LocalBackend, default_sandbox_root
    unknown = [n for n in names if n not in image_catalog.BUILTIN]
    if unknown:
        print(f"unknown image(s): {', '.join(unknown)}; built-in: {', '.join(image_catalog.BUILTIN)}")
        return 2
    backend = LocalBackend(default_sandbox_root(VAR_ROOT / "builder"))
    backend.check()
    try:
        with open(backend.images.root / ".build-lock", "w") as f:
            import fcntl
            fcntl.flock(f, fcntl.LOCK_EX)  # one build of the built-in images at a time
            await build_builtin(backend, names or None, _stamp, force=os.environ.get("OPENBAY_REBUILD") == "1")
    except BuildError as e:
        print(f"image build failed: {e}", file=sys.stderr)
        return 1
    finally:
        await backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main(sys.argv[1:])))
