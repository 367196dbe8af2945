"""Sandboxes as E2B's documentation writes them: create, connect, list, timeouts, pause, kill."""
import httpx
import pytest
from e2b import AuthenticationException, NotFoundException, Sandbox, SandboxException, SandboxQuery, SandboxState

from tests.helpers.waiting import PATIENCE_S


def test_create_with_template_timeout_metadata_and_envs():
    sbx = Sandbox.create(template="base", timeout=120, metadata={"project": "e2b-create"},
                         envs={"GREETING": "hello from envs"})
    try:
        assert sbx.commands.run("echo $GREETING").stdout == "hello from envs\n"
        info = sbx.get_info()
        assert info.sandbox_id == sbx.sandbox_id
        assert info.template_id == "base"
        assert info.metadata == {"project": "e2b-create"}
        assert info.state == SandboxState.RUNNING
        assert 100 <= (info.end_at - info.started_at).total_seconds() <= 130
        assert sbx.is_running()
    finally:
        sbx.kill()
    assert not sbx.is_running()


def test_connect_by_id_sees_the_same_sandbox(sandbox):
    sandbox.files.write("/tmp/marker", "same machine")
    again = Sandbox.connect(sandbox.sandbox_id)
    assert again.sandbox_id == sandbox.sandbox_id
    assert again.files.read("/tmp/marker") == "same machine"


def test_list_filters_by_metadata_and_pages():
    made = [Sandbox.create(metadata={"suite": "e2b-list"}) for _ in range(3)]
    other = Sandbox.create(metadata={"suite": "elsewhere"})
    try:
        paginator = Sandbox.list(query=SandboxQuery(metadata={"suite": "e2b-list"}), limit=2)
        first = paginator.next_items()
        assert len(first) == 2 and paginator.has_next
        rest = paginator.next_items()
        assert not paginator.has_next
        seen = {s.sandbox_id for s in first + rest}
        assert seen == {s.sandbox_id for s in made}
        assert all(s.metadata == {"suite": "e2b-list"} and s.state == SandboxState.RUNNING for s in first + rest)
    finally:
        for s in made + [other]:
            s.kill()


def test_set_timeout_moves_the_end(sandbox):
    sandbox.set_timeout(1200)
    info = sandbox.get_info()
    assert 1100 <= (info.end_at - info.started_at).total_seconds() <= 1300
    Sandbox.connect(sandbox.sandbox_id, timeout=600)  # connect only lengthens a running sandbox's timeout
    assert Sandbox.get_info(sandbox.sandbox_id).end_at >= info.end_at
    Sandbox.connect(sandbox.sandbox_id, timeout=3000)
    info = sandbox.get_info()
    assert 2900 <= (info.end_at - info.started_at).total_seconds() <= 3100


def test_metrics(sandbox):
    metrics = sandbox.get_metrics()
    assert metrics and metrics[-1].mem_total > 0 and metrics[-1].cpu_count >= 1


def test_pause_then_connect_resumes(sandbox):
    sandbox.commands.run("echo kept > /tmp/state")
    sandbox.beta_pause()
    assert Sandbox.get_info(sandbox.sandbox_id).state == SandboxState.PAUSED
    paused = Sandbox.list(query=SandboxQuery(state=[SandboxState.PAUSED])).next_items()
    assert sandbox.sandbox_id in {s.sandbox_id for s in paused}
    running = Sandbox.list(query=SandboxQuery(state=[SandboxState.RUNNING])).next_items()
    assert sandbox.sandbox_id not in {s.sandbox_id for s in running}
    resumed = Sandbox.connect(sandbox.sandbox_id)
    assert resumed.get_info().state == SandboxState.RUNNING
    assert resumed.commands.run("cat /tmp/state").stdout == "kept\n"


def test_kill_then_connect_is_not_found():
    sbx = Sandbox.create()
    sandbox_id = sbx.sandbox_id
    assert Sandbox.kill(sandbox_id) is True
    with pytest.raises(NotFoundException):
        Sandbox.connect(sandbox_id)
    with pytest.raises(NotFoundException):
        Sandbox.get_info(sandbox_id)


def test_missing_sandbox_is_not_found():
    with pytest.raises(NotFoundException):
        Sandbox.connect("s-000000000000")


def test_bad_key_is_an_authentication_error(monkeypatch):
    monkeypatch.setenv("E2B_API_KEY", "ob_" + "x" * 40)
    with pytest.raises(AuthenticationException):
        Sandbox.create()


def test_the_data_plane_wants_the_sandbox_token(sandbox, e2b_server):
    """Knowing a sandbox's id is not enough to use it: envd's routes ask for its access token."""
    r = httpx.get(f"{e2b_server.base_url}/files", params={"path": "/etc/hostname"},
                  headers={"E2b-Sandbox-Id": sandbox.sandbox_id, "E2b-Sandbox-Port": "49983"})
    assert r.status_code == 401
    r = httpx.get(f"{e2b_server.base_url}/files", params={"path": "/etc/hostname"},
                  headers={"E2b-Sandbox-Id": sandbox.sandbox_id, "E2b-Sandbox-Port": "49983",
                           "X-Access-Token": "0" * 64})
    assert r.status_code == 401


