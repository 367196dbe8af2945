"""The Kubernetes backend end to end against a real cluster: only where KUBECONFIG points at one.

Needs the namespace of OPENBAY_K8S_NAMESPACE (default openbay-sessions), an image named
OPENBAY_K8S_IMAGE_PREFIX + OPENBAY_K8S_TEST_IMAGE (default debian-13) with python3, and
OPENBAY_K8S_ENVD_IMAGE (an image with OpenBay installed). The test runs where the pod
network is reachable from it (inside the cluster, or a kind/minikube node's host).
"""
import os
import uuid
from pathlib import Path

import pytest

from openbay.sandbox.backend import NetworkPolicy, Pausable, ResourceLimits, SandboxSpec, abilities_of

KUBECONFIG = os.environ.get("KUBECONFIG", "")
pytestmark = pytest.mark.skipif(
    not KUBECONFIG or not Path(KUBECONFIG).is_file(),
    reason="no Kubernetes cluster: KUBECONFIG does not point at a kubeconfig file (this machine has no API server)")


@pytest.fixture
async def backend():
    from openbay.sandbox.kubernetes.backend import KubernetesBackend
    b = KubernetesBackend.from_env()
    yield b
    await b.close()


async def test_a_session_pod_runs_commands_and_is_gone_after_stop(backend):
    session_id = f"s-{uuid.uuid4().hex[:10]}"
    spec = SandboxSpec(session_id=session_id, image_id=os.environ.get("OPENBAY_K8S_TEST_IMAGE", "debian-13"),
                       envs={"GREETING": "hello"}, limits=ResourceLimits(memory_bytes=512 * 1024 ** 2, cpu_cores=0.5),
                       network_policy=NetworkPolicy(deny_out=("1.1.1.1/32",)), disk_bytes=1024 ** 3)
    sandbox = await backend.start(spec)
    assert backend.is_alive(session_id)
    result = await sandbox.envd.exec({"command": "echo $GREETING; pwd", "cwd": "/home/user"})
    assert result["exit_code"] == 0 and result["output"] == "hello\n/home/user\n"
    assert Pausable not in abilities_of(backend)  # a pod cannot be frozen: the server answers 501
    await backend.stop(session_id)
    assert not backend.is_alive(session_id)
    from kubernetes.client.exceptions import ApiException
    with pytest.raises(ApiException) as gone:
        backend._core.read_namespaced_secret(f"ob-{session_id}", backend.settings.namespace)
    assert gone.value.status == 404
