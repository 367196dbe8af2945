"""Sessions as Kubernetes pods (`OPENBAY_BACKEND=kubernetes`), through the official client.

The objects come from objects.py (pure, validated offline by the tests); this module
only creates, watches and deletes them. The server reaches each session's envd at its
pod IP over TLS, pinning the session's own certificate, and opens every connection
with the session's token. Both live in the session's Secret, so any server with the
namespace's rights (a restarted one, another replica) adopts a running session by its
pod's label (`reattach`); pods outlive the server that made them. The `kubernetes`
package is an optional extra (`pip install 'openbay[kubernetes]'`) imported only when
this backend is built.

What a pod cannot do that the local backend does (abilities it does not declare, which
the server answers 501): pause/resume (Kubernetes has no freeze), templates and snapshots
(images come from a registry), egress rules by host name (see
objects.egress_rules), per-pod process limits (the kubelet's podPidsLimit), and
usage metrics (metrics-server is optional; only the limits are reported).
"""
from __future__ import annotations

import asyncio
import base64
import datetime
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass

from ..backend import ExitNotices, Reattach, Sandbox, SandboxError, SandboxMetrics, SandboxSpec
from ..envd.client import EnvdClient, EnvdError
from . import objects, pod_state
from .envd_tls import tls_connector
from .pod_watch import PodWatch

START_TIMEOUT_S = 300.0  # an image pull on a cold node takes a while
ADOPT_PING_S = 10.0


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
        port_forward=env("OPENBAY_K8S_PORT_FORWARD", "") == "1",
        server_namespace=env("OPENBAY_K8S_SERVER_NAMESPACE", objects.K8sSettings.server_namespace))


@dataclass
class _Session:
    session_id: str
    address: str
    memory_limit_bytes: int | None
    disk_quota_bytes: int | None


