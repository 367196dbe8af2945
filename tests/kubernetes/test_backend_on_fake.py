"""KubernetesBackend, unchanged, through the official `kubernetes` client, against the fake API
server of tests/kubernetes/fake_apiserver.

Real: the client and its HTTPS with the kubeconfig's CA and token; every object the backend
creates (validated by the fake against the Kubernetes 1.37 schemas); each pod's container, run in
a runc sandbox of the named OpenBay image with the pod's env and limits; envd's TLS listener
(`tls_listen.py`, the pod's command) inside it, with the session's certificate and token from
its Secret; the backend's TLS connection to it, pinned to that certificate. Faked: the API
server, scheduler, kubelet and agent-sandbox controller (fake_apiserver/), and the pod network:
a pod IP is a loopback address whose declared ports are relayed into the sandbox by envd's
`port` op (bytes only: TLS ends inside the pod). NetworkPolicies are stored, not enforced.
"""
import asyncio
import base64
import contextlib
import ipaddress

import pytest
import yaml
from kubernetes import client

from openbay.sandbox.backend import ExitNotices, Reattach, ResourceLimits, SandboxError, abilities_of
from openbay.sandbox.envd import wire
from openbay.sandbox.envd.client import EnvdError
from openbay.sandbox.envd.upload import upload
from openbay.sandbox.kubernetes import objects
from openbay.sandbox.kubernetes.backend import KubernetesBackend, self_signed_pair
from tests.helpers.server import free_port
from tests.kubernetes.cluster_helpers import NAMESPACE, api_client, backend_for, gone, new_spec, wait_pod_deleted
from tests.kubernetes.fake_apiserver.launch import fake_cluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with fake_cluster(tmp_path_factory.mktemp("k8s")) as kubeconfig:
        yield kubeconfig


@pytest.fixture
async def backend(cluster):
    b = backend_for(cluster)
    yield b
    await b.close()


async def test_a_session_runs_its_commands_and_files_in_its_pod(backend, core):
    spec = new_spec(envs={"GREETING": "hello"}, disk_bytes=1024 ** 3,
                    limits=ResourceLimits(memory_bytes=256 * 1024 ** 2, cpu_cores=0.5))
    sandbox = await backend.start(spec)
    session = spec.session_id
    assert backend.is_alive(session)
    result = await sandbox.envd.exec({"command": "echo $GREETING > notes.txt; pwd; ps -eo args",
                                      "cwd": "/home/user"})
    assert result["exit_code"] == 0 and result["output"].startswith("/home/user\n")
    # the pod's own command answers: envd's TLS listener with the Secret's files, inside the sandbox
    assert "/opt/envd/tls_listen.py 49983 /run/openbay-envd/tls.crt" in result["output"]
    read = await sandbox.envd.exec({"command": "cat /home/user/notes.txt; stat -c %a /run/openbay-envd/token"})
    assert read["output"] == "hello\n400\n"

    pod = core.read_namespaced_pod(objects.object_name(session), NAMESPACE)
    assert pod.status.phase == "Running" and ipaddress.ip_address(pod.status.pod_ip).is_loopback
    assert pod.metadata.labels[objects.SESSION_LABEL] == objects.object_name(session)
    metrics = await backend.metrics(session)
    assert (metrics.memory_limit_bytes, metrics.disk_quota_bytes) == (256 * 1024 ** 2, 1024 ** 3)

    await backend.stop(session)
    assert not backend.is_alive(session)
    name = objects.object_name(session)
    wait_pod_deleted(core, name)
    assert gone(core.read_namespaced_secret, name, NAMESPACE)
    assert gone(client.NetworkingV1Api(core.api_client).read_namespaced_network_policy, name, NAMESPACE)
    assert (await backend.metrics(session)).memory_limit_bytes is None


async def test_a_server_outside_the_cluster_reaches_envd_through_port_forward(cluster, core):
    """OPENBAY_K8S_PORT_FORWARD=1: envd through the API server's pods/portforward WebSocket (the
    client's own `portforward`), TLS still ending at the pod's envd. As the kubeconfig's admin:
    deploy/kubernetes's in-cluster ServiceAccount is not granted port-forward (and needs none)."""
    forwarded = KubernetesBackend(objects.K8sSettings(port_forward=True), api_client=api_client(cluster, admin=True))
    spec = new_spec()
    try:
        sandbox = await forwarded.start(spec)
        assert (await sandbox.envd.exec({"command": "echo forwarded"}))["output"] == "forwarded\n"
        data = bytes(range(256)) * 8192 + b"tail"  # 2 MiB and a bit, both ways

        async def chunks():
            yield data
        await upload(sandbox.envd, {"op": "fs.write", "path": "/home/user/blob"}, chunks())
        got = [p async for kind, p in sandbox.envd.stream({"op": "fs.read", "path": "/home/user/blob"})
               if kind == wire.BYTES]
        assert b"".join(got) == data
        other = KubernetesBackend(objects.K8sSettings(port_forward=True), api_client=api_client(cluster, admin=True))
        adopted = await other.reattach(spec.session_id)
        assert (await adopted.envd.exec({"command": "echo adopted"}))["output"] == "adopted\n"
        other.forget(spec.session_id)
        await other.close()
    finally:
        await forwarded.close()
    # the server's own ServiceAccount (deploy/kubernetes) may not port-forward: refused, plainly
    refused = backend_for(cluster, port_forward=True)
    try:
        sandbox = await refused.start(spec := new_spec())
        with pytest.raises(EnvdError, match="port-forward to .*403"):
            await sandbox.envd.ping()
    finally:
        await refused.close()
    wait_pod_deleted(core, objects.object_name(spec.session_id))


