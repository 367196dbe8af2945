"""AsyncAgentBay: the same calls, awaited, with the same results."""
import asyncio
import inspect

from openbay.agentbay import AsyncAgentBay, CreateSessionParams


def test_async_client_is_awaitable_and_answers_like_the_blocking_one(agentbay_env):
    async def main():
        async with AsyncAgentBay() as agent_bay:
            assert inspect.iscoroutinefunction(type(agent_bay).create)
            r = await agent_bay.create(CreateSessionParams(image_id="code_latest", labels={"kind": "async-ab"}))
            assert r.success, r.error_message
            s = r.session
            try:
                assert inspect.iscoroutinefunction(type(s.command).execute_command)
                out = await s.command.run("echo $A", envs={"A": "async"})
                assert out.success and out.stdout == "async\n"
                assert (await s.fs.write_file("/home/user/a.txt", "hi")).success
                assert (await s.file_system.read_file("/home/user/a.txt")).content == "hi"
                assert (await s.code.run_code("6*7", "python")).result == "42"
                assert (await s.get_labels()).data == {"kind": "async-ab"}
                assert (await s.info()).data.app_id == "code"
                listed = await agent_bay.list(labels={"kind": "async-ab"}, page=1, limit=5)
                assert listed.session_ids == [s.session_id]
                missing = await s.file_system.read_file("/home/user/none")
                assert not missing.success and missing.error_message
                ctx = await agent_bay.context.create("async-ab-ctx")
                assert ctx.success and (await agent_bay.context.delete(ctx.context)).success
            finally:
                assert (await agent_bay.delete(s)).success

    asyncio.run(main())
