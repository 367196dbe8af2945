"""Written the way AgentBay's examples common-features/basics/session_creation/main.py,
label_management/main.py, session_operations/session_info.py, session_pause_resume/main.py,
session_operations/session_keep_alive.py, advanced/link_url_session/main.py,
advanced/performance_monitoring/main.py and advanced/logging_monitoring/main.py are (their calls
one by one), with SDK 0.22's LifecyclePolicy; only the import names OpenBay. Every check that
fails prints a ❌ line."""
import os
import time

from openbay.agentbay import AgentBay, CreateSessionParams, LifecyclePolicy, SessionStatus, get_logger

logger = get_logger("session_management")


def check(ok, what):
    print(("✅ " if ok else "❌ ") + what)


def main():
    agent_bay = AgentBay(api_key=os.getenv("AGENTBAY_API_KEY"))
    tag = f"demo-{time.time_ns()}"
    params = CreateSessionParams(image_id="linux_latest", labels={"project": tag, "env": "test"},
                                 lifecycle_policy=LifecyclePolicy(idle_release_timeout=10, max_runtime=60))
    result = agent_bay.create(params)
    if not result.success:
        print(f"❌ Failed to create session: {result.error_message}")
        return
    session = result.session
    logger.info("session %s created", session.session_id)
    try:
        info = session.info()
        check(info.success and info.data.session_id == session.session_id, f"info: {info.data}")
        check(session.get_status().status == SessionStatus.RUNNING.value, "status RUNNING")

        labels = session.get_labels()
        check(labels.success and labels.data == {"project": tag, "env": "test"}, f"labels: {labels.data}")
        check(session.set_labels({"project": tag, "env": "staging"}).success, "set_labels")
        listed = agent_bay.list(labels={"project": tag, "env": "staging"})
        check(listed.success and listed.session_ids == [session.session_id], f"list by labels: {listed.session_ids}")

        got = agent_bay.get(session.session_id)
        check(got.success and got.session.session_id == session.session_id, "get by id")

        link = session.get_link()
        check(link.success and link.data.startswith("http"), f"get_link: {link.data[:40]}")
        session.command.execute_command("mkdir -p /tmp/www && echo served > /tmp/www/index.html && "
                                        "cd /tmp/www && nohup python3 -m http.server 8080 >/dev/null 2>&1 &")
        port_link = session.get_link(port=8080)
        check(port_link.success and "http" in port_link.data, "get_link(port=8080) gives a URL to the port")

        metrics = session.get_metrics()
        check(metrics.success and metrics.metrics.cpu_count >= 1 and metrics.metrics.mem_total > 0,
              f"metrics: cpu_count={metrics.metrics.cpu_count if metrics.metrics else None}")
        check(session.keep_alive().success, "keep_alive")

        paused = agent_bay.beta_pause(session)
        if paused.success:
            check(session.get_status().status == SessionStatus.PAUSED.value, "paused")
            resumed = session.beta_resume()
            check(resumed.success and session.get_status().status == SessionStatus.RUNNING.value, "resumed")
            check(session.command.execute_command("echo alive").output.strip() == "alive", "a command after resume")
        else:
            check("not" in paused.error_message, f"pause refused with a sentence: {paused.error_message}")

        tools = session.list_mcp_tools()
        check(tools.success and tools.tools, f"{len(tools.tools)} MCP tools")
        names = [t.name for t in tools.tools]
        if "shell" in names:
            called = session.call_mcp_tool("shell", {"command": "echo from-mcp"})
            check(called.success and "from-mcp" in called.data, f"call_mcp_tool shell: {called.data!r}")
        try:
            LifecyclePolicy(idle_release_timeout=5, manual_release=True)
            print("❌ manual_release with a timeout was accepted")
        except ValueError as e:
            check(True, f"manual_release with a timeout is refused: {e}")
    finally:
        deleted = agent_bay.delete(session)
        check(deleted.success, "session deleted")
    print("✅ Session management example completed")


if __name__ == "__main__":
    main()