def test_the_backend_declares_what_it_can_do_and_nothing_else(backend):
    """Pause (no freeze in Kubernetes), templates and snapshots (images come from a registry),
    kept disks and the rest are not declared: the server answers 501 for them (tests/server)."""
    assert abilities_of(backend) == {Reattach, ExitNotices}


async def test_a_pod_that_dies_is_reported_at_once(backend, core):
    """ExitNotices: from the backend's pod watch, whether the pod is deleted behind its back or
    its container (envd's listener) ends."""
    exits: asyncio.Queue = asyncio.Queue()
    backend.on_exit = lambda session_id, reason: exits.put_nowait((session_id, reason))
    deleted, ended = new_spec(), new_spec()
    await backend.start(deleted)
    sandbox = await backend.start(ended)
    core.delete_namespaced_pod(objects.object_name(deleted.session_id), NAMESPACE, grace_period_seconds=0)
    assert await asyncio.wait_for(exits.get(), 120) == (deleted.session_id, "sandbox exited: its pod was deleted")
    assert not backend.is_alive(deleted.session_id)
    with contextlib.suppress(EnvdError):  # the answer may or may not make it out before the listener goes
        await sandbox.envd.exec({"command": "kill $(pgrep -f '^python3 -S -E /opt/envd/tls_listen.py')"})
    session_id, reason = await asyncio.wait_for(exits.get(), 120)
    assert session_id == ended.session_id and "the session's pod ended (Succeeded)" in reason  # SIGTERM: exit 0
    assert not backend.is_alive(ended.session_id)
    # a server that looks for it later (a restart): nothing to adopt, and what was left of it goes
    assert await backend.reattach(ended.session_id) is None
    name = objects.object_name(ended.session_id)
    wait_pod_deleted(core, name)
    assert gone(core.read_namespaced_secret, name, NAMESPACE)
    assert exits.empty()


async def test_another_backend_adopts_the_pod_and_the_first_lets_go(backend, cluster):
    """What a replica (or a restarted server) does: find the pod by its label, prove its envd."""
    spec = new_spec(limits=ResourceLimits(memory_bytes=300 * 1024 ** 2), disk_bytes=2 * 1024 ** 3)
    first = await backend.start(spec)
    await first.envd.exec({"command": "echo made-by-the-first > /home/user/mark"})
    other = backend_for(cluster)
    try:
        adopted = await other.reattach(spec.session_id)
        assert adopted is not None and other.is_alive(spec.session_id)
        assert (await adopted.envd.exec({"command": "cat /home/user/mark"}))["output"] == "made-by-the-first\n"
        metrics = await other.metrics(spec.session_id)  # read from the pod it adopted
        assert (metrics.memory_limit_bytes, metrics.disk_quota_bytes) == (300 * 1024 ** 2, 2 * 1024 ** 3)

        await backend.detach()  # a server stopping: the pod stays for the others
        assert not backend.is_alive(spec.session_id)
        assert (await adopted.envd.exec({"command": "echo still"}))["output"] == "still\n"
        other.forget(spec.session_id)  # another replica ended it: let go, touching nothing
        assert not other.is_alive(spec.session_id)
        again = await backend.reattach(spec.session_id)
        assert (await again.envd.exec({"command": "echo back"}))["output"] == "back\n"
    finally:
        await other.close()  # stops nothing: it holds nothing any more


