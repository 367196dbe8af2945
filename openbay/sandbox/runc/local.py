"""The local backend: each session is a small machine of its own on this host.

A session is an OCI container run by runc: its root file system is its image's layers
(read-only) under an overlay whose upper layer is on the session's own disk (a sparse
ext4 image the size of its quota), all seen through idmapped mounts so that root inside
is the first id of a host id block of the session's own (`id_pool`); it has its own
mount, PID, IPC, UTS, user, cgroup and network namespaces, cgroup limits on memory, CPU
and processes, and envd (under tini, which reaps orphans as PID 1) is the only door in.
envd listens on a socket the server made in a root-only folder no session can see, handed
over as a descriptor. Containers run detached: they outlive the server process.

    <root>/<session>/                owned by the session's block, 0700
    <root>/<session>/disk.img        the session's disk (sparse ext4, the size of its quota)
    <root>/<session>/disk/upper, work  the overlay's writable layer, on that disk
    <root>/<session>/rootfs          the merged root file system runc starts in (nosuid, nodev)
    <root>/<session>/sys             a sysfs of the session's network namespace
    <root>/<session>/bundle          config.json, envd.log
    /run/openbay/<tag>.envd/<session>.sock   envd's listening socket (root's, 0700 folder)
"""
from __future__ import annotations

import asyncio
import compileall
import dataclasses
import hashlib
import json
import logging
import os
import py_compile
import secrets
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..backend import (
    DiskUsage,
    ExitNotices,
    KeptDisks,
    OomReports,
    Pausable,
    Reattach,
    Sandbox,
    SandboxError,
    SandboxRoot,
    SandboxSpec,
    Snapshots,
    Templates,
    human_bytes,
)
from ..envd.client import EnvdClient
from ..images import catalog as image_catalog
from ..images.store import ImageManifest, ImageStore, remove_tree
from . import idmap, network
from .disk import SessionDisks
from .dns_proxy import DnsProxy, upstream_from_resolv_conf
from .firewall import Firewall, rules_digest
from .id_pool import IdPool
from .local_disks import LocalDisks
from .local_metrics import CGROUP_ROOT, LocalMetrics  # noqa: F401  (CGROUP_ROOT: where orphans are looked for)
from .local_network import LocalNetwork, host_port, names_of
from .local_reattach import LocalReattach
from .local_running import Running, log_tail, read_meta, write_private
from .runtime import HOST_ID_BASE, BundleSpec, Runc, write_bundle
from .session_mounts import let_go_of_clones, mount_root, mount_sysfs_in

log = logging.getLogger("openbay.sandbox")
ENVD_DIR = Path(__file__).parent.parent / "envd"
VAR_ROOT = Path(os.environ.get("OPENBAY_VAR_DIR", "/var/lib/openbay"))
START_TIMEOUT_S = 20.0
HOST_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
# programs that carry their own CA list (Node, Python's requests/certifi) use the system's
CA_ENV = {"NODE_EXTRA_CA_CERTS": HOST_CA_BUNDLE, "REQUESTS_CA_BUNDLE": HOST_CA_BUNDLE,
          "SSL_CERT_FILE": HOST_CA_BUNDLE}
RUN_ROOT = Path("/run/openbay")
ENVD_LISTEN_FD = 4  # after the ready pipe at 3


