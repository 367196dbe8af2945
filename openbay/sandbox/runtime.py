"""runc, the OCI runtime that runs each sandbox: bundles, and the calls made on them.

A sandbox is an OCI bundle (config.json + a root file system that the caller has
mounted) run detached, so it outlives the server that started it. Root inside maps
to one unprivileged host id range (`HOST_ID_BASE` .. +65,536); the image files are
owned by that range, and isolation between sandboxes rests on their own mount, PID,
IPC, UTS, user and network namespaces, cgroups, a seccomp filter and capabilities
limited to the namespaced ones.
"""
from __future__ import annotations

import asyncio
import json
import os
import resource
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .backend import ResourceLimits, SandboxError

HOST_ID_BASE = 1_000_000
HOST_ID_COUNT = 65_536
CPU_PERIOD_US = 100_000
# what root inside may do: the capabilities a container runtime grants by default, all of
# them scoped to the sandbox's own user namespace
CAPABILITIES = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
                "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
                "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]
# system calls no sandbox needs and that widen the kernel's surface; they fail with EPERM
DENIED_SYSCALLS = ["add_key", "bpf", "delete_module", "finit_module", "fsconfig", "fsmount",
                   "fsopen", "fspick", "init_module", "iopl", "ioperm", "kexec_file_load",
                   "kexec_load", "keyctl", "lookup_dcookie", "mount_setattr", "move_mount",
                   "open_by_handle_at", "open_tree", "perf_event_open", "pivot_root", "quotactl",
                   "reboot", "request_key", "swapoff", "swapon", "syslog", "umount2", "mount",
                   "userfaultfd", "vhangup", "acct", "settimeofday", "clock_settime", "adjtimex",
                   "name_to_handle_at", "nfsservctl", "personality", "setns", "unshare"]
MASKED = ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
          "/sys/firmware", "/sys/devices/virtual/powercap", "/sys/fs/cgroup", "/sys/kernel", "/sys/module",
          "/sys/class/net", "/sys/devices/virtual/net"]
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
    # a user namespace may mount a sysfs only for a network namespace it owns, and the session's
    # is made before it (so its network is up when envd starts): the host's, read-only, with the
    # parts that tell about the host masked
    mounts.append({"destination": "/sys", "type": "none", "source": "/sys",
                   "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]})
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
            "noNewPrivileges": False,
        },
        "root": {"path": str(spec.rootfs), "readonly": False},
        "hostname": spec.hostname,
        "mounts": mounts,
        "linux": {
            "uidMappings": [{"containerID": 0, "hostID": HOST_ID_BASE, "size": HOST_ID_COUNT}],
            "gidMappings": [{"containerID": 0, "hostID": HOST_ID_BASE, "size": HOST_ID_COUNT}],
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
            "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
                                                                            "SCMP_ARCH_AARCH64"],
                        "syscalls": [{"names": DENIED_SYSCALLS, "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]},
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

    async def run_detached(self, container_id: str, bundle: Path, *, log_fd: int, ready_fd: int) -> int:
        """Start the container and return its init pid; runc exits, the container stays."""
        pid_file = bundle / "init.pid"
        proc = await asyncio.create_subprocess_exec(
            # no session keyring per container: they would all count against the one host uid
            # that root inside maps to (kernel.keys.maxkeys, 200, freed minutes after the end),
            # capping a machine at 200 sessions; sessions cannot reach any keyring anyway
            # (keyctl, add_key and request_key are denied, /proc/keys is masked)
            self.binary, "--root", str(self.state_dir), "run", "--detach", "--no-new-keyring",
            "--preserve-fds", "1",
            "--pid-file", str(pid_file), "--bundle", str(bundle), container_id,
            stdin=asyncio.subprocess.DEVNULL, stdout=log_fd, stderr=log_fd,
            # fd 3 is kept open in the child, and is the ready pipe there after the dup
            pass_fds=(3,) if ready_fd != 3 else (ready_fd,), preexec_fn=_ready_fd_to_3(ready_fd))
        await proc.wait()
        if proc.returncode != 0:
            raise SandboxError("runc could not start the sandbox (see its log)")
        return int(pid_file.read_text())

    async def kill(self, container_id: str) -> None:
        await self._run("kill", "--all", container_id, "KILL", check=False)

    async def delete(self, container_id: str) -> None:
        await self._run("delete", "--force", container_id, check=False)

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


def _ready_fd_to_3(fd: int):
    """runc passes fds 3.. on (`--preserve-fds`): put the ready pipe at 3 in the child."""
    def move() -> None:
        if fd != 3:
            os.dup2(fd, 3)
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
