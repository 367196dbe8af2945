"""The local backend: one bubblewrap sandbox per session on this machine.

Each sandbox runs as its own host uid (no capabilities, nothing of root's is
readable), in new user, mount, PID, IPC and UTS namespaces (and network, for
`network: none`), sees /usr and a short list of /etc read-only, gets a private
home at /home/user, and runs envd as the only door in.

bwrap runs as the sandbox uid, so the sandbox root must be reachable by it: its
ancestors are traversable (0711) but not listable, each session directory holds
a home and run directory that only that session's uid can open.
"""
import asyncio
import collections
import hashlib
import logging
import os
import resource
import shutil
import signal
from dataclasses import dataclass, field
from pathlib import Path

from .backend import Sandbox, SandboxError, SandboxSpec
from .cgroups import CgroupManager
from .envd.client import EnvdClient
from .images import IMAGES

log = logging.getLogger("openbay.sandbox")
ENVD_DIR = Path(__file__).parent / "envd"
SANDBOX_UID = 1000
# /etc entries every sandbox sees (read-only); the rest of the host's /etc stays hidden
BASE_ETC = ("hosts", "resolv.conf", "nsswitch.conf", "host.conf", "gai.conf", "ssl",
            "ca-certificates", "ca-certificates.conf", "alternatives", "fonts", "ld.so.cache",
            "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "mime.types", "bash.bashrc",
            "profile", "inputrc", "os-release", "debian_version", "protocols", "services",
            "python3", "python3.11", "terminfo", "locale.alias", "magic", "papersize")
UID_FLOOR = 1_000_000  # far above any real account
UID_COUNT = 65_536
UID_BLOCKS = 32_000  # keeps uids below 2**31: bwrap (and others) take them as signed ints
START_TIMEOUT_S = 15.0
UNIX_PATH_MAX = 107


@dataclass
class _Running:
    sandbox: Sandbox
    process: asyncio.subprocess.Process
    uid: int
    directory: Path
    cgroups: list[Path] = field(default_factory=list)


