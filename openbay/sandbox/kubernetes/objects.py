"""The Kubernetes objects of one OpenBay session, built from its SandboxSpec (pure functions).

A session is a pod (or an agent-sandbox `Sandbox` whose pod template is the same pod
spec) with: the session's OCI image; envd copied in by an init container from the
OpenBay image and started as the entry point on TCP with TLS and a per-session token
(a Secret); cpu, memory and ephemeral storage from the session's limits; its home on an
ephemeral volume capped at the session's disk; and a NetworkPolicy made from its egress
policy. Everything here returns plain dicts in the API's own shape (camelCase), so the
tests validate them against the Kubernetes OpenAPI schemas without a cluster.
"""
from __future__ import annotations

import base64
import ipaddress
import re
from dataclasses import dataclass

from ..backend import NetworkPolicy, ResourceLimits, SandboxSpec
from ..egress_floor import FLOOR_V4 as PRIVATE
from ..egress_floor import is_cidr

ENVD_PORT = 49983
ENVD_DIR = "/opt/envd"
CREDENTIALS_DIR = "/run/openbay-envd"
ENVD_TLS_NAME = "envd.openbay.internal"  # the name in each session's certificate; the server checks it
MANAGED_BY = {"app.kubernetes.io/managed-by": "openbay"}
SESSION_LABEL = "openbay.dev/session"
SERVER_SELECTOR = {"app.kubernetes.io/name": "openbay-server"}  # the deploy files' server pods
PRIVATE_V6 = ("::1/128", "fc00::/7", "fe80::/10")
SANDBOX_API = ("agents.x-k8s.io", "v1alpha1")
EXTENSIONS_API = ("extensions.agents.x-k8s.io", "v1alpha1")


@dataclass(frozen=True)
class K8sSettings:
    namespace: str = "openbay-sessions"
    image_prefix: str = ""  # e.g. "registry.example.com/openbay/": the session image is prefix + image ref
    envd_image: str = "openbay/server:latest"  # an image with OpenBay installed: the init container copies envd
    runtime_class: str = ""  # e.g. "gvisor"; empty: the cluster's default
    agent_sandbox: bool = False  # sessions as agent-sandbox `Sandbox` objects instead of bare pods
    server_namespace: str = "openbay"
    port_forward: bool = False  # reach envd through the API server's port-forward (a server outside the cluster)


def object_name(session_id: str) -> str:
    """A DNS-1123 label for the session's objects (session ids are already short and lowercase)."""
    slug = re.sub(r"[^a-z0-9-]+", "-", session_id.lower()).strip("-")
    return f"ob-{slug}"[:63].rstrip("-")


def image_reference(image_id: str, settings: K8sSettings) -> str:
    return settings.image_prefix + image_id


def _meta(spec: SandboxSpec, settings: K8sSettings) -> dict:
    return {"name": object_name(spec.session_id), "namespace": settings.namespace,
            "labels": {**MANAGED_BY, SESSION_LABEL: object_name(spec.session_id)}}


def credentials_secret(spec: SandboxSpec, settings: K8sSettings, token: str, cert_pem: bytes, key_pem: bytes) -> dict:
    """The session's envd token and TLS pair, mounted read-only into its pod."""
    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()
    return {"apiVersion": "v1", "kind": "Secret", "metadata": _meta(spec, settings), "type": "Opaque",
            "data": {"token": b64(token.encode()), "tls.crt": b64(cert_pem), "tls.key": b64(key_pem)}}


def resources(limits: ResourceLimits, disk_bytes: int) -> dict:
    """Requests equal limits (Guaranteed QoS when cpu is whole): a session gets what it was promised.

    `max_processes` has no per-pod field: the node's kubelet `podPidsLimit` caps processes.
    """
    amounts = {"cpu": f"{int(round(limits.cpu_cores * 1000))}m", "memory": str(limits.memory_bytes),
               "ephemeral-storage": str(disk_bytes)}
    return {"requests": dict(amounts), "limits": dict(amounts)}


def pod_spec(spec: SandboxSpec, settings: K8sSettings) -> dict:
    credentials = object_name(spec.session_id)
    env = [{"name": k, "value": v} for k, v in sorted(spec.envs.items())]
    pod = {
        "restartPolicy": "Never",
        "automountServiceAccountToken": False,  # a session never talks to the Kubernetes API
        "enableServiceLinks": False,  # no other services' addresses in the session's environment
        "hostname": "sandbox",
        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "initContainers": [{
            "name": "envd",
            "image": settings.envd_image,
            "command": ["python3", "-c",
                        "import os, shutil, openbay.sandbox.envd as e; "
                        f"shutil.copytree(os.path.dirname(e.__file__), {ENVD_DIR!r}, dirs_exist_ok=True)"],
            "volumeMounts": [{"name": "envd", "mountPath": ENVD_DIR}],
            "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "128Mi"}},
        }],
        "containers": [{
            "name": "sandbox",
            "image": image_reference(spec.image_id, settings),
            "command": ["python3", "-S", "-E", f"{ENVD_DIR}/tls_listen.py", str(ENVD_PORT),
                        f"{CREDENTIALS_DIR}/tls.crt", f"{CREDENTIALS_DIR}/tls.key", f"{CREDENTIALS_DIR}/token"],
            "workingDir": "/home/user",
            "env": env,
            "ports": [{"name": "envd", "containerPort": ENVD_PORT, "protocol": "TCP"}],
            "resources": resources(spec.limits, spec.disk_bytes),
            "readinessProbe": {"tcpSocket": {"port": ENVD_PORT}, "periodSeconds": 1, "failureThreshold": 60},
            "volumeMounts": [{"name": "home", "mountPath": "/home/user"},
                             {"name": "envd", "mountPath": ENVD_DIR, "readOnly": True},
                             {"name": "credentials", "mountPath": CREDENTIALS_DIR, "readOnly": True}],
        }],
        "volumes": [
            {"name": "home", "emptyDir": {"sizeLimit": str(spec.disk_bytes)}},
            {"name": "envd", "emptyDir": {"sizeLimit": "64Mi"}},
            {"name": "credentials", "secret": {"secretName": credentials, "defaultMode": 0o400}},
        ],
    }
    if settings.runtime_class:
        pod["runtimeClassName"] = settings.runtime_class
    return pod


