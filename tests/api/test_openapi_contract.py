"""The OpenAPI spec tells the truth: schemathesis runs every check, with the stateful phase,
against a live server, and finds nothing. The server is capped at a few sessions per owner
(so generated creates cannot start dozens of browsers) and has no rate limit (so the run tests
logic, not the limiter); both caps answer with statuses the spec declares.

The run is the same on every machine: hypothesis derandomised, a fixed number of examples and
no time budget (a budget lets a fast machine try more cases than a slow one), and a key of its
own, so what it edits is never the key of another test. The unseeded search with a time budget
is bench/contract_search.py."""
import subprocess
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.helpers import contract
from tests.helpers.server import thread_server

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
HANG_GUARD_S = 1800  # a hung run fails; a slow one is not cut short


@pytest.fixture(scope="module")
def contract_server():
    with thread_server(Path(tempfile.mkdtemp(prefix="obcontract-")), **contract.SERVER_SETTINGS) as running:
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
    # a path a route names outright is not also a template called "import"
    r = httpx.request("OPTIONS", f"{contract_server.base_url}/v1/templates/import", timeout=60)
    assert r.status_code == 405 and r.headers["allow"] == "POST"


def test_schemathesis_finds_no_failure(contract_server):
    key = contract.contract_key(contract_server.base_url, contract_server.admin_key)
    cmd = contract.command(contract_server.base_url, key, "--max-examples", "5", "--generation-deterministic")
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=HANG_GUARD_S)
    out = run.stdout
    tail = contract.failures(out)[:12000] + out[-3000:] + run.stderr[-2000:]
    assert run.returncode == 0, tail
    assert "Stateful" in out and " passed" in out, tail
    # every operation but the two the config leaves out ran (a filter once dropped every POST)
    selected = int(out.split("Selected: ", 1)[1].split("/", 1)[0])
    paths = httpx.get(f"{contract_server.base_url}/openapi.json", timeout=60).json()["paths"]
    total = sum(m in METHODS for ops in paths.values() for m in ops)
    assert selected == total - 2, tail
