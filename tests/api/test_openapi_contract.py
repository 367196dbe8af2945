"""The OpenAPI spec tells the truth: schemathesis runs every check, with the stateful phase,
against a live server, and finds nothing. The server is capped at a few sessions per owner
(so generated creates cannot start dozens of browsers) and has no rate limit (so the run tests
logic, not the limiter); both caps answer with statuses the spec declares."""
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.helpers.server import thread_server

CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_TIME_S = 180


@pytest.fixture(scope="module")
def contract_server():
    with thread_server(Path(tempfile.mkdtemp(prefix="obcontract-")), max_sessions_per_owner=3,
                       rate_limit_per_s=0) as running:
        yield running


def test_spec_declares_what_the_server_does(contract_server):
    spec = httpx.get(f"{contract_server.base_url}/openapi.json", timeout=120).json()  # built on first ask
    labels = spec["paths"]["/v1/sessions/{session_id}/labels"]["get"]
    assert {"401", "404", "410", "413", "429"} <= set(labels["responses"])
    assert labels["responses"]["410"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"}
    assert labels["security"] == [{"bearerAuth": []}]
    r = httpx.delete(f"{contract_server.base_url}/v1/sessions/x/labels", timeout=60,
                     headers={"Authorization": f"Bearer {contract_server.admin_key}"})
    assert r.status_code == 405 and r.headers["allow"] == "GET, PUT" and r.json()["error"]["request_id"]


def test_schemathesis_finds_no_failure(contract_server):
    cmd = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run",
           f"{contract_server.base_url}/openapi.json",
           "-H", f"Authorization: Bearer {contract_server.admin_key}",
           "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful",
           "--max-examples", "5", "--max-time", str(MAX_TIME_S), "--seed", "20261201",
           "--workers", "1", "--request-timeout", "30", "--no-color"]  # one: hypothesis reads lambdas racily
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=MAX_TIME_S + 120)
    out = run.stdout
    start = min((out.find(h) for h in ("ERRORS", "FAILURES") if h in out), default=len(out))
    failures = out[start:out.find("SUMMARY")]
    tail = failures[:12000] + out[-3000:] + run.stderr[-2000:]
    assert run.returncode == 0, tail
    assert "Stateful" in run.stdout and " passed" in run.stdout, tail