class LocalBackend(LocalDisks, LocalMetrics, LocalNetwork, LocalReattach, Pausable, Reattach, KeptDisks,
                   OomReports, DiskUsage, ExitNotices, Templates, Snapshots, SandboxRoot):
    name = "local"

    @property
    def place(self) -> str:
        return f"under {self.root.resolve()}"

    def __init__(self, root: Path, *, images: ImageStore | None = None, runc: str = "runc",
                 ids: IdPool | None = None):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o711)
        self.tag = hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:12]
        self.images = images or ImageStore(VAR_ROOT / "images")
        self.disks = SessionDisks(VAR_ROOT / "blank-disks")
        self.runc = Runc(RUN_ROOT / self.tag, runc)
        self.ids = ids or IdPool.from_env(RUN_ROOT / "id-blocks")
        # envd's sockets: made by the server in a folder only root may enter, never mounted in
        # a session; reached through this descriptor, so the path is never looked up again
        self.sockets = RUN_ROOT / f"{self.tag}.envd"
        self.sockets.mkdir(mode=0o700, exist_ok=True)
        os.chmod(self.sockets, 0o700)
        self._sockets_fd = os.open(self.sockets, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        self.cgroup_parent = f"openbay-{self.tag}"
        self.envd_dir = _install_envd(self.root)
        self._running: dict[str, Running] = {}
        self._by_address: dict[str, Running] = {}  # session address -> session (the DNS proxy asks)
        self._cleanups: set[asyncio.Task] = set()
        self._keeping: dict[str, asyncio.Future] = {}  # dead sessions whose disk is being put aside
        self.firewall = Firewall()
        upstream = os.environ.get("OPENBAY_DNS_UPSTREAM")
        self.dns = DnsProxy(self._dns_client, host_port(upstream) if upstream else upstream_from_resolv_conf())
        self._network_ready: asyncio.Future | None = None
        # called with (session_id, reason) when a sandbox dies on its own
        self.on_exit: Callable[[str, str], None] | None = None

    def check(self) -> None:
        """Fail early, with the fix, when the machine cannot run sandboxes."""
        if not self.runc.available():
            raise SandboxError("runc is not installed: apt-get install runc")
        if not self.disks.available():
            raise SandboxError("mkfs.ext4 is missing: apt-get install e2fsprogs")

    # --- images ---------------------------------------------------------------------------

    def image(self, image_ref: str) -> ImageManifest:
        ref = image_catalog.resolve_builtin(image_ref)
        if ref in image_catalog.UNAVAILABLE:
            raise SandboxError(image_catalog.UNAVAILABLE[ref])
        manifest = self.images.get(ref)
        if manifest is None:
            if ref in image_catalog.BUILTIN:
                raise SandboxError(f"image {ref!r} is not built on this machine; build it with: "
                                   f"python -m openbay.sandbox.images.build {ref}")
            raise SandboxError(f"unknown image {image_ref!r}")
        return manifest

    # --- lifecycle ------------------------------------------------------------------------

    def is_alive(self, session_id: str) -> bool:
        r = self._running.get(session_id)
        return r is not None and not r.exited

    def get(self, session_id: str) -> Sandbox | None:
        r = self._running.get(session_id)
        return r.sandbox if r else None

    async def start(self, spec: SandboxSpec, *, extra_binds: list[tuple[str, str, bool]] = ()) -> Sandbox:
        """Start a sandbox; `extra_binds` (host path, path inside, read-only) are for the image
        builder's package cache, never for sessions."""
        image = self.image(spec.image_id)
        directory = self.root / spec.session_id
        try:
            return await self._start(spec, image, directory, list(extra_binds))
        except BaseException:
            await self._destroy(spec.session_id, directory, wait=True)
            self.ids.release_held_by(directory)  # a start that failed before it wrote down its ids
            raise

    async def _start(self, spec: SandboxSpec, image: ImageManifest, directory: Path,
                     extra_binds: list[tuple[str, str, bool]]) -> Sandbox:
        directory.mkdir()
        os.chmod(directory, 0o700)
        ids = self.ids.take(directory)
        # the session's folder is its block's (runc's init, root of the block, walks into it);
        # nobody else on the host may even look inside
        os.chown(directory, ids, ids)
        # the namespace and the disk do not depend on each other: make both at once
        net, _ = await _both(self._make_network(spec, directory) if spec.network else _nothing(),
                             asyncio.to_thread(self._make_disk, spec, directory))
        bundle = directory / "bundle"
        bundle.mkdir()
        os.chmod(bundle, 0o711)
        rootfs, extra_binds = await asyncio.to_thread(self._mount_root, directory, image, ids, net, extra_binds)
        etc = self._write_etc(bundle, net)
        identity = secrets.token_hex(16)  # envd proves it is this session's to a restarted server
        env = {"HOME": "/home/user", "USER": "root", "LOGNAME": "root", "SHELL": "/bin/bash",
               "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
               "TERM": "xterm-256color", "OPENBAY_SESSION_ID": spec.session_id, **CA_ENV, **image.env, **spec.envs,
               "ENVD_READY_FD": "3", "ENVD_LISTEN_FD": str(ENVD_LISTEN_FD), "OPENBAY_ENVD_IDENTITY": identity}
        limits = spec.limits
        write_bundle(bundle, BundleSpec(
            container_id=spec.session_id, rootfs=rootfs,
            args=["/usr/bin/tini", "-s", "-g", "--", "/usr/bin/python3", "-S", "-E", "-B", "/opt/envd/daemon.py"],
            env=env, cgroup_path=f"/{self.cgroup_parent}/{spec.session_id}", limits=limits,
            netns=net.netns_path if net else "", host_ids=ids,
            sysfs=str(directory / "sys") if net else "",
            shm_bytes=min(image.shm_bytes, limits.memory_bytes // 2),
            binds=[(str(self.envd_dir), "/opt/envd", True),
                   *((str(etc / n), f"/etc/{n}", True) for n in ("resolv.conf", "hosts")),
                   # what the host trusts, the session trusts (registries behind a TLS-inspecting proxy)
                   *([(HOST_CA_BUNDLE, HOST_CA_BUNDLE, True)] if os.path.exists(HOST_CA_BUNDLE) else []),
                   *extra_binds]))
        egress = self.firewall.session_rules(net, spec.network_policy, self.dns.port) if net else ""
        write_private(bundle / "meta.json", json.dumps({
            "image": image.ref, "memory_bytes": limits.memory_bytes, "disk_bytes": spec.disk_bytes,
            "started": time.time(), "identity": identity, "rules": rules_digest(egress), "ids": ids,
            "policy": dataclasses.asdict(spec.network_policy)}))
        # the egress rules go in while the container starts; both are done before anyone gets in
        rules = asyncio.ensure_future(self.firewall.apply(egress) if net else _nothing())
        ready_r, ready_w = os.pipe()
        listener = self._listen(spec.session_id)
        log_fd = os.open(bundle / "envd.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            pid, _ = await _both(self.runc.run_detached(spec.session_id, bundle, log_fd=log_fd,
                                                        fds=(ready_w, listener.fileno())), rules)
        except SandboxError as e:
            os.close(ready_r)
            raise SandboxError(f"{e}: {log_tail(bundle / 'envd.log')}") from None
        finally:
            os.close(ready_w)
            os.close(log_fd)
            listener.close()  # envd has it now
        sandbox = Sandbox(spec.session_id, self._envd(spec.session_id), pid)
        running = Running(sandbox, directory, image, pid, os.pidfd_open(pid), time.time(),
                           limits.memory_bytes, spec.disk_bytes, net, names_of(spec), ids=ids)
        self._running[spec.session_id] = running
        if net is not None:
            self._by_address[net.address] = running
        self._watch(running)
        try:
            await asyncio.wait_for(_read_ready(ready_r), START_TIMEOUT_S)
        except (asyncio.TimeoutError, EOFError):
            raise SandboxError(f"sandbox did not start: {log_tail(bundle / 'envd.log') or 'no output'}") from None
        finally:
            os.close(ready_r)
        self._in_background(asyncio.to_thread(let_go_of_clones, directory))
        return sandbox

    def _make_disk(self, spec: SandboxSpec, directory: Path) -> None:
        disk = directory / "disk"
        self.disks.create(directory / "disk.img", disk, spec.disk_bytes,
                          Path(spec.restore_disk) if spec.restore_disk else None)
        os.chmod(disk, 0o700)  # the session's files as they are on disk: the server's only
        for d in (disk / "upper", disk / "work"):
            d.mkdir(exist_ok=True)  # a restored disk brings its own upper layer
            os.chown(d, HOST_ID_BASE, HOST_ID_BASE)  # root inside, in the canonical range
        os.chmod(disk / "upper", 0o755)

    def _mount_root(self, directory: Path, image: ImageManifest, ids: int, net: network.SessionNet | None,
                    extra_binds: list[tuple[str, str, bool]]) -> tuple[Path, list[tuple[str, str, bool]]]:
        rootfs = mount_root(directory, list(reversed(self.images.layer_dirs(image))), self.ids.userns(ids))
        if net is not None:
            mount_sysfs_in(net.netns_path, directory / "sys")
        return rootfs, self._idmapped_binds(directory, extra_binds, ids)

    def _idmapped_binds(self, directory: Path, binds: list[tuple[str, str, bool]],
                        ids: int) -> list[tuple[str, str, bool]]:
        """Writable binds (the image builder's package cache, owned by the canonical range) as
        the session's block sees them."""
        out = []
        for i, (host, inside, read_only) in enumerate(binds):
            if not read_only:
                target = directory / f"bind-{i}"
                target.mkdir()
                idmap.mount_idmapped(Path(host), target, self.ids.userns(ids))
                host = str(target)
            out.append((host, inside, read_only))
        return out

    def _listen(self, session_id: str) -> socket.socket:
        """envd's listening socket, made here where no session reaches, handed to envd as a descriptor."""
        name = f"{session_id}.sock"
        try:
            os.unlink(name, dir_fd=self._sockets_fd)
        except FileNotFoundError:
            pass
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(f"/proc/self/fd/{self._sockets_fd}/{name}")
            sock.listen(256)
        except OSError:
            sock.close()
            raise
        return sock

    def _envd(self, session_id: str) -> EnvdClient:
        return EnvdClient.unix_beneath(self._sockets_fd, f"{session_id}.sock")

    def _watch(self, running: Running) -> None:
        """Notice at once when the sandbox's init exits (its pidfd becomes readable)."""
        loop = asyncio.get_running_loop()

        def exited() -> None:
            loop.remove_reader(running.pidfd)
            if running.exited:
                return
            running.exited = True
            reason = self._death_reason(running)
            log.warning("sandbox %s exited: %s", running.sandbox.session_id, reason)
            if self.on_exit is not None and self._running.get(running.sandbox.session_id) is running:
                self.on_exit(running.sandbox.session_id, reason)

        loop.add_reader(running.pidfd, exited)

    def _death_reason(self, running: Running) -> str:
        if self.oom_kills(running.sandbox.session_id):
            return f"sandbox exited: out of memory (limit {human_bytes(running.memory_bytes)})"
        return "sandbox exited: its init process (envd) ended"

    async def stop(self, session_id: str) -> None:
        running = self._running.get(session_id)
        if running is None:
            return
        await self._destroy(session_id, running.directory)

    def _forget(self, session_id: str) -> Running | None:
        """Stop watching a sandbox (it keeps running unless killed next)."""
        running = self._running.pop(session_id, None)
        if running is not None:
            running.exited = True
            try:
                asyncio.get_running_loop().remove_reader(running.pidfd)
            except (ValueError, OSError):
                pass
            os.close(running.pidfd)
            if running.net is not None:
                self._by_address.pop(running.net.address, None)
        return running

    async def _kill(self, session_id: str, directory: Path, running: Running | None) -> None:
        """The container goes, then its network (out of the caller's way: with no process left
        in it, nothing passes there); its files stay where they are."""
        net = running.net if running else network.SessionNet.load(directory / "net.json")
        if net is not None:
            self._by_address.pop(net.address, None)
        await self.runc.remove(session_id)
        try:
            os.unlink(f"{session_id}.sock", dir_fd=self._sockets_fd)
        except FileNotFoundError:
            pass
        ids = running.ids if running else read_meta(directory).get("ids")
        if ids is not None:  # no process of the session is left: its ids may serve another
            self.ids.release(ids, directory)
        if net is not None:
            self._in_background(self._remove_network(net))

    async def _remove_network(self, net: network.SessionNet) -> None:
        await network.delete_namespace(net)
        await self.firewall.remove_session(net)

    def _in_background(self, work) -> asyncio.Task:
        """Clean-up nobody waits for; close() does."""
        task = asyncio.get_running_loop().create_task(work)
        self._cleanups.add(task)
        task.add_done_callback(self._cleanups.discard)
        return task

    async def _destroy(self, session_id: str, directory: Path, running: Running | None = None,
                       wait: bool = False) -> None:
        """Kill the container, then unmount and remove its files out of the caller's way."""
        await self._kill(session_id, directory, self._forget(session_id) or running)
        task = self._in_background(asyncio.to_thread(self._remove_files, directory))
        if wait:
            await task

    def _remove_files(self, directory: Path) -> None:
        remove_tree(directory)

    async def close(self) -> None:
        """Stop every sandbox; a root with nothing left in it (no kept disks) goes as well."""
        await asyncio.gather(*(self.stop(sid) for sid in list(self._running)))
        await asyncio.gather(*list(self._cleanups))
        self.dns.close()
        if not self.runc.containers() and not any(self.dead_dir.glob("s-*")):
            remove_tree(self.root)
            shutil.rmtree(self.runc.state_dir, ignore_errors=True)
            shutil.rmtree(self.sockets, ignore_errors=True)
        self._let_go()

    async def pause(self, session_id: str) -> None:
        self._require(session_id)
        await self.runc.pause(session_id)

    async def resume(self, session_id: str) -> None:
        self._require(session_id)
        await self.runc.resume(session_id)

    def _require(self, session_id: str) -> Running:
        r = self._running.get(session_id)
        if r is None or r.exited:
            raise SandboxError(f"sandbox {session_id} is not running")
        return r


async def _read_ready(fd: int) -> None:
    loop = asyncio.get_running_loop()
    done: asyncio.Future = loop.create_future()

    def on_readable() -> None:
        data = os.read(fd, 64)
        if not done.done():
            if data.startswith(b"ready"):
                done.set_result(None)
            else:
                done.set_exception(EOFError())

    loop.add_reader(fd, on_readable)
    try:
        await done
    finally:
        loop.remove_reader(fd)


async def _nothing() -> None:
    return None


async def _both(first, second) -> tuple:
    """Run two steps at once; wait for both even when one fails, then raise the first failure."""
    results = await asyncio.gather(first, second, return_exceptions=True)
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return tuple(results)


def _install_envd(root: Path) -> Path:
    """envd's code where sandboxes mount it from: one folder per version of it, never changed or
    removed while a server runs, so sandboxes that outlive an upgrade (reattached later, or run
    by another replica) still load the modules they import on first use from their own version."""
    files = sorted((p.relative_to(ENVD_DIR).as_posix(), p.read_bytes()) for p in ENVD_DIR.rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts)
    digest = hashlib.sha256(b"compiled")  # the folder's layout: its bytecode is there too
    for rel, data in files:
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    target = root / f"envd-{digest.hexdigest()[:16]}"
    if target.is_dir():
        return target
    staging = Path(tempfile.mkdtemp(prefix=".envd-", dir=root))
    shutil.copytree(ENVD_DIR, staging, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    # compiled once here, not by every sandbox's Python at its start (on the cold-start path);
    # the images' Python is Debian's, the server's too where setup made it: the same bytecode
    compileall.compile_dir(staging, quiet=1, workers=1,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    for path in (staging, *staging.rglob("*")):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    try:
        staging.rename(target)  # atomic: servers starting side by side never see half a copy
    except OSError:  # another one put the same version there first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def default_sandbox_root(state_dir: Path) -> Path:
    """Where sandboxes of the server with this state directory live.

    Outside the state directory on purpose: the state directory (store, keys) stays 0700.
    """
    tag = hashlib.sha256(str(Path(state_dir).resolve()).encode()).hexdigest()[:10]
    VAR_ROOT.mkdir(parents=True, exist_ok=True)
    os.chmod(VAR_ROOT, 0o711)
    return VAR_ROOT / tag
