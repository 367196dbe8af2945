"""A typical AgentBay program (after AgentBay's own quick start and examples), run against an
OpenBay server: the only change is the import line.

    AGENTBAY_API_KEY=ob_... AGENTBAY_ENDPOINT=http://127.0.0.1:8730 python examples/agentbay_quickstart.py
"""
from openbay.agentbay import AgentBay, ContextSync, CreateSessionParams, SyncPolicy  # was: from agentbay import ...


def main() -> None:
    agent_bay = AgentBay()

    # a context that outlives sessions
    context = agent_bay.context.get("quickstart-data", create=True).context
    print(f"context {context.name}: {context.id}")

    params = CreateSessionParams(
        image_id="code_latest",
        labels={"project": "quickstart", "owner": "example"},
        context_syncs=[ContextSync.new(context.id, "/home/user/data", SyncPolicy())],
    )
    result = agent_bay.create(params)
    if not result.success:
        raise SystemExit(f"could not create a session: {result.error_message}")
    session = result.session
    print(f"session {session.session_id} (request {result.request_id})")

    try:
        out = session.command.execute_command("echo hello from $(hostname) && uname -s", cwd="/tmp",
                                              envs={"GREETING": "hi"})
        print("command:", out.success, out.exit_code, out.stdout.strip())

        session.file_system.create_directory("/home/user/data/reports")
        session.file_system.write_file("/home/user/data/reports/today.txt", "all good\n")
        listing = session.file_system.list_directory("/home/user/data/reports")
        print("files:", [entry["name"] for entry in listing.entries])
        print("read back:", session.fs.read_file("/home/user/data/reports/today.txt").content.strip())

        code = session.code.run_code("import statistics\nstatistics.mean([3, 4, 5])", "python")
        print("code result:", code.result)

        print("labels:", session.get_labels().data)
        print("app:", session.info().data.app_id)
        sessions = agent_bay.list(labels={"project": "quickstart"}, page=1, limit=10)
        print("sessions with the label:", sessions.total_count)

        missing = session.file_system.read_file("/home/user/no-such-file")
        print("a missing file:", missing.success, missing.error_message)
    finally:
        deleted = agent_bay.delete(session, sync_context=True)
        print("deleted:", deleted.success)

    again = agent_bay.create(CreateSessionParams(image_id="linux_latest", context_syncs=[
        ContextSync.new(context.id, "/home/user/data")])).session
    print("kept in the context:", again.fs.read_file("/home/user/data/reports/today.txt").content.strip())
    agent_bay.delete(again)


if __name__ == "__main__":
    main()
