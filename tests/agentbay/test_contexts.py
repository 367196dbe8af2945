"""agent_bay.context and session.context as AgentBay documents them: a context made by
name, bound to a path with ContextSync and its policies, saved on sync and on delete."""
import time

from openbay.agentbay import (
    ContextListParams,
    ContextSync,
    CreateSessionParams,
    SyncPolicy,
    UploadPolicy,
)


def test_context_create_get_list_delete(agent_bay):
    tag = f"ab-{time.time_ns()}"
    made = agent_bay.context.create(f"{tag}-0")
    assert made.success and made.context.id == made.context_id and made.context.name == f"{tag}-0"
    again = agent_bay.context.get(f"{tag}-0", create=True)
    assert again.context_id == made.context_id  # get-or-create, not a second one
    assert agent_bay.context.get(context_id=made.context_id).context.name == f"{tag}-0"
    missing = agent_bay.context.get(f"{tag}-missing")
    assert not missing.success and missing.context is None
    others = [agent_bay.context.create(f"{tag}-{i}").context for i in (1, 2)]
    pages, token = [], None
    while True:
        page = agent_bay.context.list(ContextListParams(max_results=2, next_token=token))
        assert page.success and len(page.contexts) <= 2 and page.max_results == 2
        pages += [c.name for c in page.contexts]
        token = page.next_token
        if not token:
            break
    assert {f"{tag}-0", f"{tag}-1", f"{tag}-2"} <= set(pages) and len(pages) == page.total_count
    bad = agent_bay.context.list(ContextListParams(next_token="invalid-token-12345"))
    assert not bad.success and "next_token" in bad.error_message
    for ctx in [made.context, *others]:
        assert agent_bay.context.delete(ctx).success
    assert not agent_bay.context.get(context_id=made.context_id).success


def test_context_sync_keeps_files_between_sessions(agent_bay):
    ctx = agent_bay.context.get(f"ab-data-{time.time_ns()}", create=True).context
    policy = SyncPolicy(upload_policy=UploadPolicy(auto_upload=True))
    first = agent_bay.create(CreateSessionParams(image_id="linux_latest",
                                                 context_syncs=[ContextSync.new(ctx.id, "/home/user/data", policy)]))
    assert first.success, first.error_message
    s = first.session
    info = s.context.info()
    assert info.success and [(d.context_id, d.path) for d in info.context_status_data] == [(ctx.id, "/home/user/data")]
    s.file_system.write_file("/home/user/data/kept.txt", "from the first session")
    assert s.context.sync().success
    assert agent_bay.context.get(context_id=ctx.id).context.size_bytes > 0
    s.file_system.write_file("/home/user/data/later.txt", "saved on delete")
    assert agent_bay.delete(s, sync_context=True).success

    second = agent_bay.create(CreateSessionParams(context_syncs=[ContextSync(ctx.id, "/home/user/data")])).session
    try:
        fs = second.file_system
        assert fs.read_file("/home/user/data/kept.txt").content == "from the first session"
        assert fs.read_file("/home/user/data/later.txt").content == "saved on delete"
        assert [b.context_id for b in second.context.list_bindings().bindings] == [ctx.id]
    finally:
        second.delete()
    files = agent_bay.context.list_files(ctx.id, "/")
    assert files.success and files.count == 2
    assert [(f.file_name, f.file_type, f.size) for f in files.entries] == [
        ("kept.txt", "file", len("from the first session")), ("later.txt", "file", len("saved on delete"))]
    assert agent_bay.context.list_files(ctx.id, "/", page_number=2, page_size=1).entries[0].file_name == "later.txt"
    assert not agent_bay.context.list_files(ctx.id, "/../x").success
    cleared = agent_bay.context.clear(ctx.id)
    assert cleared.success and cleared.status == "available"
    assert agent_bay.context.get(context_id=ctx.id).context.size_bytes == 0
    assert agent_bay.context.list_files(ctx.id, "/").entries == []
    agent_bay.context.delete(ctx)


def test_bind_restores_a_context_into_a_running_session_and_saves_it(agent_bay):
    ctx = agent_bay.context.get(f"ab-bind-{time.time_ns()}", create=True).context
    first = agent_bay.create(CreateSessionParams(context_syncs=[ContextSync.new(ctx.id, "/home/user/data")])).session
    first.file_system.write_file("/home/user/data/a.txt", "saved before the bind")
    assert agent_bay.delete(first, sync_context=True).success

    s = agent_bay.create().session  # created without the context, bound later
    try:
        assert s.context.list_bindings().bindings == []
        assert not s.file_system.get_file_info("/home/user/proj/a.txt").success
        bound = s.context.bind(ContextSync.new(ctx.id, "/home/user/proj"))
        assert bound.success, bound.error_message
        assert s.file_system.read_file("/home/user/proj/a.txt").content == "saved before the bind"
        assert [(b.context_id, b.path) for b in s.context.list_bindings().bindings] == [(ctx.id, "/home/user/proj")]
        s.file_system.write_file("/home/user/proj/b.txt", "written after the bind")
        assert s.context.sync().success
        stranger = s.context.bind(ContextSync.new("ctx-not-mine", "/home/user/other"))
        assert not stranger.success and stranger.error_message
        assert not s.context.bind().success
    finally:
        s.delete()
    names = [f.file_name for f in agent_bay.context.list_files(ctx.id, "/").entries]
    assert names == ["a.txt", "b.txt"]
    agent_bay.context.delete(ctx)


def test_update_renames_a_context_and_refuses_a_taken_name(agent_bay):
    tag = f"ab-rename-{time.time_ns()}"
    ctx = agent_bay.context.create(f"{tag}-a").context
    other = agent_bay.context.create(f"{tag}-b").context
    ctx.name = f"{tag}-renamed"
    assert agent_bay.context.update(ctx).success
    assert agent_bay.context.get(f"{tag}-renamed").context_id == ctx.id
    assert not agent_bay.context.get(f"{tag}-a").success
    ctx.name = other.name
    taken = agent_bay.context.update(ctx)
    assert not taken.success and "already" in taken.error_message
    assert agent_bay.context.get(context_id=ctx.id).context.name == f"{tag}-renamed"
    for c in (ctx, other):
        agent_bay.context.delete(c)


def test_policies_refuse_wildcards_as_agentbay_does():
    import pytest

    from openbay.agentbay import Lifecycle, RecyclePolicy, WhiteList
    for bad in ("/data/*", "/data/file?", "/data/[ab]"):
        with pytest.raises(ValueError, match="Wildcard"):
            RecyclePolicy(lifecycle=Lifecycle.LIFECYCLE_1DAY, paths=[bad])
        with pytest.raises(ValueError, match="Wildcard"):
            WhiteList(path=bad)
    with pytest.raises(ValueError, match="lifecycle"):
        RecyclePolicy(lifecycle="1 day")  # type: ignore[arg-type]
    assert RecyclePolicy(paths=["/tmp/cache", "/var/log"]).paths == ["/tmp/cache", "/var/log"]
    assert WhiteList(path="/data/.*", is_path_regex=True).path == "/data/.*"
