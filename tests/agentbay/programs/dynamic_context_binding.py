"""Written the way AgentBay's example common-features/basics/dynamic_context_binding/main.py is
(its calls one by one); only the import names OpenBay."""
import time

from openbay.agentbay import AgentBay, ContextSync, SyncPolicy


def dynamic_binding_demo(agent_bay):
    context_name = f"dynamic-bind-{time.time_ns()}"
    context_result = agent_bay.context.get(context_name, create=True)
    if not context_result.success:
        print(f"❌ Context creation failed: {context_result.error_message}")
        return
    context = context_result.context
    print(f"✅ Context ready: {context.id} ({context.name})")
    session_result = agent_bay.create()
    if not session_result.success:
        print(f"❌ Session creation failed: {session_result.error_message}")
        return
    session = session_result.session
    try:
        bindings_result = session.context.list_bindings()
        print(f"   Current bindings: {len(bindings_result.bindings)}")
        if bindings_result.bindings:
            print("❌ a new session has bindings")
        sync_policy = SyncPolicy.default()
        context_sync = ContextSync.new(context_id=context.id, path="/tmp/ctx-dynamic", policy=sync_policy)
        bind_result = session.context.bind(context_sync)
        if not bind_result.success:
            print(f"❌ Bind failed: {bind_result.error_message}")
            return
        print(f"✅ Context bound successfully (RequestId: {bind_result.request_id})")
        for b in session.context.list_bindings().bindings:
            print(f"   - Context: {b.context_id}, Path: {b.path}, Name: {b.context_name}")
        cmd_result = session.command.execute_command("echo 'Hello from dynamic binding!' > /tmp/ctx-dynamic/test.txt")
        if cmd_result.exit_code == 0:
            print("✅ Data written successfully")
        read_result = session.file_system.read_file("/tmp/ctx-dynamic/test.txt")
        if read_result.success:
            print(f"✅ Data read back: {read_result.content.strip()}")
        else:
            print(f"❌ Failed to read data: {read_result.error_message}")
        ctx_a = agent_bay.context.get(f"{context_name}-a", create=True)
        ctx_b = agent_bay.context.get(f"{context_name}-b", create=True)
        if ctx_a.success and ctx_b.success:
            cs_a = ContextSync.new(context_id=ctx_a.context.id, path="/tmp/ctx-multi-a", policy=sync_policy)
            cs_b = ContextSync.new(context_id=ctx_b.context.id, path="/tmp/ctx-multi-b", policy=sync_policy)
            if session.context.bind(cs_a, cs_b).success:
                print("✅ Multiple contexts bound successfully")
            bindings = session.context.list_bindings().bindings
            print(f"   Total bindings: {len(bindings)}")
            for b in bindings:
                print(f"   - {b.context_name} -> {b.path}")
            if [b.context_name for b in bindings] != [context_name, f"{context_name}-a", f"{context_name}-b"]:
                print("❌ the bindings are not the three contexts bound")
    finally:
        agent_bay.delete(session, sync_context=True)
        print("✅ Session deleted")
    files = agent_bay.context.list_files(context.id, "/")
    print(("✅" if [f.file_name for f in files.entries] == ["test.txt"] else "❌")
          + f" saved in the context: {[f.file_name for f in files.entries]}")


def main():
    print("🔗 AgentBay Dynamic Context Binding Example")
    agent_bay = AgentBay()
    try:
        dynamic_binding_demo(agent_bay)
    except Exception as e:
        print(f"❌ Example execution failed: {e}")
    print("✅ Dynamic context binding example completed")


if __name__ == "__main__":
    main()
