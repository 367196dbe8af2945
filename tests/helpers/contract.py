"""Schemathesis against a live OpenBay server: the command both the seeded contract test
(tests/api) and the unseeded search (bench/contract_search.py) run, and how to read its report."""
import re
import sys
from pathlib import Path

import httpx

CONFIG = Path(__file__).resolve().parent.parent / "api" / "schemathesis.toml"
SERVER_SETTINGS = {"max_sessions_per_owner": 3, "rate_limit_per_s": 0}  # few browsers; logic, not the limiter


def contract_key(base_url: str, admin_key: str) -> str:
    """An admin key of the run's own: generated requests may edit it, never the bootstrap key."""
    r = httpx.post(f"{base_url}/v1/keys", json={"name": "contract", "admin": True},
                   headers={"Authorization": f"Bearer {admin_key}"}, timeout=60)
    r.raise_for_status()
    return r.json()["key"]


def command(base_url: str, key: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run",
            f"{base_url}/openapi.json", "-H", f"Authorization: Bearer {key}",
            "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful",
            "--workers", "1", "--request-timeout", "30", "--no-color", *extra]  # one: hypothesis reads lambdas racily


def failures(report: str) -> str:
    """The report's failures and errors sections."""
    start = min((report.find(h) for h in ("ERRORS", "FAILURES") if h in report), default=len(report))
    return report[start:report.find("SUMMARY")]


def failure_counts(report: str) -> dict[str, int]:
    """{'ST202 Schema-valid request rejected': 3, ...} from the summary."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"❌ (ST\d+ [^:\n]+): (\d+)", report)}