def pod(spec: SandboxSpec, settings: K8sSettings) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": _meta(spec, settings), "spec": pod_spec(spec, settings)}


def sandbox(spec: SandboxSpec, settings: K8sSettings) -> dict:
    """The agent-sandbox `Sandbox` holding the same pod (when its CRDs are installed)."""
    meta = _meta(spec, settings)
    return {"apiVersion": "/".join(SANDBOX_API), "kind": "Sandbox", "metadata": meta,
            "spec": {"podTemplate": {"metadata": {"labels": meta["labels"]}, "spec": pod_spec(spec, settings)}}}


def sandbox_template(name: str, spec: SandboxSpec, settings: K8sSettings) -> dict:
    """A `SandboxTemplate` for a warm pool of one image (the spec's session id is a placeholder)."""
    meta = {"name": name, "namespace": settings.namespace, "labels": dict(MANAGED_BY)}
    return {"apiVersion": "/".join(EXTENSIONS_API), "kind": "SandboxTemplate", "metadata": meta,
            "spec": {"podTemplate": {"metadata": {"labels": dict(MANAGED_BY)}, "spec": pod_spec(spec, settings)}}}


def warm_pool(name: str, template: str, replicas: int, settings: K8sSettings) -> dict:
    return {"apiVersion": "/".join(EXTENSIONS_API), "kind": "SandboxWarmPool",
            "metadata": {"name": name, "namespace": settings.namespace, "labels": dict(MANAGED_BY)},
            "spec": {"replicas": replicas, "sandboxTemplateRef": {"name": template}}}


@dataclass(frozen=True)
class EgressRules:
    rules: list[dict]
    unenforced: list[str]  # entries a NetworkPolicy cannot express (host names, host ports)


def _family(version: int) -> tuple[str, tuple[str, ...]]:
    return ("0.0.0.0/0", PRIVATE) if version == 4 else ("::/0", PRIVATE_V6)


def egress_rules(policy: NetworkPolicy, network: bool) -> EgressRules:
    """The egress of the local firewall, as far as CIDRs go.

    Locally a session reaches: its allowed CIDRs, then not its denied ones, then the
    public internet but nothing private. A NetworkPolicy only adds allows, so the same
    order becomes: one rule per allowed CIDR, plus "everything public" with the private
    ranges and the denied CIDRs as exceptions. DNS to the cluster's resolver is allowed
    (names resolve as before). Host names and wildcards cannot be said in a NetworkPolicy
    (it matches addresses only); `allow_host_ports` name the OpenBay machine, which has no
    meaning in a cluster. Both are returned as `unenforced` so the backend can say so.
    """
    unenforced = [e for e in (*policy.allow_out, *policy.deny_out) if not is_cidr(e)]
    unenforced += [f"host port {p}" for p in policy.allow_host_ports]
    if not network:
        return EgressRules([], unenforced)
    rules: list[dict] = [{"to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                          "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]
    allowed = [ipaddress.ip_network(e, strict=False) for e in policy.allow_out if is_cidr(e)]
    denied = [ipaddress.ip_network(e, strict=False) for e in policy.deny_out if is_cidr(e)]
    if allowed:
        rules.append({"to": [{"ipBlock": {"cidr": str(n)}} for n in allowed]})
    for version in (4, 6):
        everything, private = _family(version)
        blocked = [*(ipaddress.ip_network(p) for p in private), *(n for n in denied if n.version == version)]
        if any(n.prefixlen == 0 for n in blocked):
            continue  # this whole family is denied
        rules.append({"to": [{"ipBlock": {"cidr": everything, "except": sorted({str(n) for n in blocked})}}]})
    return EgressRules(rules, unenforced)


def network_policy(spec: SandboxSpec, settings: K8sSettings) -> dict:
    """Only the OpenBay server reaches the session (envd's port); egress as the session's policy says."""
    meta = _meta(spec, settings)
    egress = egress_rules(spec.network_policy, spec.network)
    if egress.unenforced:
        meta["annotations"] = {"openbay.dev/unenforced-egress": ", ".join(egress.unenforced)}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta,
            "spec": {"podSelector": {"matchLabels": {SESSION_LABEL: meta["labels"][SESSION_LABEL]}},
                     "policyTypes": ["Ingress", "Egress"],
                     "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
                                               "kubernetes.io/metadata.name": settings.server_namespace}},
                                            "podSelector": {"matchLabels": SERVER_SELECTOR}}],
                                  "ports": [{"protocol": "TCP", "port": ENVD_PORT}]}],
                     "egress": egress.rules}}


def session_objects(spec: SandboxSpec, settings: K8sSettings, token: str, cert_pem: bytes,
                    key_pem: bytes) -> list[dict]:
    """Everything created for one session, in creation order."""
    workload = sandbox(spec, settings) if settings.agent_sandbox else pod(spec, settings)
    return [credentials_secret(spec, settings, token, cert_pem, key_pem), network_policy(spec, settings), workload]
