"""Egress policies at the API: validation, the admin's host-port setting, owners' defaults."""
import httpx
import pytest

from openbay import CreateSessionParams
from openbay.sdk.errors import APIError, PermissionDeniedError
from tests.helpers.sessions import new_session


def _create(server, key: str, body: dict) -> httpx.Response:
    return httpx.post(f"{server.base_url}/v1/sessions", json=body, timeout=60,
                      headers={"Authorization": f"Bearer {key}"})


@pytest.mark.parametrize("entry", ["foo..bar", "10.0.0.300", "300.1.1.1/8", "::1/128", "*.", "x.*", "a b", ""])
def test_a_malformed_entry_is_a_422_naming_it(server, entry):
    r = _create(server, server.admin_key, {"network_policy": {"deny_out": ["ok.example", entry]}})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "validation_error" and repr(entry) in error["message"] and "deny_out" in error["message"]


def test_host_ports_need_the_admin_setting(server):
    body = {"network_policy": {"allow_host_ports": [8000]}}
    r = _create(server, server.admin_key, body)  # well formed, but the admin has not permitted it
    assert r.status_code == 403 and "port 8000" in r.json()["error"]["message"]
    assert "OPENBAY_ALLOW_HOST_PORTS" in r.json()["error"]["message"]
    assert _create(server, server.admin_key, {"network_policy": {"allow_host_ports": [70000]}}).status_code == 422
    settings = server.app.state.settings
    settings.allow_host_ports = "8000, 8001"
    try:
        r = _create(server, server.admin_key, body)
        assert r.status_code == 201, r.text
        assert r.json()["network_policy"]["allow_host_ports"] == [8000]
        httpx.delete(f"{server.base_url}/v1/sessions/{r.json()['session_id']}",
                     headers={"Authorization": f"Bearer {server.admin_key}"})
        assert _create(server, server.admin_key, {"network_policy": {"allow_host_ports": [8002]}}).status_code == 403
    finally:
        settings.allow_host_ports = ""


def test_an_owners_default_is_joined_with_each_sessions_policy(server, bay):
    key = server.new_owner_key("policy-owner")
    owner = server.client(key)
    try:
        owner_id = httpx.get(f"{server.base_url}/v1/whoami", headers={"Authorization": f"Bearer {key}"}).json()[
            "owner_id"]
        # only an admin sets an owner's default; an unknown owner is a 404
        with pytest.raises(PermissionDeniedError):
            owner.network_policy.set(owner_id, {"deny_out": ["10.0.0.0/8"]})
        with pytest.raises(APIError) as info:
            bay.network_policy.set("o-nobody", {"deny_out": ["10.0.0.0/8"]})
        assert info.value.status == 404
        set_ = bay.network_policy.set(owner_id, {"deny_out": ["10.0.0.0/8", "*.internal.example"],
                                                 "allow_out": ["pypi.org"]})
        assert set_.policy.deny_out == ["10.0.0.0/8", "*.internal.example"]
        assert owner.network_policy.get().policy == set_.policy  # the owner reads its own

        with new_session(owner, network_policy={
                "allow_out": ["1.2.3.0/24", "PyPI.org"], "deny_out": ["*.ads.example"]}) as session:
            policy = session.info().network_policy
            assert policy.allow_out == ["pypi.org", "1.2.3.0/24"]
            assert policy.deny_out == ["10.0.0.0/8", "*.internal.example", "*.ads.example"]
        # a session cannot allow what its owner's default denies
        for entry in ("10.1.2.0/24", "db.internal.example", "*.internal.example"):
            with pytest.raises(APIError) as refused:
                owner.create(CreateSessionParams(network_policy={"allow_out": [entry]}))
            assert entry in refused.value.message and "denies" in refused.value.message
            assert refused.value.code == "conflict"  # with the owner's default
        # a session that says nothing gets the owner's default
        with new_session(owner) as plain:
            assert plain.info().network_policy.deny_out == ["10.0.0.0/8", "*.internal.example"]
        assert bay.network_policy.clear(owner_id).policy.deny_out == []
        assert owner.network_policy.get().policy.deny_out == []
    finally:
        owner.close()
