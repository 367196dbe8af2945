"""Every object the Kubernetes backend creates, validated against the Kubernetes 1.37 OpenAPI schemas.

Offline: the schemas ship in the pinned `kubernetes-validate` package. No API server is
involved (this machine has none); tests/kubernetes/test_cluster.py runs the backend for
real where KUBECONFIG points at a cluster.
"""
import base64
import ipaddress

import kubernetes_validate
import pytest

from openbay.sandbox.backend import NetworkPolicy, ResourceLimits, SandboxSpec
from openbay.sandbox.kubernetes import objects
from openbay.sandbox.kubernetes.backend import self_signed_pair

K8S_VERSION = "1.37.0"
SPEC = SandboxSpec(
    session_id="S_4f2a9c", image_id="debian-13", envs={"LANG": "C.UTF-8", "API_KEY": "x"},
    limits=ResourceLimits(memory_bytes=2 * 1024 ** 3, max_processes=512, cpu_cores=1.5),
    network_policy=NetworkPolicy(allow_out=("10.1.2.0/24", "pypi.org"), deny_out=("8.8.8.8/32", "*.example.com"),
                                 allow_host_ports=(5432,)),
    disk_bytes=5 * 1024 ** 3)
SETTINGS = objects.K8sSettings(image_prefix="registry.example.com/openbay/",
                               envd_image="registry.example.com/openbay/server:1", runtime_class="gvisor")


def validate(obj: dict) -> None:
    kubernetes_validate.validate(obj, K8S_VERSION, strict=True)  # strict: unknown fields fail too


def as_pod(pod_spec: dict, labels: dict) -> dict:
    """The pod a Sandbox, SandboxTemplate or warm pool makes from its podTemplate (a core PodSpec)."""
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "from-template", "labels": labels},
            "spec": pod_spec}


def test_every_session_object_is_valid_for_kubernetes():
    cert, key = self_signed_pair()
    created = objects.session_objects(SPEC, SETTINGS, "t" * 43, cert, key)
    assert [o["kind"] for o in created] == ["Secret", "NetworkPolicy", "Pod"]
    for obj in created:
        validate(obj)
    names = {o["metadata"]["name"] for o in created}
    assert names == {"ob-s-4f2a9c"}


def test_a_schema_violation_is_caught():
    """The validation is not vacuous: a wrong type in the pod fails it."""
    bad = objects.pod(SPEC, SETTINGS)
    bad["spec"]["containers"][0]["ports"][0]["containerPort"] = "envd"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(bad)
    bad = objects.pod(SPEC, SETTINGS)
    bad["spec"]["containers"][0]["unknownField"] = 1
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(bad)


def test_the_pod_runs_envd_on_tls_from_the_session_image_with_its_limits():
    pod = objects.pod(SPEC, SETTINGS)["spec"]
    sandbox = pod["containers"][0]
    assert sandbox["image"] == "registry.example.com/openbay/debian-13"
    assert sandbox["command"][:4] == ["python3", "-S", "-E", "/opt/envd/tls_listen.py"]
    assert str(objects.ENVD_PORT) in sandbox["command"]
    assert sandbox["resources"]["limits"] == {"cpu": "1500m", "memory": str(2 * 1024 ** 3),
                                              "ephemeral-storage": str(5 * 1024 ** 3)}
    assert sandbox["resources"]["requests"] == sandbox["resources"]["limits"]
    assert {"name": "home", "emptyDir": {"sizeLimit": str(5 * 1024 ** 3)}} in pod["volumes"]
    assert {"name": "API_KEY", "value": "x"} in sandbox["env"]
    assert pod["automountServiceAccountToken"] is False and pod["runtimeClassName"] == "gvisor"
    assert pod["initContainers"][0]["image"] == "registry.example.com/openbay/server:1"
    secret_volume = next(v for v in pod["volumes"] if v["name"] == "credentials")
    assert secret_volume["secret"]["secretName"] == "ob-s-4f2a9c"


def test_the_secret_holds_the_token_and_a_certificate_for_the_envd_name():
    from cryptography import x509
    cert, key = self_signed_pair()
    secret = objects.credentials_secret(SPEC, SETTINGS, "tok" * 15, cert, key)
    assert base64.b64decode(secret["data"]["token"]) == b"tok" * 15
    parsed = x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["tls.crt"]))
    names = parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == [objects.ENVD_TLS_NAME]
    assert self_signed_pair()[0] != cert  # a fresh pair per session


