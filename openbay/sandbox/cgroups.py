"""One cgroup per sandbox for memory, process and CPU limits (cgroup v1 or v2).

Where no writable cgroup tree exists the manager is disabled and sandboxes rely
on rlimits alone; `enabled` says which is in force.
"""
import logging
import os
import signal
import time
from pathlib import Path

from .backend import ResourceLimits

log = logging.getLogger("openbay.sandbox")
ROOT = Path("/sys/fs/cgroup")
_V1_CONTROLLERS = ("memory", "pids", "cpu")
_CPU_PERIOD_US = 100_000


def _own_path(controller: str) -> str:
    """This process's cgroup path for a v1 controller ('' for v2's unified line)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        if controller in names.split(","):
            return path
    return "/"


class CgroupManager:
    def __init__(self, namespace: str = "openbay"):
        self.version = 2 if (ROOT / "cgroup.controllers").exists() else 1
        self.bases: list[Path] = []
        try:
            self.bases = self._make_bases(namespace)
        except OSError as e:
            log.warning("cgroups unavailable (%s); sandboxes get rlimits only", e)

    @property
    def enabled(self) -> bool:
        return bool(self.bases)

    def _make_bases(self, namespace: str) -> list[Path]:
        if self.version == 2:
            base = ROOT / namespace
            base.mkdir(exist_ok=True)
            for parent in (ROOT, base):
                (parent / "cgroup.subtree_control").write_text("+memory +pids +cpu")
            return [base]
        bases = []
        for ctrl in _V1_CONTROLLERS:
            mount = ROOT / ctrl
            nested = mount / _own_path(ctrl).lstrip("/") / namespace
            try:
                nested.mkdir(parents=True, exist_ok=True)
                bases.append(nested)
            except OSError:
                (mount / namespace).mkdir(exist_ok=True)
                bases.append(mount / namespace)
        return bases

    def create(self, name: str, limits: ResourceLimits) -> list[Path]:
        if not self.enabled:
            return []
        dirs = [base / name for base in self.bases]
        for d in dirs:
            d.mkdir(exist_ok=True)
        quota = int(limits.cpu_cores * _CPU_PERIOD_US)
        if self.version == 2:
            d = dirs[0]
            (d / "memory.max").write_text(str(limits.memory_bytes))
            (d / "memory.swap.max").write_text("0") if (d / "memory.swap.max").exists() else None
            (d / "pids.max").write_text(str(limits.max_processes))
            (d / "cpu.max").write_text(f"{quota} {_CPU_PERIOD_US}")
            return dirs
        memory, pids, cpu = dirs
        (memory / "memory.limit_in_bytes").write_text(str(limits.memory_bytes))
        (pids / "pids.max").write_text(str(limits.max_processes))
        (cpu / "cpu.cfs_period_us").write_text(str(_CPU_PERIOD_US))
        (cpu / "cpu.cfs_quota_us").write_text(str(quota))
        return dirs

    @staticmethod
    def attach_self(dirs: list[Path]) -> None:
        """Move the calling process into the cgroups (called in the child before exec)."""
        pid = str(os.getpid()).encode()
        for d in dirs:
            fd = os.open(d / "cgroup.procs", os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)

    @staticmethod
    def destroy(dirs: list[Path], deadline_s: float = 5.0) -> None:
        """Kill whatever is still inside, then remove the cgroups."""
        end = time.monotonic() + deadline_s
        for d in dirs:
            while d.exists():
                try:
                    pids = [int(p) for p in (d / "cgroup.procs").read_text().split()]
                except FileNotFoundError:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                try:
                    d.rmdir()
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > end:
                        log.warning("cgroup %s still busy after %.1fs", d, deadline_s)
                        break
                    time.sleep(0.001)  # the killed die within a ms or two; 10 ms steps slowed every delete

    def stale(self) -> list[Path]:
        """Cgroups left by an earlier run (their names are session ids)."""
        return [d for base in self.bases for d in base.iterdir() if d.is_dir()]
