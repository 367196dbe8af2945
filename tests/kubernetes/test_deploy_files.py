"""deploy/kubernetes validated offline against the Kubernetes 1.37 schemas: the base files
as they are, and each overlay as `kubectl kustomize` renders it (kubectl renders offline)."""
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from openbay.sandbox.kubernetes import objects

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
OVERLAYS = sorted(p.name for p in (DEPLOY / "overlays").iterdir())


def check(docs: list[dict]) -> dict[str, dict]:
    for doc in docs:
        kubernetes_validate.validate(doc, "1.37.0", strict=True)
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in docs}


def test_the_base_manifests_are_valid():
    docs = [d for f in sorted((DEPLOY / "base").glob("*.yaml")) if f.name != "kustomization.yaml"
            for d in yaml.safe_load_all(f.read_text()) if d]
    objs = check(docs)
    role = objs["Role/openbay-sessions"]
    assert role["metadata"]["namespace"] == "openbay-sessions"
    granted = {(g, r) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"]}
    assert granted == {("", "pods"), ("", "secrets"), ("networking.k8s.io", "networkpolicies"),
                       ("agents.x-k8s.io", "sandboxes"), ("extensions.agents.x-k8s.io", "sandboxtemplates"),
                       ("extensions.agents.x-k8s.io", "sandboxwarmpools"),
                       ("extensions.agents.x-k8s.io", "sandboxclaims")}
    assert not any(k.startswith("ClusterRole") for k in objs)  # nothing cluster-wide
    env = {e["name"]: e for e in objs["Deployment/openbay-server"]["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["OPENBAY_BACKEND"]["value"] == "kubernetes"
    assert env["OPENBAY_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "openbay-postgres", "key": "url"}
    # the sessions' NetworkPolicy admits exactly these pods on envd's port
    labels = objs["Deployment/openbay-server"]["spec"]["template"]["metadata"]["labels"]
    assert objects.SERVER_SELECTOR.items() <= labels.items()
    assert env["OPENBAY_K8S_SERVER_NAMESPACE"]["value"] == objs["Deployment/openbay-server"]["metadata"]["namespace"]


@pytest.mark.skipif(shutil.which("kubectl") is None,
                    reason="kubectl (which renders kustomize offline) is not installed")
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_overlay_renders_to_valid_objects(overlay):
    out = subprocess.run(["kubectl", "kustomize", str(DEPLOY / "overlays" / overlay)], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    objs = check([d for d in yaml.safe_load_all(out) if d])
    server = objs["Deployment/openbay-server"]
    container = server["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert server["spec"]["replicas"] == 3
    assert container["image"] == env["OPENBAY_K8S_ENVD_IMAGE"] == "registry.example.com/openbay/server:0.1.0"
    assert env["OPENBAY_K8S_IMAGE_PREFIX"] == "registry.example.com/openbay/"
    assert (env.get("OPENBAY_K8S_AGENT_SANDBOX") == "1") == (overlay == "agent-sandbox")