class KubernetesBackend(Reattach, ExitNotices):
    name = "kubernetes"
    on_exit: Callable[[str, str], None] | None = None  # (session id, reason) when its pod dies on its own

    @property
    def place(self) -> str:
        return f"in namespace {self.settings.namespace} of {self._api.configuration.host}"

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
        self._sessions: dict[str, _Session] = {}  # by pod name
        self._watch: PodWatch | None = None

    def _pods(self) -> PodWatch:
        """The watch over the session pods, started on first use (it needs the running loop)."""
        if self._watch is None:
            selector = ",".join(f"{k}={v}" for k, v in objects.MANAGED_BY.items())
            self._watch = PodWatch(self._core, self.settings.namespace, selector, asyncio.get_running_loop(),
                                   self._pod_gone)
        return self._watch

    def _pod_gone(self, name: str, reason: str) -> None:
        session = self._sessions.pop(name, None)  # a pod this server stops is no longer held: no notice
        if session is not None and self.on_exit is not None:
            self.on_exit(session.session_id, f"sandbox exited: {reason}")

    def _stop_watching(self) -> None:
        if self._watch is not None:
            self._watch.stop()
            self._watch = None

    @classmethod
    def from_env(cls) -> KubernetesBackend:
        return cls(settings_from_env())

    async def _call(self, fn, *args, **kwargs):
        """The client is synchronous: its calls run on a thread, off the event loop. An API that
        cannot be reached is a SandboxError saying so (the API's own refusals stay ApiExceptions)."""
        from urllib3.exceptions import HTTPError
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except HTTPError as e:
            raise SandboxError(f"the Kubernetes API cannot be reached: {e}") from None

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
            address = await self._ready(objects.object_name(spec.session_id))
        except ApiException as e:
            await self.stop(spec.session_id)
            raise SandboxError(f"Kubernetes refused the session: {e.status} {_message(e)}") from None
        except BaseException:
            await self.stop(spec.session_id)
            raise
        self._sessions[objects.object_name(spec.session_id)] = _Session(spec.session_id, address,
                                                                        spec.limits.memory_bytes, spec.disk_bytes)
        return Sandbox(session_id=spec.session_id,
                       envd=self._envd(objects.object_name(spec.session_id), address, token, cert_pem))

    def _envd(self, name: str, address: str, token: str, cert_pem: bytes) -> EnvdClient:
        """envd of the pod: at its IP (the server runs in the cluster), or through the API
        server's port-forward (OPENBAY_K8S_PORT_FORWARD=1: a server outside it, e.g. on a laptop)."""
        forwarded = self._forwarded(name) if self.settings.port_forward else None
        return EnvdClient(tls_connector(address, objects.ENVD_PORT, token, cert_pem, objects.ENVD_TLS_NAME,
                                        open_socket=forwarded))

    def _forwarded(self, name: str):
        async def open_socket() -> socket.socket:
            from kubernetes.client.exceptions import ApiException
            from kubernetes.stream import portforward
            try:
                forward = await self._call(portforward, self._core.connect_get_namespaced_pod_portforward, name,
                                           self.settings.namespace, ports=str(objects.ENVD_PORT))
            except ApiException as e:  # the handshake was refused (401, 403, 404) or never made
                raise ConnectionRefusedError(f"port-forward to {name}: {e.reason}") from None
            end = forward.socket(objects.ENVD_PORT)  # one end of a socketpair the client's thread relays
            sock = socket.socket(fileno=os.dup(end.fileno()))  # a plain socket, for asyncio
            end.close()
            return sock
        return open_socket

    async def _ready(self, name: str) -> str:
        """The pod's IP once it is Ready, from the pod watch; a failed pod, a container that
        cannot start or the deadline is a SandboxError."""
        try:
            return await self._pods().ready(name, START_TIMEOUT_S)
        except ValueError as e:
            raise SandboxError(str(e)) from None
        except asyncio.TimeoutError:
            raise SandboxError(f"the session's pod was not ready within {START_TIMEOUT_S:.0f} s") from None

    async def reattach(self, session_id: str) -> Sandbox | None:
        """Adopt a running session's pod, found by its label: after a restart, or one another
        replica made. Its envd must answer with the session's certificate and token (both from
        its Secret): that is what proves the pod is the session's. None when there is no such
        pod, it no longer runs, or its envd does not answer; a pod that ended (it died while no
        server watched it) is deleted with the session's other objects. An API that cannot be
        asked is a SandboxError (the session may well be alive)."""
        from kubernetes.client.exceptions import ApiException
        name, ns = objects.object_name(session_id), self.settings.namespace
        self._pods()  # from now on its death is noticed
        labels = ",".join(f"{k}={v}" for k, v in {**objects.MANAGED_BY, objects.SESSION_LABEL: name}.items())
        try:
            pods = await self._call(self._core.list_namespaced_pod, ns, label_selector=labels)
            found = [(p, a) for p in pods.items if (a := pod_state.running_address(p))]
            if not found:
                if any(p.status and p.status.phase in ("Failed", "Succeeded") for p in pods.items):
                    await self.stop(session_id)  # it ended and never runs again: nothing of it is left
                return None
            secret = await self._call(self._core.read_namespaced_secret, name, ns)
        except ApiException as e:
            if e.status == 404:
                return None
            raise SandboxError(f"Kubernetes could not be asked about session {session_id}: "
                               f"{e.status} {_message(e)}") from None
        pod, address = found[0]
        try:
            token, cert = (base64.b64decode(secret.data[k]) for k in ("token", "tls.crt"))
        except (KeyError, TypeError, ValueError):
            return None
        envd = self._envd(name, address, token.decode(), cert)
        try:
            await asyncio.wait_for(envd.ping(), ADOPT_PING_S)
        except (EnvdError, OSError, asyncio.TimeoutError):
            return None
        self._sessions[name] = _Session(session_id, address, *pod_state.limits(pod))
        return Sandbox(session_id=session_id, envd=envd)

    def forget(self, session_id: str) -> None:
        """Another replica ended the session and deletes its pod: let go of it here, touching nothing."""
        self._sessions.pop(objects.object_name(session_id), None)

    async def detach(self) -> None:
        """Server shutdown that leaves every pod running, for the next server (or a replica) to adopt."""
        self._sessions.clear()
        self._stop_watching()

    async def stop(self, session_id: str) -> None:
        from kubernetes.client.exceptions import ApiException
        name, ns = objects.object_name(session_id), self.settings.namespace
        self._sessions.pop(name, None)
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
                    raise SandboxError(f"Kubernetes refused to delete {name}: {e.status} {_message(e)}") from None

    def is_alive(self, session_id: str) -> bool:
        """From what this server started or adopted (the pod's own state is read on the next envd call)."""
        return objects.object_name(session_id) in self._sessions

    async def cleanup_stale(self) -> list[str]:
        """Nothing is removed at start: another replica may own the sessions found in the namespace."""
        return []

    async def close(self) -> None:
        for session in list(self._sessions.values()):
            await self.stop(session.session_id)
        self._stop_watching()
        self._api.close()

    async def metrics(self, session_id: str) -> SandboxMetrics:
        session = self._sessions.get(objects.object_name(session_id))
        if session is None:
            return SandboxMetrics()
        return SandboxMetrics(memory_limit_bytes=session.memory_limit_bytes, disk_quota_bytes=session.disk_quota_bytes)


def _message(e) -> str:
    """The API's own message from its Status body (the HTTP reason phrase says little)."""
    import json
    try:
        return json.loads(e.body)["message"]
    except (TypeError, ValueError, KeyError):
        return str(e.reason)
