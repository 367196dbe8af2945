"""The fake API server speaks the API as the official client expects it (the client is real and
unchanged): Status errors with their codes and reasons, server-set metadata, resourceVersions,
selectors, and watches that resume from a version or say it is too old. The backend's tests on
it (test_backend_on_fake.py) are only worth what this fidelity is worth."""
import base64
import json
import threading

import pytest
import yaml
from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException

from tests.helpers.waiting import PATIENCE_S
from tests.kubernetes.cluster_helpers import NAMESPACE, api_client
from tests.kubernetes.fake_apiserver.launch import fake_cluster

HISTORY = 20


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with fake_cluster(tmp_path_factory.mktemp("k8s-api"), namespaces=(NAMESPACE, "other"), history=HISTORY) as kc:
        yield kc


def secret(name: str, labels: dict | None = None) -> dict:
    return {"metadata": {"name": name, "labels": labels or {}}, "data": {"k": base64.b64encode(b"v").decode()}}


def status_of(e: ApiException) -> dict:
    return json.loads(e.body)


def test_create_sets_server_fields_and_errors_are_status_objects(core):
    made = core.create_namespaced_secret(NAMESPACE, secret("api-a"))
    assert made.metadata.uid and made.metadata.creation_timestamp and made.metadata.namespace == NAMESPACE
    assert int(made.metadata.resource_version) > 0
    with pytest.raises(ApiException) as e:
        core.create_namespaced_secret(NAMESPACE, secret("api-a"))
    assert e.value.status == 409 and status_of(e.value)["reason"] == "AlreadyExists"
    assert status_of(e.value)["message"] == 'secrets "api-a" already exists'
    with pytest.raises(ApiException) as e:
        core.read_namespaced_secret("api-missing", NAMESPACE)
    assert (e.value.status, status_of(e.value)["reason"], status_of(e.value)["kind"]) == (404, "NotFound", "Status")
    with pytest.raises(ApiException) as e:
        core.create_namespaced_secret("no-such-namespace", secret("api-b"))
    assert e.value.status == 404 and status_of(e.value)["message"] == 'namespaces "no-such-namespace" not found'
    deleted = core.delete_namespaced_secret("api-a", NAMESPACE)  # the client gives this one as it came
    assert deleted["status"] == "Success" and deleted["details"]["uid"] == made.metadata.uid


def test_objects_the_schemas_refuse_are_invalid(core):
    """The client checks types itself, so this one goes through its raw request path."""
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api-bad"},
           "spec": {"containers": [{"name": "c", "image": "linux", "ports": [{"containerPort": "envd"}]}]}}
    api = core.api_client
    request = api.param_serialize("POST", "/api/v1/namespaces/{namespace}/pods", {"namespace": NAMESPACE},
                                  header_params={"Content-Type": "application/json"}, body=pod,
                                  auth_settings=["BearerToken"])
    answer = api.call_api(*request)
    answer.read()
    assert answer.status == 422
    assert json.loads(answer.data)["reason"] == "Invalid" and "containerPort" in json.loads(answer.data)["message"]
    with pytest.raises(ApiException) as e:
        core.create_namespaced_secret(NAMESPACE, {"metadata": {}})
    assert e.value.status == 422 and "name or generateName is required" in status_of(e.value)["message"]


def test_a_wrong_token_is_unauthorized(cluster):
    config = yaml.safe_load(cluster.read_text())
    config["users"][0]["user"]["token"] = "not-the-token"
    wrong = cluster.with_name("wrong-kubeconfig")
    wrong.write_text(yaml.safe_dump(config))
    with pytest.raises(ApiException) as e:
        client.CoreV1Api(api_client(wrong)).list_namespaced_pod(NAMESPACE)
    assert e.value.status == 401


def test_the_servers_user_may_do_what_deploy_kubernetes_grants_it_and_no_more(cluster):
    """The kubeconfig's current user is the ServiceAccount of deploy/kubernetes/base/rbac.yaml."""
    server = client.CoreV1Api(api_client(cluster))
    server.list_namespaced_pod(NAMESPACE)  # granted: list (and watch) pods
    for refused in (lambda: server.list_namespaced_secret(NAMESPACE),  # get, not list
                    lambda: server.read_namespaced_service("x", NAMESPACE),
                    lambda: server.list_namespaced_pod("other")):
        with pytest.raises(ApiException) as e:
            refused()
        assert e.value.status == 403 and status_of(e.value)["reason"] == "Forbidden"
        assert 'User "system:serviceaccount:openbay:openbay-server" cannot' in status_of(e.value)["message"]


def test_custom_resources_are_not_served_without_their_crds(core):
    with pytest.raises(ApiException) as e:
        client.CustomObjectsApi(core.api_client).list_namespaced_custom_object(
            "agents.x-k8s.io", "v1alpha1", NAMESPACE, "sandboxes")
    assert e.value.status == 404


def test_selectors_pick_by_label_and_field(core):
    for name, team in (("api-red", "red"), ("api-blue", "blue"), ("api-none", None)):
        core.create_namespaced_secret(NAMESPACE, secret(name, {"team": team} if team else {}))
    core.create_namespaced_secret("other", secret("api-red", {"team": "red"}))

    def names(**kw) -> list[str]:
        return sorted(s.metadata.name for s in core.list_namespaced_secret(NAMESPACE, **kw).items)
    assert names(label_selector="team=red") == ["api-red"]
    assert names(label_selector="team") == ["api-blue", "api-red"]
    assert "api-none" in names(label_selector="!team") and "api-red" not in names(label_selector="!team")
    assert names(label_selector="team in (red,blue),team!=blue") == ["api-red"]
    assert names(field_selector="metadata.name=api-blue") == ["api-blue"]
    assert len(core.list_secret_for_all_namespaces(label_selector="team=red").items) == 2
    with pytest.raises(ApiException) as e:
        core.list_namespaced_secret(NAMESPACE, field_selector="data.k=v")
    assert e.value.status == 400 and "field label not supported" in status_of(e.value)["message"]


def test_a_watch_resumes_from_a_version_and_streams_what_follows(core):
    start = core.list_namespaced_secret(NAMESPACE).metadata.resource_version
    core.create_namespaced_secret(NAMESPACE, secret("api-w1", {"watched": "yes"}))
    core.create_namespaced_secret(NAMESPACE, secret("api-w2"))  # not selected

    seen, ready = [], threading.Event()

    def follow() -> None:
        for event in watch.Watch().stream(core.list_namespaced_secret, NAMESPACE, label_selector="watched=yes",
                                          resource_version=start, timeout_seconds=60):
            seen.append((event["type"], event["object"].metadata.name, event["object"].metadata.resource_version))
            ready.set()
            if event["type"] == "DELETED":
                return
    watcher = threading.Thread(target=follow)
    watcher.start()
    assert ready.wait(PATIENCE_S)  # what happened before the watch began came first
    core.delete_namespaced_secret("api-w1", NAMESPACE)
    watcher.join(60)
    assert [(t, n) for t, n, _ in seen] == [("ADDED", "api-w1"), ("DELETED", "api-w1")]
    assert int(seen[0][2]) < int(seen[1][2])


def test_a_watch_from_a_version_too_old_is_gone(core):
    old = core.list_namespaced_secret(NAMESPACE).metadata.resource_version
    for n in range(HISTORY + 1):
        core.create_namespaced_secret(NAMESPACE, secret(f"api-old-{n}"))
    with pytest.raises(ApiException) as e:
        for _ in watch.Watch().stream(core.list_namespaced_secret, NAMESPACE, resource_version=old,
                                      timeout_seconds=5):
            pass
    assert e.value.status == 410
