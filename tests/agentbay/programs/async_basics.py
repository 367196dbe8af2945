"""Written the way AgentBay's _async examples are (common-features/basics/session_creation,
file_system, dynamic_context_binding, environment_variables and codespace/code_execution_example
in their asyncio form: AsyncAgentBay and every call awaited); only the import names OpenBay.
Every check that fails prints a ❌ line."""
import asyncio
import os
import threading
import time

from openbay.agentbay import AsyncAgentBay, AsyncSession, ContextSync, CreateSessionParams, SyncPolicy


def check(ok, what):
    print(("✅ " if ok else "❌ ") + what)


async def main():
    agent_bay = AsyncAgentBay(api_key=os.getenv("AGENTBAY_API_KEY"))
    result = await agent_bay.create(CreateSessionParams(image_id="code_latest"))
    if not result.success:
        print(f"❌ Failed to create session: {result.error_message}")
        return
    session = result.session
    check(isinstance(session, AsyncSession), "an AsyncSession")
    context = (await agent_bay.context.get(f"async-{time.time_ns()}", create=True)).context
    try:
        out = await session.command.execute_command("echo hello async")
        check(out.success and out.output.strip() == "hello async", f"execute_command: {out.output!r}")
        check((await session.file_system.write_file("/tmp/a.txt", "async file")).success, "write_file")
        listing = await session.file_system.list_directory("/tmp")
        check(any(e.name == "a.txt" and not e.is_directory for e in listing.entries), "list_directory objects")
        check((await session.fs.read("/tmp/a.txt")).content == "async file", "fs.read, the short name")
        code = await session.code.run_code("print(6 * 7)", "python")
        check(code.success and "42" in "".join(code.logs.stdout), f"run_code: {code.logs.stdout}")
        check((await session.env.set({"ASYNC_VAR": "yes"})).success, "env.set")
        seen = await session.command.execute_command("echo $ASYNC_VAR")
        check(seen.output.strip() == "yes", f"a later command sees ASYNC_VAR: {seen.output!r}")
        bound = await session.context.bind(ContextSync.new(context.id, "/tmp/ctx-async", SyncPolicy.default()))
        check(bound.success, f"context.bind: {bound.error_message}")
        bindings = (await session.context.list_bindings()).bindings
        check([(b.context_id, b.path) for b in bindings] == [(context.id, "/tmp/ctx-async")], "list_bindings")
        await session.command.execute_command("echo kept > /tmp/ctx-async/kept.txt")
        shot = await session.computer.beta_take_screenshot("bmp")
        check(not shot.success and "png" in shot.error_message, "a bmp screenshot is refused with a sentence")
        # watch_directory_example.py (async): a thread; wait for ready_event, then change the directory
        await session.file_system.create_directory("/tmp/watch_test")
        changed = threading.Event()
        monitor_thread = session.file_system.watch_directory(
            "/tmp/watch_test", lambda events: changed.set() if events else None, 0.5)
        monitor_thread.start()
        check(monitor_thread.ready_event.wait(timeout=30), "the watcher took its first snapshot")
        await session.file_system.write_file("/tmp/watch_test/test1.txt", "content 1")
        check(await asyncio.to_thread(changed.wait, 60), "the watcher saw the new file")
        monitor_thread.stop_event.set()
        monitor_thread.join(timeout=5)
        check(not monitor_thread.is_alive(), "the watcher stopped")
        metrics = await session.get_metrics()
        check(metrics.success and metrics.metrics.cpu_count >= 1, "get_metrics")
    finally:
        check((await agent_bay.delete(session, sync_context=True)).success, "deleted, its context saved")
    files = await agent_bay.context.list_files(context.id, "/")
    check([f.file_name for f in files.entries] == ["kept.txt"], f"the context kept: {files.entries}")
    await agent_bay.context.delete(context)
    await agent_bay.close()
    print("✅ Async basics example completed")


if __name__ == "__main__":
    asyncio.run(main())
