"""The local backend's readings of its sandboxes: cgroup v1 counters (memory, CPU, processes,
OOM kills, the freezer), disk use, firewall refusals. A part of LocalBackend (a base); the
attributes are LocalBackend's."""
from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path

from ..backend import SandboxMetrics
from . import network
from .local_running import Running

CGROUP_ROOT = Path("/sys/fs/cgroup")


class LocalMetrics:
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

    def is_paused(self, session_id: str) -> bool:
        return session_id in self._running and self._frozen(session_id)

    def _frozen(self, session_id: str) -> bool:
        return read_text(self._cgroup("freezer", session_id) / "freezer.state") == "FROZEN"

    async def metrics(self, session_id: str) -> SandboxMetrics:
        r = self._require(session_id)
        m = await asyncio.to_thread(self._read_metrics, r)
        if r.net is not None:
            m = dataclasses.replace(m, denied_connections=await self.firewall.denied(r.net))
        return m

    def _read_metrics(self, r: Running) -> SandboxMetrics:
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


def read_text(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""
