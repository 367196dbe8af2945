"""Template builds run under the owner's egress policy and the floor, and never write the package
cache the built-in images' builds share: a tenant's build that writes where its apt cache is
mounted writes a cache of its own. The web host is a namespace of the tests' own
(tests/helpers/webhost.py); nothing outside this machine is addressed."""
import http.server
import json
import uuid

import httpx
import pytest

from tests.helpers import webhost


def _build(server, key: str, body: dict) -> list[dict]:
    with httpx.stream("POST", server.base_url + "/v1/templates", json=body,
                      headers={"Authorization": f"Bearer {key}"}, timeout=600) as r:
        assert r.status_code == 200, r.read()
        return [json.loads(line) for line in r.iter_lines() if line]


def _shared_cache(server):
    return server.services.images.store.root.parent / "apt-cache"


def test_a_tenants_build_cannot_write_the_shared_package_cache(server):
    key = server.new_owner_key("builder")
    mark = f"planted-{uuid.uuid4().hex[:8]}.deb"
    lines = _build(server, key, {"name": "tpl-cache-plant", "run": [f"echo evil > /var/cache/openbay-apt/{mark}"]})
    assert lines[-1]["type"] == "done", lines[-1]
    assert not (_shared_cache(server) / mark).exists()  # it went to the owner's own cache
    httpx.delete(f"{server.base_url}/v1/templates/tpl-cache-plant", headers={"Authorization": f"Bearer {key}"})


@pytest.fixture(scope="module")
def web():
    with webhost.http_server(http.server.SimpleHTTPRequestHandler) as httpd:
        yield httpd


def test_a_build_runs_under_the_owners_egress_policy_and_the_floor(server, web):
    key = server.new_owner_key("builder-denied")
    owner_id = httpx.get(f"{server.base_url}/v1/whoami", headers={"Authorization": f"Bearer {key}"}).json()["owner_id"]
    reach = f"timeout 30 bash -c 'exec 3<>/dev/tcp/{webhost.ADDRESS}/{web.server_port}'"
    assert _build(server, key, {"name": "tpl-net-ok", "run": [reach]})[-1]["type"] == "done"  # public: passes
    with server.client() as admin:
        admin.network_policy.set(owner_id, {"deny_out": [f"{webhost.ADDRESS}/32"]})
        try:
            denied = _build(server, key, {"name": "tpl-net-denied", "run": [reach]})
            assert denied[-1]["type"] == "error", denied[-1]
        finally:
            admin.network_policy.clear(owner_id)
    metadata = "timeout 30 bash -c 'exec 3<>/dev/tcp/169.254.169.254/80'"
    floor = _build(server, key, {"name": "tpl-net-floor", "run": [metadata]})
    assert floor[-1]["type"] == "error", floor[-1]
    for name in ("tpl-net-ok",):
        httpx.delete(f"{server.base_url}/v1/templates/{name}", headers={"Authorization": f"Bearer {key}"})