def test_another_owner_cannot_see_the_sandbox(sandbox, e2b_server, monkeypatch):
    monkeypatch.setenv("E2B_API_KEY", e2b_server.new_owner_key("e2b-stranger"))
    with pytest.raises(NotFoundException):
        Sandbox.connect(sandbox.sandbox_id)
    assert sandbox.sandbox_id not in {s.sandbox_id for s in Sandbox.list().next_items()}


def test_templates_map_to_openbay_images():
    from e2b import Template
    assert Template.exists("base") and Template.exists("code-interpreter-v1")
    assert not Template.exists("no-such-template")
    with pytest.raises(SandboxException) as caught:  # as E2B's cloud answers a create: a 404 saying why
        Sandbox.create(template="no-such-template")
    assert str(caught.value).startswith("404: no image or template 'no-such-template'")


def test_template_builds_are_refused_with_a_reason():
    from e2b import Template
    template = Template().from_image("python:3.12").run_cmd("echo hi")
    with pytest.raises(Exception) as caught:
        Template.build(template, "my-e2b-template")
    assert "openbay template build" in str(caught.value)


def test_envd_on_a_link_host(sandbox, e2b_server):
    """With E2B_DOMAIN the SDK reaches envd at 49983-<id>.<domain>: OpenBay's link host names."""
    host = sandbox.get_host(49983)
    assert host.startswith(f"49983-{sandbox.sandbox_id}.localhost")
    sandbox.files.write("/tmp/by-host.txt", "found by host")
    token = {"X-Access-Token": sandbox._envd_access_token}
    r = httpx.get(f"{e2b_server.base_url}/files", params={"path": "/tmp/by-host.txt"}, headers={"Host": host, **token})
    assert r.status_code == 200 and r.text == "found by host"
    r = httpx.get(f"{e2b_server.base_url}/files", params={"path": "/tmp/by-host.txt"}, headers={"Host": host})
    assert r.status_code == 401


def test_network_allow_and_deny_become_the_egress_policy(e2b_server):
    sbx = Sandbox.create(network={"deny_out": ["0.0.0.0/0"], "allow_out": ["pypi.org"]})
    try:
        policy = e2b_server.call(e2b_server.services.sessions.repo.get(sbx.sandbox_id)).network_policy
        assert policy["deny_out"] == ["0.0.0.0/0"] and policy["allow_out"] == ["pypi.org"]
    finally:
        sbx.kill()


def test_what_cannot_map_is_refused_with_a_reason():
    with pytest.raises(SandboxException) as caught:
        Sandbox.create(volume_mounts={"/data": "my-volume"})
    assert "OpenBay has no E2B volumes" in str(caught.value)


def test_get_host_is_an_openbay_port_link(sandbox, e2b_server):
    """E2B's get_host(port) names the port's OpenBay link host; once the port is exposed (ports are
    private on OpenBay), what listens there answers through it."""
    sandbox.commands.run("mkdir -p /tmp/site && echo served-by-port > /tmp/site/index.html")
    sandbox.commands.run("cd /tmp/site && python3 -m http.server 8000", background=True)
    sandbox.commands.run("for i in $(seq 1200); do (echo > /dev/tcp/127.0.0.1/8000) 2>/dev/null && exit 0; "
                         "sleep 0.1; done; exit 1", timeout=PATIENCE_S + 30)  # once it listens
    host = sandbox.get_host(8000)
    assert host == f"8000-{sandbox.sandbox_id}.localhost:{e2b_server.base_url.rsplit(':', 1)[1]}"
    assert httpx.get(f"http://{host}/").status_code == 403  # private until exposed
    admin = {"Authorization": f"Bearer {e2b_server.admin_key}"}
    httpx.put(f"{e2b_server.base_url}/v1/sessions/{sandbox.sandbox_id}/ports/8000", json={"public": True},
              headers=admin).raise_for_status()
    assert httpx.get(f"http://{host}/index.html").text == "served-by-port\n"


def test_the_owners_own_template_by_name(e2b_server):
    """An OpenBay template the owner built is an E2B template of that name."""
    with e2b_server.client() as bay:
        bay.template.build("e2b-owned", from_image="linux", run=["echo built-for-e2b > /etc/e2b-mark"],
                            env={"MARK": "from the template"})
    from e2b import Template
    assert Template.exists("e2b-owned")
    sbx = Sandbox.create(template="e2b-owned")
    try:
        assert sbx.get_info().template_id == "e2b-owned"
        assert sbx.commands.run("cat /etc/e2b-mark; echo $MARK").stdout == "built-for-e2b\nfrom the template\n"
    finally:
        sbx.kill()


def test_metadata_openbay_labels_cannot_hold_is_refused_with_a_reason():
    for asked in ({"metadata": {"a key with spaces": "v"}}, {"network": {"deny_out": ["not a cidr or name!"]}}):
        with pytest.raises(SandboxException) as caught:
            Sandbox.create(**asked)
        assert str(caught.value).startswith("400: ")