def test_the_network_policy_keeps_the_local_egress_order_for_cidrs():
    policy = objects.network_policy(SPEC, SETTINGS)
    validate(policy)
    spec = policy["spec"]
    assert spec["podSelector"] == {"matchLabels": {objects.SESSION_LABEL: "ob-s-4f2a9c"}}
    assert spec["ingress"][0]["ports"] == [{"protocol": "TCP", "port": objects.ENVD_PORT}]
    blocks = [peer["ipBlock"] for rule in spec["egress"] for peer in rule["to"] if "ipBlock" in peer]
    assert {"cidr": "10.1.2.0/24"} in blocks  # allowed though private, as locally
    public_v4 = next(b for b in blocks if b["cidr"] == "0.0.0.0/0")
    assert "8.8.8.8/32" in public_v4["except"] and "169.254.0.0/16" in public_v4["except"]
    assert "10.0.0.0/8" in public_v4["except"]
    for block in blocks:  # every exception lies inside its block, as the API requires
        for inner in block.get("except", []):
            assert ipaddress.ip_network(inner).subnet_of(ipaddress.ip_network(block["cidr"]))
    unenforced = policy["metadata"]["annotations"]["openbay.dev/unenforced-egress"]
    assert unenforced == "pypi.org, *.example.com, host port 5432"


def test_no_network_means_no_egress_at_all():
    from dataclasses import replace
    policy = objects.network_policy(replace(SPEC, network=False), SETTINGS)
    validate(policy)
    assert policy["spec"]["egress"] == [] and "Egress" in policy["spec"]["policyTypes"]


def test_denying_everything_drops_the_public_rule():
    rules = objects.egress_rules(NetworkPolicy(deny_out=("0.0.0.0/0",)), network=True).rules
    cidrs = [p["ipBlock"]["cidr"] for r in rules for p in r["to"] if "ipBlock" in p]
    assert cidrs == ["::/0"]


def test_agent_sandbox_objects_carry_a_valid_pod():
    """The CRDs' own schemas are not shipped in any package here: their podTemplate.spec is a core
    PodSpec, validated as such; the envelope follows agent-sandbox's API reference (v1alpha1)."""
    from dataclasses import replace
    settings = replace(SETTINGS, agent_sandbox=True)
    cert, key = self_signed_pair()
    sandbox = objects.session_objects(SPEC, settings, "t" * 43, cert, key)[-1]
    assert (sandbox["apiVersion"], sandbox["kind"]) == ("agents.x-k8s.io/v1alpha1", "Sandbox")
    assert set(sandbox["spec"]) == {"podTemplate"}
    validate(as_pod(sandbox["spec"]["podTemplate"]["spec"], sandbox["spec"]["podTemplate"]["metadata"]["labels"]))
    template = objects.sandbox_template("debian-13", SPEC, settings)
    pool = objects.warm_pool("debian-13", "debian-13", 4, settings)
    assert (template["kind"], pool["kind"]) == ("SandboxTemplate", "SandboxWarmPool")
    assert pool["spec"] == {"replicas": 4, "sandboxTemplateRef": {"name": "debian-13"}}
    validate(as_pod(template["spec"]["podTemplate"]["spec"], template["spec"]["podTemplate"]["metadata"]["labels"]))


@pytest.mark.parametrize("session_id", ["S_" + "a" * 80, "UPPER.case", "-x-"])
def test_object_names_are_dns_labels(session_id):
    name = objects.object_name(session_id)
    assert len(name) <= 63
    validate({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "n"}})
    import re
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name)


def test_the_server_picks_the_kubernetes_backend_by_setting(monkeypatch, tmp_path):
    """OPENBAY_BACKEND=kubernetes reaches KubernetesBackend, which says plainly that no cluster is configured."""
    from openbay.sandbox.backend import SandboxError
    from openbay.server.app import default_backend
    from openbay.server.config import Settings
    monkeypatch.setenv("OPENBAY_BACKEND", "kubernetes")
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(SandboxError, match="no Kubernetes configuration"):
        default_backend(Settings.from_env(home=tmp_path))
