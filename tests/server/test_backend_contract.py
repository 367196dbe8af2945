"""The backend contract: a backend declares its abilities, the server reads them once at wiring,
and what a backend lacks answers 501 `not_supported` naming the backend and the ability, through
the HTTP API, on real sandboxes. Nothing in openbay/server sniffs the backend for methods."""
import ast
import tempfile
from pathlib import Path

import httpx
import pytest

from openbay import CreateSessionParams, NotSupportedError
from openbay.sandbox import abilities_of
from openbay.sandbox.backend import (
    ABILITIES,
    KeptDisks,
    Pausable,
    SandboxRoot,
    Snapshots,
    Templates,
)
from openbay.sandbox.runc.local import LocalBackend, default_sandbox_root
from tests.helpers.server import free_port, process_server, thread_server
from tests.helpers.sessions import new_session

SERVER = Path(__file__).resolve().parents[2] / "openbay" / "server"


class BasicBackend:
    """Real local sandboxes seen through `Backend` alone: it declares no ability at all."""
    name = "basic"

    def __init__(self, root: Path):
        self._local = LocalBackend(root)
        self.place = self._local.place

    async def start(self, spec):
        return await self._local.start(spec)

    async def stop(self, session_id):
        await self._local.stop(session_id)

    def is_alive(self, session_id):
        return self._local.is_alive(session_id)

    async def cleanup_stale(self):
        return await self._local.cleanup_stale()

    async def close(self):
        await self._local.close()

    async def metrics(self, session_id):
        return await self._local.metrics(session_id)


@pytest.fixture(scope="module")
def basic_server():
    home = Path(tempfile.mkdtemp(prefix="obbasic-"))
    with thread_server(home, backend=BasicBackend(default_sandbox_root(home))) as s:
        yield s


def _refused(response: httpx.Response, ability: str) -> None:
    assert response.status_code == 501, response.text
    error = response.json()["error"]
    assert error["code"] == "not_supported"
    assert "basic" in error["message"] and ability in error["message"]
    assert error["details"] == {"backend": "basic", "ability": ability}


def test_a_backend_without_an_image_store_serves_sessions_and_refuses_templates(basic_server):
    headers = {"Authorization": f"Bearer {basic_server.admin_key}"}
    base = basic_server.base_url
    assert httpx.get(f"{base}/healthz").json()["backend"] == "basic"
    _refused(httpx.get(f"{base}/v1/templates", headers=headers), "Templates")
    _refused(httpx.get(f"{base}/v1/snapshots", headers=headers), "Templates")
    _refused(httpx.post(f"{base}/v1/templates", headers=headers, json={"name": "mine", "from_image": "linux",
                                                                         "run": ["true"]}), "Templates")
    with new_session(basic_server) as s:  # a built-in image is the backend's own name for it
        assert s.command.execute_command("echo up").output == "up\n"
        url = f"{base}/v1/sessions/{s.session_id}"
        _refused(httpx.post(f"{url}/pause", headers=headers), "Pausable")
        # resuming a running session changes nothing, whatever the backend (E2B's connect does it)
        assert httpx.post(f"{url}/resume", headers=headers).json()["status"] == "running"
        _refused(httpx.post(f"{url}/snapshots", headers=headers, json={}), "Snapshots")
        with pytest.raises(NotSupportedError) as refused:  # the SDK's own exception for it
            s.pause()
        assert refused.value.code == "not_supported" and "Pausable" in refused.value.message
        assert s.info().status.value == "running" and s.info().disk_used_bytes is None
        dead = s.session_id
    _refused(httpx.post(f"{base}/v1/sessions", headers=headers,
                        json={"image_id": "linux", "restore_from": dead}), "KeptDisks")
    with basic_server.client() as bay:
        assert dead not in bay.list().session_ids
        with pytest.raises(NotSupportedError):
            bay.create(CreateSessionParams(image_id="linux", restore_from=dead))


def test_the_local_backend_declares_every_ability_and_the_check_holds_it_to_them(tmp_path):
    local = LocalBackend(default_sandbox_root(tmp_path))
    try:
        assert abilities_of(local) == frozenset(ABILITIES)
        assert abilities_of(BasicBackend.__new__(BasicBackend)) == frozenset()

        class Boasting(Pausable, SandboxRoot):  # declares what it does not have
            name = "boasting"

            async def pause(self, session_id):
                pass

        with pytest.raises(TypeError, match="Boasting declares abilities it does not have: Pausable.resume, "
                                            "SandboxRoot.root$"):
            abilities_of(Boasting())
        half = type("Half", (Boasting,), {"resume": lambda self, s: None, "root": Path("/nowhere")})
        assert abilities_of(half()) == {Pausable, SandboxRoot}
    finally:
        import shutil
        shutil.rmtree(local.root, ignore_errors=True)


KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "http://127.0.0.1:%d"}}]
users: [{name: none, user: {token: unused}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
"""


def test_openbay_serve_starts_on_the_kubernetes_backend_and_answers_501_for_what_pods_lack(tmp_path):
    """`OPENBAY_BACKEND=kubernetes openbay serve` once died at startup (AttributeError: no image
    store). No cluster here: the kubeconfig points at a closed port, which starting never calls."""
    from openbay.sandbox.kubernetes.backend import KubernetesBackend
    assert not {Pausable, Templates, Snapshots, KeptDisks, SandboxRoot} & set(KubernetesBackend.__mro__)
    (tmp_path / "kubeconfig").write_text(KUBECONFIG % free_port())
    env = {"OPENBAY_BACKEND": "kubernetes", "KUBECONFIG": str(tmp_path / "kubeconfig")}
    with process_server(tmp_path / "home", env) as (server, _):
        headers = {"Authorization": f"Bearer {server.admin_key}"}
        assert httpx.get(f"{server.base_url}/healthz").json()["backend"] == "kubernetes"
        r = httpx.get(f"{server.base_url}/v1/templates", headers=headers)
        assert r.status_code == 501 and r.json()["error"]["details"] == {"backend": "kubernetes",
                                                                          "ability": "Templates"}


def _sniffs(source: str) -> list[str]:
    """getattr/hasattr/setattr/isinstance/vars calls on anything named backend: the server asking
    a backend at run time what it can do instead of reading its declared abilities."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "hasattr", "setattr", "isinstance", "vars") and node.args
                and "backend" in ast.unparse(node.args[0]).lower()):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_the_detector_finds_sniffing():
    assert _sniffs("x = getattr(self.backend, 'reattach', None)")
    assert _sniffs("if hasattr(backend, 'on_exit'): pass")
    assert _sniffs("ok = isinstance(services.backend, Foo)")
    assert not _sniffs("x = getattr(self.state, 'services', None)\nself.backend.stop(s)")


def test_no_server_module_sniffs_the_backend():
    offenders = {str(p.relative_to(SERVER)): hits for p in sorted(SERVER.rglob("*.py"))
                 if (hits := _sniffs(p.read_text()))}
    assert not offenders, f"ask the declared abilities (server/abilities.py), not the backend: {offenders}"
