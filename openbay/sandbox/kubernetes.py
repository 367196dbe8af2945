"""Sessions as Kubernetes pods (`OPENBAY_BACKEND=kubernetes`), through the official client.

The objects come from k8s_objects (pure, validated offline by the tests); this module
only creates, watches and deletes them. The server reaches each session's envd at its
pod IP over TLS, pinning the session's own certificate, and opens every connection
with the session's token. The `kubernetes` package is an optional extra
(`pip install 'openbay[kubernetes]'`) imported only when this backend is built.

What a pod cannot do that the local backend does (abilities it does not declare, which
the server answers 501): pause/resume (Kubernetes has no freeze), templates and snapshots
(images come from a registry), egress rules by host name (see
k8s_objects.egress_rules), per-pod process limits (the kubelet's podPidsLimit), and
usage metrics (metrics-server is optional; only the limits are reported).
"""
from __future__ import annotations

import asyncio
import datetime
import os
import secrets
import time
from dataclasses import dataclass

from . import k8s_objects as objects
from .backend import Sandbox, SandboxError, SandboxMetrics, SandboxSpec
from .envd.client import EnvdClient
from .envd_tls import tls_connector

START_TIMEOUT_S = 300.0  # an image pull on a cold node takes a while


def self_signed_pair() -> tuple[bytes, bytes]:
    """A fresh certificate and key for one session's envd (the server pins exactly this one)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, objects.ENVD_TLS_NAME)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(objects.ENVD_TLS_NAME)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def settings_from_env() -> objects.K8sSettings:
    env = os.environ.get
    return objects.K8sSettings(
        namespace=env("OPENBAY_K8S_NAMESPACE", objects.K8sSettings.namespace),
        image_prefix=env("OPENBAY_K8S_IMAGE_PREFIX", ""),
        envd_image=env("OPENBAY_K8S_ENVD_IMAGE", objects.K8sSettings.envd_image),
        runtime_class=env("OPENBAY_K8S_RUNTIME_CLASS", ""),
        agent_sandbox=env("OPENBAY_K8S_AGENT_SANDBOX", "") == "1",
        server_namespace=env("OPENBAY_K8S_SERVER_NAMESPACE", objects.K8sSettings.server_namespace))


@dataclass
class _Session:
    spec: SandboxSpec
    address: str


class KubernetesBackend:
    name = "kubernetes"

    def __init__(self, settings: objects.K8sSettings | None = None, api_client=None):
        try:
            import kubernetes  # noqa: F401  (optional extra)
        except ImportError:
            raise SandboxError("OPENBAY_BACKEND=kubernetes needs the kubernetes extra: "
                               "pip install 'openbay[kubernetes]'") from None
        from kubernetes import client, config
        if api_client is None:
            try:
                config.load_incluster_config()
            except config.ConfigException:
                try:
                    config.load_kube_config()
                except (config.ConfigException, OSError) as e:
                    raise SandboxError(f"no Kubernetes configuration (in-cluster or KUBECONFIG): {e}") from None
            api_client = client.ApiClient()
        self.settings = settings or settings_from_env()
        self._api = api_client
        self._core = client.CoreV1Api(api_client)
        self._net = client.NetworkingV1Api(api_client)
        self._custom = client.CustomObjectsApi(api_client)
        self._sessions: dict[str, _Session] = {}

    @classmethod
    def from_env(cls) -> KubernetesBackend:
        return cls(settings_from_env())

    async def _call(self, fn, *args, **kwargs):
        """The client is synchronous: its calls run on a thread, off the event loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def _create(self, obj: dict) -> None:
        ns, kind = self.settings.namespace, obj["kind"]
        if kind == "Secret":
            await self._call(self._core.create_namespaced_secret, ns, obj)
        elif kind == "NetworkPolicy":
            await self._call(self._net.create_namespaced_network_policy, ns, obj)
        elif kind == "Pod":
            await self._call(self._core.create_namespaced_pod, ns, obj)
        else:
            group, version = obj["apiVersion"].split("/")
            await self._call(self._custom.create_namespaced_custom_object, group, version, ns,
                             kind.lower() + "es" if kind.endswith("x") else kind.lower() + "s", obj)

    async def start(self, spec: SandboxSpec) -> Sandbox:
        from kubernetes.client.exceptions import ApiException
        token = secrets.token_urlsafe(32)
        cert_pem, key_pem = self_signed_pair()
        try:
            for obj in objects.session_objects(spec, self.settings, token, cert_pem, key_pem):
                await self._create(obj)
            address = await self._wait_ready(spec)
        except ApiException as e:
            await self.stop(spec.session_id)
            raise SandboxError(f"Kubernetes refused the session: {e.status} {e.reason}") from None
        except SandboxError:
            await self.stop(spec.session_id)
            raise
        self._sessions[spec.session_id] = _Session(spec, address)
        connect = tls_connector(address, objects.ENVD_PORT, token, cert_pem, objects.ENVD_TLS_NAME)
        return Sandbox(session_id=spec.session_id, envd=EnvdClient(connect))

    async def _wait_ready(self, spec: SandboxSpec) -> str:
        name, deadline = objects.object_name(spec.session_id), time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            pod = await self._call(self._core.read_namespaced_pod, name, self.settings.namespace)
            status = pod.status
            if status.phase in ("Failed", "Succeeded"):
                raise SandboxError(f"the session's pod ended ({status.phase}): {status.message or status.reason}")
            ready = any(c.type == "Ready" and c.status == "True" for c in status.conditions or [])
            if ready and status.pod_ip:
                return status.pod_ip
            await asyncio.sleep(0.5)
        raise SandboxError(f"the session's pod was not ready within {START_TIMEOUT_S:.0f} s")

    async def stop(self, session_id: str) -> None:
        from kubernetes.client.exceptions import ApiException
        self._sessions.pop(session_id, None)
        name, ns = objects.object_name(session_id), self.settings.namespace
        if self.settings.agent_sandbox:
            group, version = objects.SANDBOX_API
            deletes = [(self._custom.delete_namespaced_custom_object, (group, version, ns, "sandboxes", name))]
        else:
            deletes = [(self._core.delete_namespaced_pod, (name, ns))]
        deletes += [(self._net.delete_namespaced_network_policy, (name, ns)),
                    (self._core.delete_namespaced_secret, (name, ns))]
        for fn, args in deletes:
            try:
                await self._call(fn, *args, grace_period_seconds=0)
            except ApiException as e:
                if e.status != 404:
                    raise SandboxError(f"Kubernetes refused to delete {name}: {e.status} {e.reason}") from None

    def is_alive(self, session_id: str) -> bool:
        """From what this server started (the pod's own state is read on the next envd call)."""
        return session_id in self._sessions

    async def cleanup_stale(self) -> list[str]:
        """Nothing is removed at start: another replica may own the sessions found in the namespace."""
        return []

    async def close(self) -> None:
        for session_id in list(self._sessions):
            await self.stop(session_id)
        self._api.close()

    async def metrics(self, session_id: str) -> SandboxMetrics:
        session = self._sessions.get(session_id)
        if session is None:
            return SandboxMetrics()
        return SandboxMetrics(memory_limit_bytes=session.spec.limits.memory_bytes,
                              disk_quota_bytes=session.spec.disk_bytes)

