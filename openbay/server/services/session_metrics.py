"""Resource use of sessions: one session's for get_metrics, and totals per image and state for
the server's /metrics (no label per session: their number has no bound)."""
from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import TYPE_CHECKING

from openbay.protocol import SessionMetrics, SessionStatus
from openbay.sandbox import Backend, ResourceLimits, SandboxError, SandboxMetrics
from openbay.store.tables import SessionRow, utcnow

if TYPE_CHECKING:
    from .sessions import SessionService

log = logging.getLogger("openbay.sessions")
SCRAPE_TIMEOUT_S = 2.0
MEASURE_TIMEOUT_S = 10.0  # a backend slow to measure does not hold the answer up
SCRAPE_CONCURRENCY = 16


async def _raw(backend: Backend, session_id: str) -> SandboxMetrics:
    """What the backend measures; all None when it cannot measure (or not yet)."""
    try:
        return await asyncio.wait_for(backend.metrics(session_id), MEASURE_TIMEOUT_S) or SandboxMetrics()
    except TimeoutError:
        log.warning("metrics of %s took over %gs; answered without them", session_id, MEASURE_TIMEOUT_S)
        return SandboxMetrics()
    except (NotImplementedError, SandboxError, OSError) as e:
        log.debug("no metrics for %s: %s", session_id, e)
        return SandboxMetrics()


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _kbyte(n: int | None) -> float | None:
    return None if n is None else n / 1024


async def sandbox_metrics(backend: Backend, row: SessionRow, limits: ResourceLimits) -> SessionMetrics:
    m = await _raw(backend, row.id)
    now = utcnow()
    return SessionMetrics(
        session_id=row.id, status=SessionStatus(row.status), cpu_count=limits.cpu_cores,
        cpu_used_pct=m.cpu_percent, mem_used=m.memory_used_bytes,
        mem_total=m.memory_limit_bytes or limits.memory_bytes, disk_used=m.disk_used_bytes,
        disk_total=m.disk_quota_bytes, rx_used_kbyte=_kbyte(m.net_rx_bytes), tx_used_kbyte=_kbyte(m.net_tx_bytes),
        process_count=m.processes,
        uptime_s=m.uptime_s if m.uptime_s is not None else round((now - row.created_at).total_seconds(), 3),
        timestamp=now)


_SUMMED = (("cpu_percent", "sandbox_cpu_percent"), ("memory_used_bytes", "sandbox_memory_used_bytes"),
           ("disk_used_bytes", "sandbox_disk_used_bytes"), ("net_rx_bytes", "sandbox_net_rx_bytes"),
           ("net_tx_bytes", "sandbox_net_tx_bytes"), ("processes", "sandbox_processes"))


async def render_totals(sessions: SessionService) -> str:
    """Prometheus lines: live sessions per image and state, and their resource use summed per image."""
    live = [s.row for s in list(sessions.live.values())]
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for row in live:
        counts[(row.image_id, row.status)] += 1
    gate = asyncio.Semaphore(SCRAPE_CONCURRENCY)

    async def measure(row: SessionRow) -> tuple[str, SandboxMetrics]:
        async with gate:
            try:
                return row.image_id, await asyncio.wait_for(_raw(sessions.backend, row.id), SCRAPE_TIMEOUT_S)
            except TimeoutError:
                return row.image_id, SandboxMetrics()

    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for image, m in await asyncio.gather(*(measure(r) for r in live)):
        for field, name in _SUMMED:
            if (value := getattr(m, field)) is not None:
                sums[name][image] += value
    lines = ["# TYPE openbay_sessions gauge"]
    lines += [f'openbay_sessions{{image="{_label(image)}",state="{state}"}} {n}'
              for (image, state), n in sorted(counts.items())]
    for _, name in _SUMMED:
        if sums.get(name):
            lines.append(f"# TYPE openbay_{name} gauge")
            lines += [f'openbay_{name}{{image="{_label(image)}"}} {v:g}' for image, v in sorted(sums[name].items())]
    return "\n".join(lines) + "\n"
