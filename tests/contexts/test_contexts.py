"""Contexts: persistent volumes restored into sessions and saved back, one owner each."""
import httpx
import pytest

from openbay import ContextSync, CreateSessionParams, SyncPolicy, UploadPolicy
from tests.helpers.errors import raised
from tests.helpers.sessions import new_async_session, new_session


def _session_with(make_session, context_id, path="/home/user/data", policy=None):
    return make_session(context_syncs=[ContextSync.new(context_id, path, policy)])


def test_get_create_list_delete(bay):
    missing = raised(lambda: bay.context.get("ctx-crud"))
    assert missing.code == "not_found"
    made = bay.context.get("ctx-crud", create=True)
    assert made.context_id.startswith("ctx-") and made.context.name == "ctx-crud"
    again = bay.context.get("ctx-crud", create=True)
    assert again.context_id == made.context_id  # get-or-create, not a second one
    assert bay.context.get("ctx-crud").context_id == made.context_id
    assert "ctx-crud" in [c.name for c in bay.context.list().contexts]
    bay.context.delete(made.context)
    raised(lambda: bay.context.get("ctx-crud"))
    raised(lambda: bay.context.delete(made.context_id))


def test_two_sessions_in_a_row_share_saved_files(bay, make_session):
    ctx = bay.context.get("ctx-relay", create=True).context_id
    first = _session_with(make_session, ctx)
    assert first.file_system.list_directory("/home/user/data").entries == []
    first.file_system.write_file("/home/user/data/notes.txt", "from the first session")
    first.file_system.write_file("/home/user/data/sub/deep.bin", b"\x00\x01\x02")
    first.delete()  # saves the context

    info = bay.context.get("ctx-relay").context
    assert info.saved_at is not None and info.size_bytes > 0
    second = _session_with(make_session, ctx)
    fs = second.file_system
    assert fs.read_file("/home/user/data/notes.txt").content == "from the first session"
    assert fs.read_file("/home/user/data/sub/deep.bin", format="bytes").content == b"\x00\x01\x02"
    owner = second.command.execute_command("stat -c %u /home/user/data/notes.txt").output.strip()
    assert owner == "0"  # restored as the session's root, writable
    fs.delete_file("/home/user/data/notes.txt")
    fs.write_file("/home/user/data/new.txt", "second")
    synced = second.context.sync()  # on demand, while the session runs
    assert synced.syncs[0].saved and synced.syncs[0].context_id == ctx
    second.delete()
    third = _session_with(make_session, ctx, path="/home/user/elsewhere")
    try:
        names = {e.name for e in third.file_system.list_directory("/home/user/elsewhere").entries}
        assert names == {"new.txt", "sub"}
    finally:
        third.delete()
        bay.context.delete(ctx)


def test_another_owner_never_sees_a_context(server, bay, make_session):
    ctx = bay.context.get("ctx-private", create=True).context_id
    s = _session_with(make_session, ctx)
    s.file_system.write_file("/home/user/data/secret.txt", "owner only")
    s.delete()

    stranger = server.client(server.new_owner_key("ctx-stranger"))
    try:
        assert "ctx-private" not in [c.name for c in stranger.context.list().contexts]
        raised(lambda: stranger.context.get("ctx-private"))
        theirs = stranger.context.get("ctx-private", create=True)  # same name, their own context
        assert theirs.context_id != ctx
        refused = raised(lambda: stranger.create(CreateSessionParams(context_syncs=[ContextSync.new(ctx)])))
        assert refused.code == "not_found"
        raised(lambda: stranger.context.delete(ctx))
        with new_session(stranger, context_syncs=[ContextSync.new(theirs.context_id)]) as own:
            assert own.file_system.list_directory("/home/user/data").entries == []
    finally:
        stranger.close()
    # the archive lives in a root-only directory no sandbox can reach
    directory = server.services.contexts.directory
    assert oct(directory.stat().st_mode & 0o777) == "0o700"
    bay.context.delete(ctx)


def test_upload_policy_off_does_not_save_on_delete(bay, make_session):
    ctx = bay.context.get("ctx-readonly", create=True).context_id
    s = _session_with(make_session, ctx, policy=SyncPolicy(upload_policy=UploadPolicy(auto_upload=False)))
    s.file_system.write_file("/home/user/data/x.txt", "not kept")
    s.delete()
    assert bay.context.get("ctx-readonly").context.saved_at is None
    s2 = _session_with(make_session, ctx)
    try:
        assert s2.file_system.list_directory("/home/user/data").entries == []
    finally:
        s2.delete()
        bay.context.delete(ctx)


@pytest.mark.parametrize("syncs, word", [
    ([{"context_id": "ctx-x", "path": "relative/path"}], "absolute"),
    ([{"context_id": "ctx-x", "path": "/home/user/../.."}], "root"),
    ([{"context_id": "ctx-a", "path": "/home/user/d"}, {"context_id": "ctx-b", "path": "/home/user/d/e"}],
     "nest"),
])
def test_bad_context_syncs_are_refused(server, syncs, word):
    r = httpx.post(f"{server.base_url}/v1/sessions", json={"context_syncs": syncs},
                   headers={"Authorization": f"Bearer {server.admin_key}"})
    assert r.status_code == 422 and word in r.json()["error"]["message"]


def test_bad_context_names_are_refused(server):
    r = httpx.post(f"{server.base_url}/v1/contexts", json={"name": "../etc"},
                   headers={"Authorization": f"Bearer {server.admin_key}"})
    assert r.status_code == 422


def test_async_client_and_session_context_info(server):
    import asyncio

    from openbay import AsyncOpenBay

    async def main():
        async with AsyncOpenBay(api_key=server.admin_key, base_url=server.base_url) as bay:
            ctx = (await bay.context.get("ctx-async", create=True)).context_id
            async with new_async_session(bay, context_syncs=[ContextSync.new(ctx)]) as s:
                info = await s.context.info()
                assert [(x.context_id, x.path) for x in info.syncs] == [
                    (ctx, "/home/user/data")]
                await s.file_system.write_file("/home/user/data/a.txt", "async")
                await s.context.sync()
            assert (await bay.context.get("ctx-async")).context.size_bytes > 0
            assert "ctx-async" in [c.name for c in (await bay.context.list()).contexts]
            await bay.context.delete(ctx)

    asyncio.run(main())
