"""Every failure has one shape, a precise status and a request id."""
import httpx
import pytest

from tests.helpers.server import thread_server


def _post(server, path, key=None, headers=None, **kw):
    headers = {"Authorization": f"Bearer {key or server.admin_key}", **(headers or {})}
    return httpx.post(server.base_url + path, headers=headers, **kw)


def _assert_error(r: httpx.Response, status: int, code: str, says: str = ""):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["request_id"] == r.headers["x-request-id"]
    assert says in body["error"]["message"]


def test_every_response_carries_a_request_id(server):
    r = httpx.get(server.base_url + "/healthz")
    assert r.status_code == 200 and r.headers["x-request-id"].startswith("req-")
    r = httpx.get(server.base_url + "/healthz", headers={"X-Request-ID": "trace-42"})
    assert r.headers["x-request-id"] == "trace-42"
    r = httpx.get(server.base_url + "/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert r.headers["x-request-id"].startswith("req-")


def test_missing_and_wrong_keys_are_401(server):
    r = httpx.get(server.base_url + "/v1/sessions")
    _assert_error(r, 401, "unauthorized", "missing API key")
    assert r.headers["www-authenticate"] == "Bearer"
    r = httpx.get(server.base_url + "/v1/sessions", headers={"Authorization": "Bearer ob_" + "x" * 40})
    _assert_error(r, 401, "unauthorized", "invalid or revoked")
    r = httpx.get(server.base_url + "/v1/sessions", headers={"Authorization": "Basic abc"})
    _assert_error(r, 401, "unauthorized")


def test_revoked_key_stops_working_at_once(server):
    key = server.new_owner_key("revokee")
    headers = {"Authorization": f"Bearer {key}"}
    assert httpx.get(server.base_url + "/v1/sessions", headers=headers).status_code == 200
    key_id = httpx.get(server.base_url + "/v1/whoami", headers=headers).json()["key_id"]
    r = httpx.delete(f"{server.base_url}/v1/keys/{key_id}",
                     headers={"Authorization": f"Bearer {server.admin_key}"})
    assert r.status_code == 200 and r.json()["revoked_at"]
    _assert_error(httpx.get(server.base_url + "/v1/sessions", headers=headers), 401, "unauthorized")
    # a revoked key is gone: it stays in the list as a record, but nothing changes it any more
    r = httpx.patch(f"{server.base_url}/v1/keys/{key_id}", json={"max_sessions": 5},
                    headers={"Authorization": f"Bearer {server.admin_key}"})
    _assert_error(r, 404, "not_found")


def test_non_admin_cannot_manage_keys(server):
    key = server.new_owner_key("plain")
    _assert_error(_post(server, "/v1/keys", key=key, json={"name": "x"}), 403, "forbidden", "admin")


def test_malformed_json_is_400_and_wrong_types_422(server):
    r = _post(server, "/v1/sessions", content=b'{"image_id": ',
              headers={"Content-Type": "application/json"})
    _assert_error(r, 400, "bad_request", "not valid JSON")
    _assert_error(_post(server, "/v1/sessions", json={"timeout_s": "soon"}), 422, "validation_error",
                  "timeout_s")
    _assert_error(_post(server, "/v1/sessions", json={"labels": {"bad key!": "v"}}), 422,
                  "validation_error", "label key")
    _assert_error(_post(server, "/v1/sessions", json={"envs": {"1BAD": "v"}}), 422,
                  "validation_error", "environment variable")


def test_unknown_image_lists_the_images(server):
    _assert_error(_post(server, "/v1/sessions", json={"image_id": "windows"}), 404, "not_found",
                  "available: linux, code, browser")


def test_unknown_ids_are_404(server):
    h = {"Authorization": f"Bearer {server.admin_key}"}
    _assert_error(httpx.get(server.base_url + "/v1/sessions/s-000000000000", headers=h), 404, "not_found")
    _assert_error(_post(server, "/v1/sessions/s-000000000000/commands", json={"command": "true"}),
                  404, "not_found")
    _assert_error(httpx.get(server.base_url + "/v1/nothing-here", headers=h), 404, "not_found")


def test_huge_body_is_413_with_the_limit(server):
    limit = server.app.state.settings.max_body_bytes
    r = _post(server, "/v1/sessions", content=b"x" * (limit + 1),
              headers={"Content-Type": "application/json"})
    _assert_error(r, 413, "payload_too_large", str(limit))

    def chunks():  # no Content-Length: the cap must hold while streaming too
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536
    r = httpx.post(server.base_url + "/v1/sessions", content=chunks(),
                   headers={"Authorization": f"Bearer {server.admin_key}"})
    _assert_error(r, 413, "payload_too_large")


def test_rate_limit_is_429_with_retry_after(tmp_path):
    # a refill slow enough that a loaded machine cannot earn a token back mid-test
    with thread_server(tmp_path, rate_limit_per_s=0.01, rate_limit_burst=3) as srv:
        h = {"Authorization": f"Bearer {srv.admin_key}"}
        statuses = [httpx.get(srv.base_url + "/v1/sessions", headers=h) for _ in range(5)]
        assert [r.status_code for r in statuses[:3]] == [200, 200, 200]
        _assert_error(statuses[4], 429, "rate_limited", "retry in")
        assert int(statuses[4].headers["retry-after"]) >= 1


@pytest.mark.parametrize("limit", ["0", "101", "x"])
def test_bad_list_limits(server, limit):
    r = httpx.get(server.base_url + "/v1/sessions", params={"limit": limit},
                  headers={"Authorization": f"Bearer {server.admin_key}"})
    _assert_error(r, 422, "validation_error")


def test_openapi_spec_is_served(server):
    spec = httpx.get(server.base_url + "/openapi.json", timeout=120).json()  # built on first ask
    assert "/v1/sessions" in spec["paths"] and "/v1/sessions/{session_id}/commands" in spec["paths"]
