"""The fake cluster assembled: storage, API, node, controllers, served over HTTPS on loopback
with a certificate of its own and a bearer token, both in the kubeconfig it writes."""
from __future__ import annotations

import asyncio
import base64
import datetime
import ipaddress
import secrets
from pathlib import Path

import uvicorn
import yaml

from openbay.sandbox.images.store import remove_tree
from openbay.sandbox.runc.local import VAR_ROOT, LocalBackend

from . import port_forward
from .api import Api, validate
from .controllers import Controllers
from .node import Node
from .pod_network import PodNetwork
from .rbac import Rbac
from .store import BY_KIND, HISTORY, Store

DEPLOY_RBAC = Path(__file__).resolve().parents[3] / "deploy" / "kubernetes" / "base" / "rbac.yaml"
ADMIN_CONTEXT = "openbay-fake-admin"


def serving_pair(directory: Path) -> tuple[Path, Path, bytes]:
    """A self-signed certificate for 127.0.0.1 (the kubeconfig's CA): paths and PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM)
    (directory / "apiserver.crt").write_bytes(pem)
    (directory / "apiserver.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return directory / "apiserver.crt", directory / "apiserver.key", pem


def kubeconfig(url: str, ca_pem: bytes, server_token: str, admin_token: str, namespace: str) -> str:
    """Its current context is the OpenBay server's ServiceAccount; ADMIN_CONTEXT is for the tests."""
    def context(name: str, user: str) -> dict:
        return {"name": name, "context": {"cluster": "openbay-fake", "user": user, "namespace": namespace}}
    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "openbay-fake",
        "clusters": [{"name": "openbay-fake", "cluster": {
            "server": url, "certificate-authority-data": base64.b64encode(ca_pem).decode()}}],
        "users": [{"name": "openbay-server", "user": {"token": server_token}},
                  {"name": "admin", "user": {"token": admin_token}}],
        "contexts": [context("openbay-fake", "openbay-server"), context(ADMIN_CONTEXT, "admin")]})


async def serve(directory: Path, port: int, namespaces: list[str], crds_installed: bool, ready,
                stop: asyncio.Event, history: int = HISTORY) -> None:
    """Run until `stop` is set; `ready(kubeconfig_path)` once it answers. Every pod's sandbox is
    stopped and its root removed on the way out."""
    store, server_token, admin_token = Store(validate, history), secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    users = {server_token: Rbac.from_manifests(DEPLOY_RBAC), admin_token: None}
    for name in namespaces:
        store.create(BY_KIND["Namespace"], "", {"metadata": {"name": name}})
    root = VAR_ROOT / f"k8s-{secrets.token_hex(4)}"  # short: envd's unix sockets live under it
    backend = LocalBackend(root)
    backend.check()
    node, controllers = Node(store, backend, PodNetwork()), Controllers(store)
    api = Api(store, users, crds_installed)
    cert, key, ca_pem = serving_pair(directory)
    server = uvicorn.Server(uvicorn.Config(api.app([port_forward.route(api, node)]), host="127.0.0.1", port=port,
                                           ssl_certfile=str(cert), ssl_keyfile=str(key), log_level="warning",
                                           timeout_graceful_shutdown=2))  # open watches end with it
    workers = [asyncio.create_task(node.run()), asyncio.create_task(controllers.run()),
               asyncio.create_task(server.serve())]
    try:
        while not server.started:
            if workers[2].done():
                await workers[2]
                raise RuntimeError("the fake API server did not start")
            await asyncio.sleep(0.02)
        path = directory / "kubeconfig"
        path.write_text(kubeconfig(f"https://127.0.0.1:{port}", ca_pem, server_token, admin_token, namespaces[0]))
        path.chmod(0o600)
        ready(path)
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait([stopping, *workers], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
    finally:
        server.should_exit = True
        await asyncio.gather(workers[2], return_exceptions=True)
        for task in workers[:2]:
            task.cancel()
        await asyncio.gather(*workers[:2], return_exceptions=True)
        await node.close()
        await backend.close()
        remove_tree(root)