class LocalBackend:
    name = "local"

    def __init__(self, root: Path, *, uid_base: int | None = None, uid_count: int = UID_COUNT,
                 bwrap: str = "bwrap", python: str = "/usr/bin/python3",
                 cgroups: CgroupManager | None = None):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o711)
        self.envd_dir = self.root / "envd"
        shutil.rmtree(self.envd_dir, ignore_errors=True)
        shutil.copytree(ENVD_DIR, self.envd_dir, ignore=shutil.ignore_patterns("__pycache__"))
        for path in (self.envd_dir, *self.envd_dir.iterdir()):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        self.bwrap = shutil.which(bwrap) or bwrap
        self.python = python
        # a namespace per sandbox root: another server's stale-cgroup sweep must not
        # kill this server's sandboxes (tests and a dev server share one machine)
        root_hash = int(hashlib.sha256(str(self.root.resolve()).encode()).hexdigest(), 16)
        self.cgroups = cgroups if cgroups is not None else CgroupManager(f"openbay-{root_hash:x}"[:18])
        if uid_base is None:
            # a uid range per sandbox root, so two servers on one machine never share a uid
            # (and with it RLIMIT_NPROC's count or file ownership)
            uid_base = UID_FLOOR + (root_hash % UID_BLOCKS) * UID_COUNT
        # first in, first out: a freed uid goes to the back, far from its next use
        self._free_uids = collections.deque(range(uid_base, uid_base + uid_count))
        self._running: dict[str, _Running] = {}
        self._cleanups: set[asyncio.Task] = set()
        longest = self.root / ("s-" + "0" * 24) / "run" / "envd.sock"
        if len(str(longest)) > UNIX_PATH_MAX:
            raise SandboxError(f"state directory {self.root} is too deep for unix sockets; "
                               "choose a shorter OPENBAY_HOME")

    def check(self) -> None:
        """Fail early, with the fix, when the machine cannot run sandboxes."""
        if not shutil.which(self.bwrap):
            raise SandboxError("bubblewrap is not installed: apt-get install bubblewrap")
        if not os.access(self.python, os.X_OK):
            raise SandboxError(f"{self.python} is missing: apt-get install python3")

    def is_alive(self, session_id: str) -> bool:
        r = self._running.get(session_id)
        return r is not None and r.process.returncode is None

    def get(self, session_id: str) -> Sandbox | None:
        r = self._running.get(session_id)
        return r.sandbox if r else None

    async def start(self, spec: SandboxSpec) -> Sandbox:
        if spec.image_id not in IMAGES:
            raise SandboxError(f"unknown image {spec.image_id!r}")
        if not self._free_uids:
            raise SandboxError("no sandbox uids left")
        uid = self._free_uids.popleft()
        directory = self.root / spec.session_id
        try:
            return await self._start(spec, uid, directory)
        except BaseException:
            self._cleanup(spec.session_id, uid, directory, [])
            raise

    async def _start(self, spec: SandboxSpec, uid: int, directory: Path) -> Sandbox:
        home, run, etc = directory / "home", directory / "run", directory / "etc"
        for d in (home, run, etc):
            d.mkdir(parents=True, exist_ok=True)
        os.chmod(directory, 0o711)
        for d in (home, run):
            os.chown(d, uid, uid)
            os.chmod(d, 0o700)
        self._write_identity(etc, spec.session_id)
        cgroups = await asyncio.to_thread(self.cgroups.create, spec.session_id, spec.limits)
        image = IMAGES[spec.image_id]
        args = [self.bwrap, "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
                "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                "--hostname", "sandbox", "--die-with-parent", "--new-session",
                "--ro-bind", "/usr", "/usr",
                "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
                "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                "--proc", "/proc", "--dev", "/dev",
                "--size", str(image.shm_size), "--tmpfs", "/dev/shm",
                "--tmpfs", "/tmp", "--tmpfs", "/var/tmp", "--tmpfs", "/run",
                "--dir", "/var/cache", "--dir", "/home",
                # the host's font cache: without it every X app rescans all fonts (1-2 s)
                "--ro-bind-try", "/var/cache/fontconfig", "/var/cache/fontconfig",
                "--bind", str(home), "/home/user",
                "--bind", str(run), "/run/envd",
                "--ro-bind", str(self.envd_dir), "/opt/envd"]
        if not spec.network:
            args.append("--unshare-net")
        for name in ("passwd", "group", "hostname"):
            args += ["--ro-bind", str(etc / name), f"/etc/{name}"]
        for name in BASE_ETC + image.extra_etc:
            if os.path.exists(f"/etc/{name}"):
                args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
        for path in image.extra_ro:
            if os.path.exists(path):
                args += ["--ro-bind", path, path]
        args += ["--chdir", "/home/user", "--",
                 # -S: no site, so no .pth hooks of the host's dist-packages run in envd (stdlib only)
                 self.python, "-S", "-E", "-B", "/opt/envd/daemon.py", "/run/envd/envd.sock"]

        ready_r, ready_w = os.pipe()
        env = {"HOME": "/home/user", "USER": "user", "LOGNAME": "user", "SHELL": "/bin/bash",
               "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "TERM": "xterm-256color",
               "OPENBAY_SESSION_ID": spec.session_id, **dict(image.env), **spec.envs,
               "ENVD_READY_FD": str(ready_w)}
        log_fd = os.open(directory / "envd.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        limits = spec.limits
        try:
            process = await asyncio.create_subprocess_exec(
                *args, stdin=asyncio.subprocess.DEVNULL, stdout=log_fd, stderr=log_fd,
                pass_fds=(ready_w,), env=env,
                preexec_fn=lambda: _enter_sandbox_identity(uid, cgroups, limits.max_processes))
        finally:
            for fd in (ready_w, log_fd):
                os.close(fd)
        running = _Running(Sandbox(spec.session_id, EnvdClient.unix(str(run / "envd.sock")),
                                   process.pid), process, uid, directory, cgroups)
        self._running[spec.session_id] = running
        try:
            await asyncio.wait_for(_read_ready(ready_r), START_TIMEOUT_S)
        except (asyncio.TimeoutError, EOFError):
            detail = (directory / "envd.log").read_text(errors="replace")[-2000:].strip()
            raise SandboxError(f"sandbox did not start: {detail or 'no output'}") from None
        finally:
            os.close(ready_r)
        return running.sandbox

    @staticmethod
    def _write_identity(etc: Path, session_id: str) -> None:
        (etc / "passwd").write_text(
            "root:x:0:0:root:/root:/usr/sbin/nologin\n"
            f"user:x:{SANDBOX_UID}:{SANDBOX_UID}:user:/home/user:/bin/bash\n"
            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
        (etc / "group").write_text(f"root:x:0:\nuser:x:{SANDBOX_UID}:\nnogroup:x:65534:\n")
        (etc / "hostname").write_text("sandbox\n")
        for f in etc.iterdir():
            os.chmod(f, 0o644)

    async def stop(self, session_id: str) -> None:
        running = self._running.pop(session_id, None)
        if running is None:
            return
        proc = running.process
        if proc.returncode is None:
            try:  # bwrap is PID 1 of the sandbox: its death takes the whole tree with it
                proc.send_signal(signal.SIGKILL)
            except ProcessLookupError:
                pass
            await proc.wait()
        # the sandbox is dead and its directory out of sight now; removing files and
        # cgroups (which waits for the last processes to be reaped) goes on in the
        # background, and the uid is free again only when that is done
        trash = running.directory.with_name(".trash-" + running.directory.name)
        try:
            os.rename(running.directory, trash)
        except OSError:
            trash = running.directory
        task = asyncio.get_running_loop().create_task(asyncio.to_thread(
            self._cleanup, session_id, running.uid, trash, running.cgroups))
        self._cleanups.add(task)
        task.add_done_callback(self._cleanups.discard)

    def _cleanup(self, session_id: str, uid: int, directory: Path, cgroups: list[Path]) -> None:
        self._running.pop(session_id, None)
        self.cgroups.destroy(cgroups)
        shutil.rmtree(directory, ignore_errors=True)
        self._free_uids.append(uid)

    async def cleanup_stale(self) -> list[str]:
        removed = []
        for d in self.cgroups.stale():
            if d.name not in self._running:
                self.cgroups.destroy([d])
        for d in self.root.iterdir():
            if d.is_dir() and d.name.startswith(("s-", ".trash-")) and d.name not in self._running:
                shutil.rmtree(d, ignore_errors=True)
                removed.append(d.name)
        return removed

    async def close(self) -> None:
        await asyncio.gather(*(self.stop(sid) for sid in list(self._running)))
        await asyncio.gather(*list(self._cleanups))

    def stats(self) -> dict:
        return {"running": len(self._running), "cgroups": self.cgroups.enabled}


def _enter_sandbox_identity(uid: int, cgroups: list[Path], max_processes: int) -> None:
    """In the child, before exec: join the cgroups, cap processes, drop to the sandbox uid."""
    CgroupManager.attach_self(cgroups)
    # the uid is this sandbox's alone, so RLIMIT_NPROC counts only its processes
    resource.setrlimit(resource.RLIMIT_NPROC, (max_processes, max_processes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


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


def default_sandbox_root(state_dir: Path) -> Path:
    """Where sandboxes of the server with this state directory live.

    Outside the state directory on purpose: the state directory (store, keys)
    stays 0700, while sandbox uids need to traverse to their own directory.
    """
    import hashlib
    tag = hashlib.sha256(str(Path(state_dir).resolve()).encode()).hexdigest()[:10]
    base = Path("/var/lib/openbay")
    base.mkdir(parents=True, exist_ok=True)
    os.chmod(base, 0o711)
    return base / tag
