"""AgentBay's session API as its docs describe it: create with image names and labels,
list by page, get, info, labels, link, keep_alive, metrics, delete; failures as results."""
import time

import httpx
import pytest

from openbay.agentbay import (
    AgentBay,
    AgentBayError,
    AuthenticationError,
    Config,
    CreateSessionParams,
    DeleteResult,
    SessionListResult,
    SessionResult,
)


def test_create_list_pages_get_and_delete(agent_bay):
    tag = f"t{time.time_ns()}"
    made = []
    for i in range(3):
        r = agent_bay.create(CreateSessionParams(image_id="linux_latest", labels={"suite": tag, "i": str(i)}))
        assert isinstance(r, SessionResult) and r.success and r.request_id.startswith("req-")
        made.append(r.session)
    try:
        first = agent_bay.list(labels={"suite": tag}, page=1, limit=2)
        assert isinstance(first, SessionListResult) and first.success
        assert first.total_count == 3 and len(first.session_ids) == 2 and first.next_token
        second = agent_bay.list(labels={"suite": tag}, page=2, limit=2)
        assert len(second.session_ids) == 1
        assert set(first.session_ids + second.session_ids) == {s.session_id for s in made}
        assert agent_bay.list(labels={"suite": tag}, page=5, limit=2).session_ids == []
        assert agent_bay.list(labels={"suite": tag, "i": "1"}).session_ids == [made[1].session_id]
        bad = agent_bay.list(labels={"suite": tag}, page=0)
        assert not bad.success and "page" in bad.error_message
        got = agent_bay.get(made[0].session_id)
        assert got.success and got.session.session_id == made[0].session_id
    finally:
        for s in made:
            deleted = agent_bay.delete(s)
            assert isinstance(deleted, DeleteResult) and deleted.success
    assert agent_bay.list(labels={"suite": tag}).total_count == 0
    gone = agent_bay.get("s-no-such-session")
    assert not gone.success and gone.session is None and "s-no-such-session" in gone.error_message


def test_info_labels_link_keep_alive_metrics(ab_session):
    info = ab_session.info()
    assert info.success and info.data.session_id == ab_session.session_id
    assert info.data.app_id == "linux" and info.data.resource_url.endswith(ab_session.session_id)
    assert ab_session.set_labels({"team": "qa", "env": "test"}).success
    assert ab_session.get_labels().data == {"team": "qa", "env": "test"}
    empty = ab_session.set_labels({})
    assert not empty.success and "empty" in empty.error_message
    link = ab_session.get_link()
    assert link.success and httpx.get(link.data).status_code == 200
    assert ab_session.keep_alive().success
    assert ab_session.get_status().status == "RUNNING"
    m = ab_session.get_metrics()
    assert m.success and m.metrics.cpu_count >= 1 and m.metrics.mem_total > 0 and m.raw["session_id"]
    assert 0 <= m.metrics.mem_used <= m.metrics.mem_total and 0 <= m.metrics.cpu_used_pct


def test_an_ended_session_answers_failures_not_exceptions(agent_bay):
    s = agent_bay.create(CreateSessionParams(image_id="linux_latest")).session
    assert s.delete().success
    out = s.command.execute_command("true")
    assert not out.success and out.exit_code != 0 and "ended" in out.error_message
    assert not s.file_system.read_file("/home/user/x").success
    # a deleted session is gone (410 on OpenBay's API): AgentBay's calls answer so, as results
    info = s.info()
    assert not info.success and info.data is None and info.code == "gone" and "deleted" in info.error_message
    status = s.get_status()
    assert not status.success and status.code == "gone" and "deleted" in status.error_message
    got = agent_bay.get(s.session_id)
    assert not got.success and got.session is None and "deleted" in got.error_message


def test_key_and_endpoint_come_from_agentbay_variables_then_openbays(server, monkeypatch, tmp_path):
    for name in ("AGENTBAY_API_KEY", "AGENTBAY_ENDPOINT", "OPENBAY_API_KEY", "OPENBAY_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENBAY_HOME", str(tmp_path))  # no local admin key to fall back on
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AuthenticationError) as e:
        AgentBay()
    assert isinstance(e.value, AgentBayError) and "AGENTBAY_API_KEY" in str(e.value)
    monkeypatch.setenv("OPENBAY_API_KEY", server.admin_key)
    monkeypatch.setenv("OPENBAY_BASE_URL", server.base_url)
    assert AgentBay().list().success
    host = server.base_url.removeprefix("http://")
    assert AgentBay(api_key=server.admin_key, cfg=Config(endpoint=host, timeout_ms=30_000)).list().success
    (tmp_path / ".env").write_text(f"AGENTBAY_API_KEY={server.admin_key}\nAGENTBAY_ENDPOINT={server.base_url}\n")
    monkeypatch.delenv("OPENBAY_API_KEY")
    assert AgentBay().list().success
    assert not AgentBay(api_key="ob_wrong").list().success


def test_pause_and_resume_by_agentbays_names(agent_bay, ab_session):
    paused = ab_session.beta_pause()
    if not paused.success:  # a sandbox backend without pause answers so, in AgentBay's shape
        assert "pause" in paused.error_message
        return
    assert paused.status == "PAUSED" and ab_session.get_status().status == "PAUSED"
    resumed = agent_bay.beta_resume(ab_session)
    assert resumed.success and resumed.status == "RUNNING"
    assert ab_session.command.run("echo back").stdout == "back\n"


def test_mcp_tools_of_the_session(ab_session):
    tools = ab_session.list_mcp_tools()
    assert tools.success and "shell" in {t.name for t in tools.tools}
    r = ab_session.call_mcp_tool("shell", {"command": "echo from-mcp"})
    assert r.success and "from-mcp" in r.data
    failed = ab_session.call_mcp_tool("shell", {"command": "exit 3"})
    assert not failed.success
    unknown = ab_session.call_mcp_tool("no_such_tool", {})
    assert not unknown.success and "no_such_tool" in unknown.error_message


def test_what_only_alibabas_cloud_has_says_so(agent_bay, ab_session):
    from openbay.agentbay import BrowserOption, BrowserProxy

    win = agent_bay.create(CreateSessionParams(image_id="windows_latest"))
    assert not win.success and "Alibaba Cloud" in win.error_message and "Linux" in win.error_message
    assert ab_session.browser.initialize(BrowserOption(solve_captchas=True)) is False
    assert "solve_captchas" in ab_session.browser.last_error and "Alibaba" in ab_session.browser.last_error
    assert ab_session.browser.initialize(BrowserOption(proxies=[BrowserProxy("managed")])) is False
    assert "managed" in ab_session.browser.last_error
    adb = ab_session.mobile.get_adb_url("key")
    assert not adb.success and "Alibaba Cloud" in adb.error_message
    port = ab_session.get_link(port=8080)  # a port inside the session, through the server
    assert port.success and "//8080-" in port.data  # a host of its own for the port
    bad = ab_session.get_link(port=70000)
    assert not bad.success and bad.error_message
