"""Throttles and quiet endpoints: failed sign-ins and bad keys end in 429 with Retry-After after a
small burst (per client address, per key prefix); /metrics answers no one without a key, and names
no owner unless the admin asks."""
import contextlib
import tempfile
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from openbay.e2b import mount as mount_e2b
from openbay.mcp.http import mount as mount_mcp
from tests.helpers.server import thread_server


def _as_openbay_serve(app) -> None:  # E2B's API and MCP, which `openbay serve` mounts
    mount_e2b(app)
    mount_mcp(app)


@pytest.fixture
def server():
    # the real burst (the test helper lifts it for the rest of the suite), refilled so slowly that
    # no test run, however slow, sees a token come back
    with thread_server(Path(tempfile.mkdtemp(prefix="obsec-quiet-")), extend=_as_openbay_serve, auth_failure_burst=10,
                       auth_failures_per_min=0.001, metrics_token="scrape-token-5e1") as s:
        yield s


def test_twenty_bad_console_sign_ins_end_in_429(server):
    answers = [httpx.post(f"{server.base_url}/console/login", data={"key": f"ob_guess{i:04d}"},
                          headers={"Origin": server.base_url}) for i in range(20)]
    assert answers[0].status_code == 401
    assert answers[-1].status_code == 429 and int(answers[-1].headers["Retry-After"]) >= 1
    # while it lasts, even the right key waits: guessing is no faster with one right now and then
    right = httpx.post(f"{server.base_url}/console/login", data={"key": server.admin_key},
                       headers={"Origin": server.base_url})
    assert right.status_code == 429


def test_twenty_bad_api_keys_end_in_429(server):
    answers = [httpx.get(f"{server.base_url}/v1/sessions", headers={"Authorization": f"Bearer ob_bad{i:05d}"})
               for i in range(20)]
    assert answers[0].status_code == 401
    assert answers[-1].status_code == 429 and "Retry-After" in answers[-1].headers


def test_one_key_prefix_is_throttled_from_any_address():
    from openbay.server.ratelimit import AuthThrottle
    throttle = AuthThrottle(burst=10, per_minute=0.001)
    for i in range(10):
        assert throttle.wait(f"10.0.0.{i}", "ob_target12345-guess") == 0
        throttle.failed(f"10.0.0.{i}", "ob_target12345-guess")
    assert throttle.wait("10.0.0.99", "ob_target12345-other") > 0  # a new address, the same key prefix
    assert throttle.wait("10.0.0.99", "ob_another-key") == 0


def test_metrics_need_a_key_and_name_no_owner(server):
    assert httpx.get(f"{server.base_url}/metrics").status_code == 401
    tenant = server.new_owner_key("metrics-tenant")
    assert httpx.get(f"{server.base_url}/metrics", headers={"Authorization": f"Bearer {tenant}"}).status_code == 403
    scraped = httpx.get(f"{server.base_url}/metrics", headers={"Authorization": "Bearer scrape-token-5e1"})
    assert scraped.status_code == 200 and "openbay_requests_total" in scraped.text
    server.services.metrics.add_usage("o-someone", {"prompt_tokens": 5, "completion_tokens": 1, "cost_usd": 0.1})
    text = httpx.get(f"{server.base_url}/metrics", headers={"Authorization": f"Bearer {server.admin_key}"}).text
    assert "o-someone" not in text and 'openbay_llm_tokens_total{kind="prompt"} 5' in text


def test_openbay_serve_writes_the_admin_key_to_its_file_only(tmp_path):
    from tests.helpers.server import process_server
    with process_server(tmp_path / "home") as (running, proc):
        key_file = tmp_path / "home" / "admin_key"
        assert running.admin_key.startswith("ob_") and (key_file.stat().st_mode & 0o777) == 0o600
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    assert "admin_key" in err and running.admin_key not in out + err


def test_run_sh_never_prints_the_admin_key():
    from pathlib import Path
    script = (Path(__file__).parents[2] / "scripts" / "run.sh").read_text()
    assert "Admin API key" not in script and "admin_key (mode 0600)" in script


def _bad_key_through(door: str, base: str, bad: str) -> None:
    """One bad key through one of the doors besides the REST API's Bearer header."""
    ws = "ws" + base[4:]
    if door == "e2b":
        httpx.get(f"{base}/sandboxes", headers={"X-API-Key": bad})
    elif door == "mcp":
        httpx.post(f"{base}/mcp", headers={"Authorization": f"Bearer {bad}"}, json={})
    elif door in ("task events", "cdp"):
        path = "/v1/tasks/t-0123456789ab/events" if door == "task events" else "/v1/sessions/s-0123456789ab/cdp"
        with contextlib.suppress(Exception), connect(f"{ws}{path}?token={bad}", open_timeout=30) as conn:
            conn.recv(timeout=30)


@pytest.mark.parametrize("door", ["e2b", "mcp", "task events", "cdp"])
def test_bad_keys_through_every_door_count_against_the_address(server, door):
    for i in range(20):  # each a new key prefix: only the address ties them together
        _bad_key_through(door, server.base_url, f"ob_{door[:3]}{i:03d}-guess")
    after = httpx.get(f"{server.base_url}/v1/sessions", headers={"Authorization": f"Bearer {server.admin_key}"})
    assert after.status_code == 429 and "Retry-After" in after.headers
