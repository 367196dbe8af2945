"""`openbay serve` with OPENBAY_BACKEND=kubernetes, its KUBECONFIG at the fake API server
(tests/kubernetes/fake_apiserver), used through the SDK as a user would: a session runs a
command, writes and reads a file and opens its browser (Playwright over the server's CDP
endpoint); a restarted server, and a second replica on the same PostgreSQL, adopt a session
another server process made.

Real: `openbay serve` (unchanged, a child process), the SDK, the official `kubernetes` client
in the server, each session's pod run as a runc sandbox of its image, envd's TLS listener in it
and Chromium. Faked: the API server, its node and the pod network (see test_backend_on_fake.py).
"""
import time

import httpx
import pytest
from kubernetes import client
from playwright.sync_api import sync_playwright

from openbay import CreateSessionParams
from openbay.sandbox.kubernetes import objects
from openbay.sdk.errors import GoneError
from tests.helpers import postgres
from tests.helpers.replicas import replica_set
from tests.helpers.server import process_server
from tests.kubernetes.cluster_helpers import NAMESPACE, gone, wait_pod_deleted
from tests.kubernetes.fake_apiserver.launch import fake_cluster

KEY = "ob_" + "k8s" * 10


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with fake_cluster(tmp_path_factory.mktemp("k8s-serve")) as kubeconfig:
        yield kubeconfig


def on_kubernetes(kubeconfig, **extra) -> dict:
    """A server on the fake cluster whose sessions' pods outlive it (as on a real cluster)."""
    return {"OPENBAY_BACKEND": "kubernetes", "KUBECONFIG": str(kubeconfig), "OPENBAY_BOOTSTRAP_KEY": KEY,
            "OPENBAY_STOP_SANDBOXES_ON_EXIT": "0", **extra}


def pod_of(core: client.CoreV1Api, session_id: str):
    return core.read_namespaced_pod(objects.object_name(session_id), NAMESPACE)


def test_a_session_on_kubernetes_runs_a_command_reads_a_file_and_browses(cluster, tmp_path, core):
    with process_server(tmp_path / "home", on_kubernetes(cluster)) as (server, _):
        assert httpx.get(f"{server.base_url}/healthz").json()["backend"] == "kubernetes"
        bay = server.client()
        s = bay.create(CreateSessionParams(image_id="browser")).session
        assert pod_of(core, s.session_id).status.phase == "Running"
        result = s.command.execute_command("echo from-the-pod; ps -eo args | grep -c [t]ls_listen.py")
        assert (result.exit_code, result.output) == (0, "from-the-pod\n1\n")
        s.file_system.write_file("/home/user/notes.txt", "written through the SDK")
        assert s.file_system.read_file("/home/user/notes.txt").content == "written through the SDK"
        with sync_playwright() as p:
            browser = p.chromium.connect_over_cdp(s.browser.get_endpoint_url())
            page = browser.contexts[0].pages[0]
            page.set_content("<h1 id=t>in a pod</h1>")
            assert page.text_content("#t") == "in a pod"
            assert "HeadlessChrome" in page.evaluate("navigator.userAgent")
            browser.close()
        limits = pod_of(core, s.session_id).spec.containers[0].resources.limits
        metrics = s.get_metrics().metrics  # the limits the backend read from the session's pod
        assert (str(metrics.mem_total), str(metrics.disk_total)) == (limits["memory"], limits["ephemeral-storage"])
        r = httpx.post(f"{server.base_url}/v1/sessions/{s.session_id}/pause",
                       headers={"Authorization": f"Bearer {server.admin_key}"})
        assert r.status_code == 501 and r.json()["error"]["details"] == {"backend": "kubernetes",
                                                                          "ability": "Pausable"}
        # a pod deleted behind OpenBay's back: the session is marked dead, with the reason
        core.delete_namespaced_pod(objects.object_name(s.session_id), NAMESPACE, grace_period_seconds=0)
        info = until(lambda: s.info(), lambda i: i.status == "dead")
        assert info.end_reason == "sandbox exited: its pod was deleted"
        # and what was left of it goes (the dead session's end stops it after marking it)
        until(lambda: gone(core.read_namespaced_secret, objects.object_name(s.session_id), NAMESPACE), bool)


def until(get, done, timeout_s: float = 120):
    """`get()` until `done` says yes (the server learns it from its pod watch, not from this test)."""
    deadline = time.monotonic() + timeout_s
    while not done(value := get()):
        assert time.monotonic() < deadline, f"still {value}"
        time.sleep(0.2)
    return value


def test_a_restarted_server_adopts_the_pods_of_its_sessions(cluster, tmp_path, core):
    home = tmp_path / "home"
    with process_server(home, on_kubernetes(cluster)) as (server, _):
        s = server.client().create(CreateSessionParams(image_id="linux")).session
        s.file_system.write_file("/home/user/kept.txt", "before the restart")
    pod = pod_of(core, s.session_id)  # the server stopped; the pod did not
    assert pod.status.phase == "Running" and not pod.metadata.deletion_timestamp
    with process_server(home, on_kubernetes(cluster)) as (server, _):
        again = server.client().get(s.session_id).session
        assert again.info().status == "running"
        assert again.command.execute_command("cat /home/user/kept.txt").output == "before the restart"
        again.delete()
    wait_pod_deleted(core, objects.object_name(s.session_id))


@pytest.mark.skipif(not postgres.available(), reason="Debian postgresql is not installed")
def test_a_second_replica_adopts_a_session_the_first_made(cluster, tmp_path, core):
    with replica_set(tmp_path, 2, on_kubernetes(cluster)) as replicas:
        first, second = (r.client() for r in replicas.servers)
        made = first.create(CreateSessionParams(image_id="linux", labels={"made": "first"})).session
        made.command.execute_command("echo made-by-the-first > /home/user/mark")
        adopted = second.get(made.session_id).session
        assert adopted.command.execute_command("cat /home/user/mark").output == "made-by-the-first\n"
        assert adopted.get_labels() == {"made": "first"}
        # a replica on another namespace is on other sandboxes: it refuses to start, naming both
        with pytest.raises(RuntimeError) as refused:
            replicas.start({"OPENBAY_K8S_NAMESPACE": "openbay-elsewhere"})
        assert f"kubernetes sandboxes in namespace {NAMESPACE} of https://" in str(refused.value)
        assert "kubernetes sandboxes in namespace openbay-elsewhere of https://" in str(refused.value)
        assert adopted.command.execute_command("cat /home/user/mark").output == "made-by-the-first\n"
        adopted.delete()  # through the second: the first lets go of it
        with pytest.raises(GoneError):
            made.info()
    wait_pod_deleted(core, objects.object_name(made.session_id))
