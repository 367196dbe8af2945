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
import dataclasses
import hashlib
import hmac
import json
import logging
import os
import secrets
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import idmap, image_catalog, network
from .backend import (
    DiskUsage,
    ExitNotices,
    KeptDisks,
    NetworkPolicy,
    OomReports,
    Pausable,
    Reattach,
    Sandbox,
    SandboxError,
    SandboxMetrics,
    SandboxRoot,
    SandboxSpec,
    Snapshots,
    Templates,
    human_bytes,
)
from .disk import SessionDisks
from .dns_proxy import HOST_NAME, DnsProxy, NamePolicy, upstream_from_resolv_conf
from .envd.client import EnvdClient
from .firewall import Firewall, is_cidr, rules_digest
from .id_pool import IdPool
from .image_store import ImageManifest, ImageStore, remove_tree, tree_size
from .runtime import HOST_ID_BASE, BundleSpec, Runc, write_bundle
from .session_mounts import let_go_of_clones, mount_root, mount_sysfs_in, umount

log = logging.getLogger("openbay.sandbox")
ENVD_DIR = Path(__file__).parent / "envd"
VAR_ROOT = Path(os.environ.get("OPENBAY_VAR_DIR", "/var/lib/openbay"))
START_TIMEOUT_S = 20.0
HOST_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
# programs that carry their own CA list (Node, Python's requests/certifi) use the system's
CA_ENV = {"NODE_EXTRA_CA_CERTS": HOST_CA_BUNDLE, "REQUESTS_CA_BUNDLE": HOST_CA_BUNDLE,
          "SSL_CERT_FILE": HOST_CA_BUNDLE}
CGROUP_ROOT = Path("/sys/fs/cgroup")
RUN_ROOT = Path("/run/openbay")
ENVD_LISTEN_FD = 4  # after the ready pipe at 3


@dataclass
class _Running:
    sandbox: Sandbox
    directory: Path
    image: ImageManifest
    pid: int
    pidfd: int
    started: float
    memory_bytes: int
    disk_bytes: int
    net: network.SessionNet | None = None
    names: NamePolicy | None = None
    exited: bool = False
    ids: int | None = None  # the first host id of the session's block


