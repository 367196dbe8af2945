"""runc, the OCI runtime that runs each sandbox: bundles, and the calls made on them.

A sandbox is an OCI bundle (config.json + a root file system that the caller has
mounted) run detached, so it outlives the server that started it. Root inside maps
to the first id of the sandbox's own block of 65,536 host ids (`id_pool`); on disk,
image files are owned by the canonical range (`HOST_ID_BASE` + the id inside), which
sandboxes see through idmapped mounts (`idmap`). Isolation between sandboxes rests on
their own mount, PID, IPC, UTS, user and network namespaces and ids, cgroups, an
allow-list seccomp filter, no new privileges, and capabilities limited to the namespaced ones.
"""
from __future__ import annotations

import asyncio
import fcntl
import json
import os
import resource
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..backend import ResourceLimits, SandboxError
from . import seccomp

HOST_ID_BASE = 1_000_000
HOST_ID_COUNT = 65_536
CPU_PERIOD_US = 100_000
EXIT_WAIT_S = 5.0  # bounds the wait for a killed container's init; runc's own wait follows
# what root inside may do: the capabilities a container runtime grants by default, all of
# them scoped to the sandbox's own user namespace
CAPABILITIES = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
                "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
                "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]
# runc's default masks, what tells about the host's disks, firmware and kernel, and host-wide
# counters (/proc/diskstats names every session's disk by its loop device)
MASKED = ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/proc/diskstats",
          "/proc/partitions", "/sys/firmware", "/sys/devices/virtual/powercap", "/sys/devices/virtual/dmi",
          "/sys/class/dmi", "/sys/kernel", "/sys/module", "/sys/fs", "/sys/block", "/sys/class/block",
          "/sys/dev/block", "/sys/devices/virtual/block", "/sys/class/bdi", "/sys/devices/virtual/bdi",
          "/sys/bus/scsi", "/sys/class/scsi_disk", "/sys/class/nvme", "/sys/devices/virtual/misc",
          "/sys/class/misc", "/sys/devices/system/memory"]
READONLY = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]


@dataclass
class BundleSpec:
    """What one sandbox's config.json says."""
    container_id: str
    rootfs: Path
    args: list[str]
    env: dict[str, str]
    cgroup_path: str
    limits: ResourceLimits
    cwd: str = "/home/user"
    hostname: str = "sandbox"
    netns: str | None = None  # a path to join; None shares the host's network
    shm_bytes: int = 64 * 1024 * 1024
    binds: list[tuple[str, str, bool]] = field(default_factory=list)  # (host, inside, read-only)
    host_ids: int = HOST_ID_BASE  # the first host id of the session's own block (root inside)
    sysfs: str = ""  # a sysfs the host mounted in the session's network namespace; "" = runc mounts one


def bundle_config(spec: BundleSpec) -> dict:
    mounts = [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "nodev", "mode=1777", f"size={spec.shm_bytes}"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
    ]
    namespaces = [{"type": t} for t in ("pid", "ipc", "uts", "mount", "user", "cgroup")]
    if spec.netns is not None:
        namespaces.append({"type": "network", **({"path": spec.netns} if spec.netns else {})})
    # a user namespace may mount a sysfs only for a network namespace it owns: the session's is
    # made on the host before it (so its network is up when envd starts), so the host mounts
    # that one; either way /sys shows the session's own network devices only
    sysfs_options = ["nosuid", "noexec", "nodev", "ro"]
    mounts.append({"destination": "/sys", "type": "none", "source": spec.sysfs, "options": ["rbind", *sysfs_options]}
                  if spec.sysfs else {"destination": "/sys", "type": "sysfs", "source": "sysfs",
                                      "options": sysfs_options})
    for host, inside, read_only in spec.binds:
        mounts.append({"destination": inside, "type": "none", "source": host,
                       "options": ["rbind", "nosuid", "nodev"] + (["ro"] if read_only else ["rw"])})
    limits = spec.limits
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False, "user": {"uid": 0, "gid": 0}, "args": spec.args,
            "env": [f"{k}={v}" for k, v in spec.env.items()], "cwd": spec.cwd,
            "capabilities": {k: CAPABILITIES for k in ("bounding", "effective", "permitted")},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": _nofile(), "soft": _nofile()},
                        {"type": "RLIMIT_CORE", "hard": 0, "soft": 0}],
            "noNewPrivileges": True,
        },
        "root": {"path": str(spec.rootfs), "readonly": False},
        "hostname": spec.hostname,
        "mounts": mounts,
        "linux": {
            "uidMappings": [{"containerID": 0, "hostID": spec.host_ids, "size": HOST_ID_COUNT}],
            "gidMappings": [{"containerID": 0, "hostID": spec.host_ids, "size": HOST_ID_COUNT}],
            "namespaces": namespaces,
            "cgroupsPath": spec.cgroup_path,
            "resources": {
                "memory": {"limit": limits.memory_bytes, "swap": limits.memory_bytes},
                "pids": {"limit": limits.max_processes},
                "cpu": {"quota": int(limits.cpu_cores * CPU_PERIOD_US), "period": CPU_PERIOD_US},
                "devices": [{"allow": False, "access": "rwm"}] + [
                    {"allow": True, "type": "c", "major": ma, "minor": mi, "access": "rwm"}
                    for ma, mi in ((1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 2), (136, -1))],
            },
            "maskedPaths": MASKED,
            "readonlyPaths": READONLY,
            "seccomp": seccomp.profile(),
        },
    }


