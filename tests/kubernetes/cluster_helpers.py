"""What the tests on the fake cluster share: a backend and a client from its kubeconfig, session
specs, and waiting for an object to go by watching for it (no polling, no sleeps)."""
from __future__ import annotations

import uuid
from pathlib import Path

from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException

from openbay.sandbox.backend import SandboxSpec
from openbay.sandbox.kubernetes import objects
from openbay.sandbox.kubernetes.backend import KubernetesBackend
from tests.kubernetes.fake_apiserver.server import ADMIN_CONTEXT

NAMESPACE = objects.K8sSettings.namespace


def api_client(kubeconfig: Path, admin: bool = False):
    """A client as the OpenBay server (the kubeconfig's current context: deploy/kubernetes's
    ServiceAccount and its Role), or as the cluster's admin (the tests' own looks and changes)."""
    return config.new_client_from_config(config_file=str(kubeconfig), context=ADMIN_CONTEXT if admin else None)


def backend_for(kubeconfig: Path, **settings) -> KubernetesBackend:
    """The backend as OPENBAY_BACKEND=kubernetes builds it, on the fake's kubeconfig."""
    return KubernetesBackend(objects.K8sSettings(**settings), api_client=api_client(kubeconfig))


def new_spec(image_id: str = "linux", **fields) -> SandboxSpec:
    return SandboxSpec(session_id=f"s-{uuid.uuid4().hex[:12]}", image_id=image_id, **fields)


def gone(read, *args) -> bool:
    try:
        read(*args)
    except ApiException as e:
        if e.status == 404:
            return True
        raise
    return False


def wait_pod_deleted(core: client.CoreV1Api, name: str, timeout_s: int = 120) -> None:
    """Returns once the pod is deleted (a graceful deletion ends when its node removed it)."""
    selector = f"metadata.name={name}"
    pods = core.list_namespaced_pod(NAMESPACE, field_selector=selector)
    if not pods.items:
        return
    for event in watch.Watch().stream(core.list_namespaced_pod, NAMESPACE, field_selector=selector,
                                      resource_version=pods.metadata.resource_version, timeout_seconds=timeout_s):
        if event["type"] == "DELETED":
            return
    raise AssertionError(f"pod {name} was not deleted within {timeout_s} s")
