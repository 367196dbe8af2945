"""Counters and gauges served at /metrics in the Prometheus text format."""
from collections import Counter


class Metrics:
    def __init__(self):
        self.requests: Counter = Counter()
        self.request_seconds = 0.0
        self.events: Counter = Counter()
        self.gauges: dict[str, callable] = {}
        self.usage: dict[str, Counter] = {}  # owner id -> model tokens and cost

    def add_usage(self, owner_id: str, usage: dict) -> None:
        """Count one model call's tokens (and cost_usd) for the owner."""
        totals = self.usage.setdefault(owner_id, Counter())
        for k in ("prompt_tokens", "completion_tokens", "cost_usd"):
            totals[k] += usage.get(k, 0) or 0

    def observe_request(self, kind: str, status: int, seconds: float) -> None:
        self.requests[(kind, status // 100 if status else 0)] += 1
        self.request_seconds += seconds

    def count(self, name: str, n: int = 1) -> None:
        self.events[name] += n

    def gauge(self, name: str, read) -> None:
        self.gauges[name] = read

    def render(self, owners: bool = False) -> str:
        """The text; model usage by owner id only when `owners` (else summed over owners)."""
        lines = ["# TYPE openbay_requests_total counter"]
        for (kind, klass), n in sorted(self.requests.items()):
            lines.append(f'openbay_requests_total{{kind="{kind}",class="{klass}xx"}} {n}')
        lines.append("# TYPE openbay_request_seconds_total counter")
        lines.append(f"openbay_request_seconds_total {self.request_seconds:.6f}")
        for name, n in sorted(self.events.items()):
            lines += [f"# TYPE openbay_{name}_total counter", f"openbay_{name}_total {n}"]
        usage = self.usage if owners else {"": sum(self.usage.values(), Counter())} if self.usage else {}
        if usage:
            lines.append("# TYPE openbay_llm_tokens_total counter")
            for owner, t in sorted(usage.items()):
                who = f'owner="{owner}",' if owners else ""
                lines.append(f'openbay_llm_tokens_total{{{who}kind="prompt"}} {t["prompt_tokens"]}')
                lines.append(f'openbay_llm_tokens_total{{{who}kind="completion"}} {t["completion_tokens"]}')
            lines.append("# TYPE openbay_llm_cost_usd_total counter")
            lines += [f'openbay_llm_cost_usd_total{{owner="{owner}"}} {t["cost_usd"]:.8f}' if owners
                      else f'openbay_llm_cost_usd_total {t["cost_usd"]:.8f}' for owner, t in sorted(usage.items())]
        for name, read in sorted(self.gauges.items()):
            lines += [f"# TYPE openbay_{name} gauge", f"openbay_{name} {read()}"]
        return "\n".join(lines) + "\n"