class LocalBackend(Pausable, Reattach, KeptDisks, OomReports, DiskUsage, ExitNotices, Templates, Snapshots,
                   SandboxRoot):
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
        self._running: dict[str, _Running] = {}
        self._by_address: dict[str, _Running] = {}  # session address -> session (the DNS proxy asks)
        self._cleanups: set[asyncio.Task] = set()
        self._keeping: dict[str, asyncio.Future] = {}  # dead sessions whose disk is being put aside
        self.firewall = Firewall()
        upstream = os.environ.get("OPENBAY_DNS_UPSTREAM")
        self.dns = DnsProxy(self._dns_client, _host_port(upstream) if upstream else upstream_from_resolv_conf())
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
                                   f"python -m openbay.sandbox.image_build {ref}")
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
        _write_private(bundle / "meta.json", json.dumps({
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
            raise SandboxError(f"{e}: {_tail(bundle / 'envd.log')}") from None
        finally:
            os.close(ready_w)
            os.close(log_fd)
            listener.close()  # envd has it now
        sandbox = Sandbox(spec.session_id, self._envd(spec.session_id), pid)
        running = _Running(sandbox, directory, image, pid, os.pidfd_open(pid), time.time(),
                           limits.memory_bytes, spec.disk_bytes, net, _names(spec), ids=ids)
        self._running[spec.session_id] = running
        if net is not None:
            self._by_address[net.address] = running
        self._watch(running)
        try:
            await asyncio.wait_for(_read_ready(ready_r), START_TIMEOUT_S)
        except (asyncio.TimeoutError, EOFError):
            raise SandboxError(f"sandbox did not start: {_tail(bundle / 'envd.log') or 'no output'}") from None
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

    async def _make_network(self, spec: SandboxSpec, directory: Path) -> network.SessionNet:
        """The session's own namespace, its egress rules, and its DNS through the proxy."""
        if self._network_ready is None:
            self._network_ready = asyncio.ensure_future(self._setup_network())
        await asyncio.shield(self._network_ready)
        net = await network.create_namespace()
        net.save(directory / "net.json")
        return net

    async def _setup_network(self) -> None:
        network.enable_forwarding()
        await self.firewall.setup()
        # the same port as the last server's, when free: the sessions' rules point at it
        port_file = self.root / "dns-port"
        try:
            await self.dns.start(port=int(port_file.read_text()))
        except (OSError, ValueError):
            await self.dns.start()
        port_file.write_text(str(self.dns.port))

    def _dns_client(self, address: str):
        running = self._by_address.get(address)
        if running is None or running.net is None:
            return None
        net = running.net

        async def learn(kind: str, addresses: list[str], ttl: int) -> None:
            await self.firewall.learn(net, kind, addresses, ttl)
        return net.gateway, running.names or NamePolicy(), learn

    def _write_etc(self, bundle: Path, net: network.SessionNet | None) -> Path:
        etc = bundle / "etc"
        etc.mkdir()
        hosts = "127.0.0.1\tlocalhost sandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        if net is not None:
            hosts += f"{net.gateway}\t{HOST_NAME}\n"
        (etc / "hosts").write_text(hosts)
        (etc / "resolv.conf").write_text(f"nameserver {net.gateway}\noptions timeout:2 attempts:2\n" if net else "")
        for f in etc.iterdir():
            os.chmod(f, 0o644)
        return etc

    def _watch(self, running: _Running) -> None:
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

    def _death_reason(self, running: _Running) -> str:
        if self.oom_kills(running.sandbox.session_id):
            return f"sandbox exited: out of memory (limit {human_bytes(running.memory_bytes)})"
        return "sandbox exited: its init process (envd) ended"

    def _cgroup(self, controller: str, session_id: str) -> Path:
        return CGROUP_ROOT / controller / self.cgroup_parent / session_id

    def oom_kills(self, session_id: str) -> int:
        """How many processes the kernel killed for the sandbox's memory limit."""
        try:
            for line in (self._cgroup("memory", session_id) / "memory.oom_control").read_text().splitlines():
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def memory_limit(self, session_id: str) -> int | None:
        r = self._running.get(session_id)
        return r.memory_bytes if r else None

    async def stop(self, session_id: str) -> None:
        running = self._running.get(session_id)
        if running is None:
            return
        await self._destroy(session_id, running.directory)

    def _forget(self, session_id: str) -> _Running | None:
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

    async def _kill(self, session_id: str, directory: Path, running: _Running | None) -> None:
        """The container goes, then its network (out of the caller's way: with no process left
        in it, nothing passes there); its files stay where they are."""
        net = running.net if running else network.SessionNet.load(directory / "net.json")
        if net is not None:
            self._by_address.pop(net.address, None)
        await self.runc.kill(session_id)
        await self.runc.delete(session_id)
        try:
            os.unlink(f"{session_id}.sock", dir_fd=self._sockets_fd)
        except FileNotFoundError:
            pass
        ids = running.ids if running else _read_meta(directory).get("ids")
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

    async def _destroy(self, session_id: str, directory: Path, running: _Running | None = None,
                       wait: bool = False) -> None:
        """Kill the container, then unmount and remove its files out of the caller's way."""
        await self._kill(session_id, directory, self._forget(session_id) or running)
        task = self._in_background(asyncio.to_thread(self._remove_files, directory))
        if wait:
            await task

    async def snapshot(self, session_id: str, ref: str, owner_id: str, description: str = "") -> ImageManifest:
        """The session's files now (its upper layer) as an image of the owner: sessions made
        from it start where this one is (fork). Processes are frozen while it is copied."""
        r = self._require(session_id)
        staging = self.images.new_staging("snap")
        was_paused = self.is_paused(session_id)
        try:
            if not was_paused:
                await self.runc.pause(session_id)
            try:
                await copy_tree(r.directory / "disk" / "upper", staging / "layer")
            finally:
                if not was_paused:
                    await self.runc.resume(session_id)
            with self.images.lock():
                digest = await asyncio.to_thread(self.images.add_layer, staging / "layer")
                manifest = ImageManifest(
                    ref=ref, kind=r.image.kind, layers=[*r.image.layers, digest], env=dict(r.image.env),
                    shm_bytes=r.image.shm_bytes, owner_id=owner_id, parent=r.image.ref, snapshot_of=session_id,
                    size_bytes=await asyncio.to_thread(tree_size, self.images.layers / digest),
                    description=description)
                self.images.put(manifest)
            return manifest
        finally:
            remove_tree(staging)

    async def commit(self, session_id: str, into: Path) -> None:
        """Stop the sandbox and keep its upper layer (what it changed) at `into`."""
        running = self._require(session_id)
        self._forget(session_id)
        await self._kill(session_id, running.directory, running)
        umount(running.directory / "rootfs")
        try:
            await copy_tree(running.directory / "disk" / "upper", into)
        finally:
            await asyncio.to_thread(self._remove_files, running.directory)

    def _remove_files(self, directory: Path) -> None:
        remove_tree(directory)

    async def reattach(self, session_id: str) -> Sandbox | None:
        """After a server restart: the session's sandbox, if it is alive and its envd proves it is
        this session's; None otherwise (the caller marks the session dead)."""
        directory = self.root / session_id
        meta = _read_meta(directory)
        pid = self.runc.init_pid(session_id)
        image = self.images.get(meta["image"]) if meta.get("image") else None  # no meta: not (or no longer) here
        # a sandbox from before envd's socket was the server's own (its socket in a folder the
        # session could write) is not trusted again
        if pid is None or image is None or "ids" not in meta:
            return None
        if not self.ids.retake(meta["ids"], directory):
            log.warning("sandbox %s: its host ids %d are claimed by another session", session_id, meta["ids"])
            return None
        sandbox = Sandbox(session_id, self._envd(session_id), pid)
        if not self._frozen(session_id) and not await _proves_identity(sandbox, meta["identity"]):
            log.warning("sandbox %s did not prove its identity; not reattached", session_id)
            return None
        net = network.SessionNet.load(directory / "net.json")
        policy = NetworkPolicy(**{k: tuple(v) for k, v in meta.get("policy", {}).items()})
        if net is not None:
            if self._network_ready is None:
                self._network_ready = asyncio.ensure_future(self._setup_network())
            await asyncio.shield(self._network_ready)
            rules = self.firewall.session_rules(net, policy, self.dns.port)
            # an older OpenBay's rules, or a DNS proxy that could not get its old port back
            if rules_digest(rules) != meta.get("rules"):
                await self.firewall.apply(rules)
                _write_private(directory / "bundle" / "meta.json", json.dumps({**meta, "rules": rules_digest(rules)}))
        try:
            pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            return None
        running = _Running(sandbox, directory, image, pid, pidfd, meta["started"], meta["memory_bytes"],
                           meta["disk_bytes"], net, _name_policy(policy), ids=meta["ids"])
        self._running[session_id] = running
        if net is not None:
            self._by_address[net.address] = running
        self._watch(running)
        return sandbox

    def is_paused(self, session_id: str) -> bool:
        return session_id in self._running and self._frozen(session_id)

    def _frozen(self, session_id: str) -> bool:
        return _read_text(self._cgroup("freezer", session_id) / "freezer.state") == "FROZEN"

    def forget(self, session_id: str) -> None:
        """Another server process sharing this root (a replica) ended the session and stops its
        sandbox: stop watching it here, touching nothing."""
        self._forget(session_id)

    async def detach(self) -> None:
        """Server shutdown that leaves every sandbox running, for the next server to reattach."""
        for session_id in list(self._running):
            self._forget(session_id)
        await asyncio.gather(*list(self._cleanups))
        self.dns.close()
        self._let_go()

    def _let_go(self) -> None:
        """The descriptors this backend held: envd's folder, the id blocks' user namespaces."""
        if self._sockets_fd >= 0:  # detach, then close: once
            os.close(self._sockets_fd)
            self._sockets_fd = -1
        self.ids.close()

    async def keep_files(self, session_id: str) -> None:
        """A session that died: its sandbox goes, its disk stays (for `restore_from`) for a while."""
        task = asyncio.ensure_future(self._keep_files(session_id))
        self._keeping[session_id] = task
        try:
            await task
        finally:
            self._keeping.pop(session_id, None)

    async def _keep_files(self, session_id: str) -> None:
        directory = self.root / session_id
        await self._kill(session_id, directory, self._forget(session_id))
        if directory.exists():
            await asyncio.to_thread(self._keep_disk, directory, self.dead_dir / session_id)

    @property
    def dead_dir(self) -> Path:
        return self.root / ".dead"

    def _keep_disk(self, directory: Path, keep: Path) -> None:
        umount(directory / "rootfs")
        umount(directory / "disk")
        keep.mkdir(parents=True, exist_ok=True)
        os.chmod(keep.parent, 0o700)
        for name in ("disk.img", "bundle/meta.json"):
            if (directory / name).exists():
                os.replace(directory / name, keep / Path(name).name)
        remove_tree(directory)

    async def kept_disk(self, session_id: str) -> Path | None:
        """The disk a dead session left (once it is put aside, if that is still going on)."""
        if session_id in self._keeping:
            await asyncio.shield(self._keeping[session_id])
        path = self.dead_dir / session_id / "disk.img"
        return path if path.exists() else None

    def sweep_kept(self, older_than_s: float) -> list[str]:
        """Forget the disks of dead sessions after the grace period."""
        gone = []
        now = time.time()
        for d in self.dead_dir.glob("s-*"):
            if now - d.stat().st_mtime > older_than_s:
                remove_tree(d)
                gone.append(d.name)
        return gone

    async def cleanup_stale(self) -> list[str]:
        """Remove containers and directories an earlier server left that no one reattached."""
        removed = []
        for cid in self.runc.containers():
            if cid not in self._running:
                await self.runc.kill(cid)
                await self.runc.delete(cid)
        for d in self.root.iterdir():
            if d.is_dir() and d.name.startswith(("s-", "b-")) and d.name not in self._running:
                if d.name.startswith("s-"):  # nothing is deleted because of a crash
                    await self.keep_files(d.name)
                else:
                    await asyncio.to_thread(self._remove_files, d)
                removed.append(d.name)
        return removed

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

    def _require(self, session_id: str) -> _Running:
        r = self._running.get(session_id)
        if r is None or r.exited:
            raise SandboxError(f"sandbox {session_id} is not running")
        return r

    async def metrics(self, session_id: str) -> SandboxMetrics:
        r = self._require(session_id)
        m = await asyncio.to_thread(self._read_metrics, r)
        if r.net is not None:
            m = dataclasses.replace(m, denied_connections=await self.firewall.denied(r.net))
        return m

    def _read_metrics(self, r: _Running) -> SandboxMetrics:
        sid = r.sandbox.session_id
        memory = _read_int(self._cgroup("memory", sid) / "memory.usage_in_bytes")
        cache = _stat_value(self._cgroup("memory", sid) / "memory.stat", "total_inactive_file") or 0
        procs = _read_int(self._cgroup("pids", sid) / "pids.current")
        cpu_ns = _read_int(self._cgroup("cpuacct", sid) / "cpuacct.usage")
        uptime = time.time() - r.started
        usage = self.disks.usage(r.directory / "disk")
        rx, tx = network.interface_bytes(r.net) if r.net else (None, None)
        return SandboxMetrics(
            net_rx_bytes=rx, net_tx_bytes=tx,
            cpu_percent=round(100 * cpu_ns / 1e9 / uptime, 2) if cpu_ns is not None and uptime > 0 else None,
            memory_used_bytes=None if memory is None else max(memory - cache, 0),
            memory_limit_bytes=r.memory_bytes,
            disk_used_bytes=usage[0] if usage else None, disk_quota_bytes=r.disk_bytes,
            processes=procs, uptime_s=round(uptime, 3))

    def disk_usage(self, session_id: str) -> tuple[int | None, int | None]:
        """(used, quota) bytes of a running session's disk."""
        r = self._running.get(session_id)
        if r is None:
            return None, None
        usage = self.disks.usage(r.directory / "disk")
        return (usage[0] if usage else None), r.disk_bytes

    def stats(self) -> dict:
        return {"running": len(self._running)}


async def copy_tree(source: Path, target: Path) -> None:
    """A copy keeping owners, modes, whiteouts and overlay xattrs (a reflink where the disk can)."""
    proc = await asyncio.create_subprocess_exec(
        "cp", "-a", "--reflink=auto", str(source), str(target),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, err = await proc.communicate()
    if proc.returncode != 0:
        raise SandboxError(f"copying {source} failed: {err.decode(errors='replace').strip()[:500]}")


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


def _tail(path: Path, limit: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-limit:].strip()
    except OSError:
        return ""


async def _nothing() -> None:
    return None


async def _both(first, second) -> tuple:
    """Run two steps at once; wait for both even when one fails, then raise the first failure."""
    results = await asyncio.gather(first, second, return_exceptions=True)
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return tuple(results)


async def _proves_identity(sandbox: Sandbox, identity: str) -> bool:
    nonce = secrets.token_hex(16)
    try:
        answer = await asyncio.wait_for(sandbox.envd.call({"op": "ping", "nonce": nonce}), 3.0)
    except (asyncio.TimeoutError, OSError, Exception):
        return False
    expected = hmac.new(identity.encode(), nonce.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(str(answer.get("proof", "")), expected)


def _read_text(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _read_meta(directory: Path) -> dict:
    try:
        return json.loads((directory / "bundle" / "meta.json").read_text())
    except (OSError, ValueError):
        return {}


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def _names(spec: SandboxSpec) -> NamePolicy:
    return _name_policy(spec.network_policy)


def _name_policy(policy: NetworkPolicy) -> NamePolicy:
    return NamePolicy(allow=[e for e in policy.allow_out if not is_cidr(e)],
                      deny=[e for e in policy.deny_out if not is_cidr(e)])


def _host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return (host, int(port)) if host else (text, 53)


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _stat_value(path: Path, key: str) -> int | None:
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return None


def _install_envd(root: Path) -> Path:
    """envd's code where sandboxes mount it from: one folder per version of it, never changed or
    removed while a server runs, so sandboxes that outlive an upgrade (reattached later, or run
    by another replica) still load the modules they import on first use from their own version."""
    files = sorted((p.relative_to(ENVD_DIR).as_posix(), p.read_bytes()) for p in ENVD_DIR.rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts)
    digest = hashlib.sha256()
    for rel, data in files:
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    target = root / f"envd-{digest.hexdigest()[:16]}"
    if target.is_dir():
        return target
    staging = Path(tempfile.mkdtemp(prefix=".envd-", dir=root))
    shutil.copytree(ENVD_DIR, staging, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
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