def _nofile() -> int:
    """As many open files as the server may have: raising the hard limit needs the host's root."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)


class Runc:
    """Calls on the `runc` binary, with a state directory of this sandbox root's own."""

    def __init__(self, state_dir: Path, binary: str = "runc"):
        self.binary = shutil.which(binary) or binary
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    def available(self) -> bool:
        return shutil.which(self.binary) is not None

    async def _run(self, *args: str, check: bool = True, **kwargs) -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(
            self.binary, "--root", str(self.state_dir), *args,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, **kwargs)
        out, _ = await proc.communicate()
        text = out.decode(errors="replace").strip()
        if check and proc.returncode != 0:
            raise SandboxError(f"runc {args[0]} failed: {_runc_message(text)}")
        return proc.returncode, text

    async def run_detached(self, container_id: str, bundle: Path, *, log_fd: int, fds: tuple[int, ...]) -> int:
        """Start the container and return its init pid; runc exits, the container stays.
        `fds` are handed to the container's init as 3, 4, ..."""
        pid_file = bundle / "init.pid"
        proc = await asyncio.create_subprocess_exec(
            # no session keyring per container: it would be charged to the block's root uid
            # and outlive the container by minutes, into the next session given the block;
            # sessions cannot reach any keyring anyway (keyctl, add_key and request_key are
            # refused, /proc/keys is masked)
            self.binary, "--root", str(self.state_dir), "run", "--detach", "--no-new-keyring",
            "--preserve-fds", str(len(fds)),
            "--pid-file", str(pid_file), "--bundle", str(bundle), container_id,
            stdin=asyncio.subprocess.DEVNULL, stdout=log_fd, stderr=log_fd,
            pass_fds=tuple(range(3, 3 + len(fds))), preexec_fn=_fds_from_3(fds))
        await proc.wait()
        if proc.returncode != 0:
            raise SandboxError("runc could not start the sandbox (see its log)")
        return int(pid_file.read_text())

    async def remove(self, container_id: str) -> None:
        """Kill every process of the container, then delete it once its init has exited: runc's
        `delete --force` on an init still dying signals it again and sleeps 100 ms before it
        looks again (a Chromium takes a few ms to die: most of a browser session's delete)."""
        exited = self._exit_of(container_id)
        try:
            await self._run("kill", "--all", container_id, "KILL", check=False)
            if exited is not None:
                await asyncio.wait([exited], timeout=EXIT_WAIT_S)
        finally:
            if exited is not None:
                exited.cancel()
        await self._run("delete", "--force", container_id, check=False)

    def _exit_of(self, container_id: str) -> asyncio.Future | None:
        """A future done when the container's init exits (its pidfd turns readable), or None
        when there is no such process to wait for."""
        pid = self.init_pid(container_id)
        if pid is None:
            return None
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:
            return None
        if self.init_pid(container_id) != pid:  # the pid was reused before the pidfd was taken
            os.close(pidfd)
            return None
        loop = asyncio.get_running_loop()
        exited = loop.create_future()
        loop.add_reader(pidfd, lambda: exited.done() or exited.set_result(None))

        def close(_) -> None:
            loop.remove_reader(pidfd)
            os.close(pidfd)
        exited.add_done_callback(close)
        return exited

    async def pause(self, container_id: str) -> None:
        await self._run("pause", container_id)

    async def resume(self, container_id: str) -> None:
        await self._run("resume", container_id)

    def init_pid(self, container_id: str) -> int | None:
        """The container's init pid, if that very process still runs (read from runc's state file:
        a restarted server checks hundreds of sandboxes without a runc call each)."""
        try:
            state = json.loads((self.state_dir / container_id / "state.json").read_text())
            pid, start = int(state["init_process_pid"]), int(state["init_process_start"])
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, ValueError, KeyError):
            return None
        return pid if int(fields[19]) == start else None  # field 22: the start time, so no reused pid

    def containers(self) -> list[str]:
        """Ids of the containers runc knows in this state directory (no subprocess)."""
        try:
            return [p.name for p in self.state_dir.iterdir() if (p / "state.json").exists()]
        except FileNotFoundError:
            return []


def _fds_from_3(fds: tuple[int, ...]):
    """runc passes fds 3.. on (`--preserve-fds`): put `fds` there in the child (through copies
    above them first, so one never overwrites another before it is moved)."""
    def move() -> None:
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 3 + len(fds)) for fd in fds]
        for i, fd in enumerate(high):
            os.dup2(fd, 3 + i)
            os.close(fd)
    return move


def _runc_message(text: str) -> str:
    """runc logs JSON-ish lines; the last `msg=` is the reason."""
    for line in reversed(text.splitlines()):
        if "msg=" in line:
            return line.split("msg=", 1)[1].strip().strip('"')
        if line.strip():
            return line.strip()
    return text or "no output"


def write_bundle(bundle: Path, spec: BundleSpec) -> None:
    bundle.mkdir(parents=True, exist_ok=True)
    (bundle / "config.json").write_text(json.dumps(bundle_config(spec)))