async def test_only_the_sessions_own_pod_is_adopted(backend, core):
    assert await backend.reattach("s-nosuchsession") is None
    spec = new_spec()
    await backend.start(spec)
    name = objects.object_name(spec.session_id)
    # a Secret whose certificate is not the one the pod's envd serves: TLS refuses, nothing adopted
    secret = core.read_namespaced_secret(name, NAMESPACE)
    core.delete_namespaced_secret(name, NAMESPACE)
    other_cert, _ = self_signed_pair()
    core.create_namespaced_secret(NAMESPACE, {"metadata": {"name": name, "labels": secret.metadata.labels},
                                              "data": {**secret.data,
                                                       "tls.crt": base64.b64encode(other_cert).decode()}})
    assert await backend.reattach(spec.session_id) is None
    # a pod deleted behind the backend's back is not there to adopt
    core.delete_namespaced_pod(name, NAMESPACE, grace_period_seconds=0)
    wait_pod_deleted(core, name)
    assert await backend.reattach(spec.session_id) is None
    await backend.stop(spec.session_id)


async def test_a_pod_that_cannot_start_fails_at_once_and_leaves_nothing(backend, core):
    spec = new_spec(image_id="no-such-image")
    with pytest.raises(SandboxError, match="ErrImagePull"):
        await backend.start(spec)
    name = objects.object_name(spec.session_id)
    wait_pod_deleted(core, name)
    assert gone(core.read_namespaced_secret, name, NAMESPACE)
    assert not backend.is_alive(spec.session_id)


async def test_close_stops_what_it_holds_and_cleanup_touches_nothing(cluster, core):
    b = backend_for(cluster)
    held, other = new_spec(), new_spec()
    await b.start(held)
    keeper = backend_for(cluster)
    await keeper.start(other)
    assert await b.cleanup_stale() == []  # another replica's pod is not stale
    assert core.read_namespaced_pod(objects.object_name(other.session_id), NAMESPACE).status.phase == "Running"
    await b.close()
    wait_pod_deleted(core, objects.object_name(held.session_id))
    assert (await keeper.reattach(other.session_id)) is not None
    await keeper.close()
    wait_pod_deleted(core, objects.object_name(other.session_id))


@pytest.fixture(scope="module")
def agent_sandbox_cluster(tmp_path_factory):
    with fake_cluster(tmp_path_factory.mktemp("k8s-agent-sandbox"), agent_sandbox=True) as kubeconfig:
        yield kubeconfig


async def test_sessions_as_agent_sandbox_objects(agent_sandbox_cluster):
    """With OPENBAY_K8S_AGENT_SANDBOX=1 the session is a `Sandbox`; the (fake) agent-sandbox
    controller makes its pod and headless Service, which go with it."""
    b = backend_for(agent_sandbox_cluster, agent_sandbox=True)
    api = api_client(agent_sandbox_cluster, admin=True)
    core, custom = client.CoreV1Api(api), client.CustomObjectsApi(api)
    spec = new_spec()
    try:
        sandbox = await b.start(spec)
        assert (await sandbox.envd.exec({"command": "echo in-a-sandbox"}))["output"] == "in-a-sandbox\n"
        name = objects.object_name(spec.session_id)
        made = custom.get_namespaced_custom_object(*objects.SANDBOX_API, NAMESPACE, "sandboxes", name)
        assert made["status"]["conditions"][0]["status"] == "True"
        pod, service = core.read_namespaced_pod(name, NAMESPACE), core.read_namespaced_service(name, NAMESPACE)
        assert pod.metadata.owner_references[0].uid == made["metadata"]["uid"]
        assert service.spec.cluster_ip == "None"
        other = backend_for(agent_sandbox_cluster)
        assert (await other.reattach(spec.session_id)) is not None
        other.forget(spec.session_id)
        await other.close()
        await b.stop(spec.session_id)
        assert gone(custom.get_namespaced_custom_object, *objects.SANDBOX_API, NAMESPACE, "sandboxes", name)
        wait_pod_deleted(core, name)
        assert gone(core.read_namespaced_service, name, NAMESPACE)
    finally:
        await b.close()
        api.close()


async def test_agent_sandbox_mode_without_its_crds_is_refused_plainly(backend, cluster, core):
    b = backend_for(cluster, agent_sandbox=True)
    spec = new_spec()
    try:
        with pytest.raises(SandboxError, match="Kubernetes refused the session: 404"):
            await b.start(spec)
        assert gone(core.read_namespaced_secret, objects.object_name(spec.session_id), NAMESPACE)
    finally:
        await b.close()


async def test_an_api_that_cannot_be_reached_is_said_plainly(tmp_path):
    """Not a crash and not "the session is dead": a SandboxError naming the API."""
    config = {"apiVersion": "v1", "kind": "Config", "current-context": "c",
              "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{free_port()}"}}],
              "users": [{"name": "u", "user": {"token": "t"}}],
              "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}]}
    (tmp_path / "kubeconfig").write_text(yaml.safe_dump(config))
    b = backend_for(tmp_path / "kubeconfig")
    try:
        for attempt in (b.reattach(new_spec().session_id), b.start(new_spec())):
            with pytest.raises(SandboxError, match="the Kubernetes API cannot be reached"):
                await attempt
    finally:
        await b.close()

