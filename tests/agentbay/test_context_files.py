"""One file of a context, as AgentBay's data_persistence/context_file_operations_example.py
uses it: get_file_upload_url, a plain HTTP PUT, list_files, get_file_download_url, a plain GET,
delete_file. The URLs are links the OpenBay server signs and serves itself (it never fetches
an address a tenant gives); the signature stands in for the API key and names one file."""
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from openbay.agentbay import AgentBay, ContextSync, CreateSessionParams, SyncPolicy


def _context(agent_bay, tag: str):
    made = agent_bay.context.create(f"{tag}-{time.time_ns()}")
    assert made.success, made.error_message
    return made.context


def test_upload_list_download_delete_through_signed_urls(agent_bay, agentbay_env):
    ctx = _context(agent_bay, "files")
    up = agent_bay.context.get_file_upload_url(ctx.id, "/docs/readme.txt")
    assert up.success and up.url.startswith(agentbay_env.base_url + "/") and up.expire_time > time.time()
    put = httpx.put(up.url, content=b"hello from a plain PUT")  # no API key: the link is the permission
    assert put.status_code == 200
    top_url = agent_bay.context.get_file_upload_url(ctx.id, "top.bin").url
    assert httpx.put(top_url, content=b"\x00\x01").status_code == 200
    top = agent_bay.context.list_files(ctx.id, "/")
    assert [(e.file_path, e.file_type) for e in top.entries] == [("/docs", "directory"), ("/top.bin", "file")]
    inside = agent_bay.context.list_files(ctx.id, "/docs")
    assert [(e.file_name, e.size) for e in inside.entries] == [("readme.txt", 22)]
    down = agent_bay.context.get_file_download_url(ctx.id, "docs/readme.txt")
    assert down.success and httpx.get(down.url).content == b"hello from a plain PUT"
    # a second PUT replaces the file
    assert httpx.put(up.url, content=b"v2").status_code == 200
    assert httpx.get(down.url).content == b"v2"
    assert agent_bay.context.delete_file(ctx.id, "/docs/readme.txt").success
    assert httpx.get(down.url).status_code == 404
    again = agent_bay.context.delete_file(ctx.id, "/docs/readme.txt")
    assert not again.success and "no file /docs/readme.txt" in again.error_message
    missing = agent_bay.context.get_file_download_url(ctx.id, "/nothing.txt")
    assert not missing.success and "no file /nothing.txt" in missing.error_message
    assert not agent_bay.context.get_file_upload_url("ctx-invalid", "/a.txt").success
    bad = agent_bay.context.get_file_upload_url(ctx.id, "/../escape.txt")
    assert not bad.success and "bad file path" in bad.error_message
    assert agent_bay.context.delete(ctx).success


def test_a_link_names_one_file_one_method_and_one_owner(agent_bay, agentbay_env):
    ctx = _context(agent_bay, "links")
    url = agent_bay.context.get_file_upload_url(ctx.id, "/mine.txt").url
    assert httpx.put(url, content=b"mine").status_code == 200
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}

    def status(method: str, **changes) -> int:
        changed = f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode({**query, **changes})}"
        return httpx.request(method, changed, content=b"x" if method == "PUT" else None).status_code

    assert status("PUT", path="/other.txt") == 403          # another file
    assert status("GET") == 403                              # a PUT link does not read
    token = query["token"]
    assert status("PUT", token=token[:-1] + ("1" if token.endswith("0") else "0")) == 403  # one digit off
    assert status("PUT", token="1.abc") == 403
    assert status("PUT", owner="o-someone-else") == 403
    assert status("PUT", token=str(int(time.time()) - 10) + "." + token.partition(".")[2]) == 403  # expired
    stranger = AgentBay(api_key=agentbay_env.new_owner_key("context-files-stranger"))
    try:
        refused = stranger.context.get_file_download_url(ctx.id, "/mine.txt")
        assert not refused.success and "not found" in refused.error_message
        assert not stranger.context.delete_file(ctx.id, "/mine.txt").success
    finally:
        stranger.close()
    down = agent_bay.context.get_file_download_url(ctx.id, "/mine.txt").url
    assert httpx.get(down).content == b"mine"  # nothing above changed it
    assert agent_bay.context.delete(ctx).success
    assert httpx.get(down).status_code == 404  # a deleted context's links lead nowhere


def test_a_file_put_by_url_is_in_the_next_session_and_back(agent_bay):
    ctx = _context(agent_bay, "session-files")
    assert httpx.put(agent_bay.context.get_file_upload_url(ctx.id, "/in/given.txt").url,
                     content=b"given by URL").status_code == 200
    sync = ContextSync.new(ctx.id, "/home/user/data", SyncPolicy())
    r = agent_bay.create(CreateSessionParams(context_syncs=[sync]))
    assert r.success, r.error_message
    session = r.session
    try:
        assert session.file_system.read_file("/home/user/data/in/given.txt").content == "given by URL"
        assert session.file_system.write_file("/home/user/data/made.txt", "made in the session").success
        assert session.file_system.write_file("/home/user/data/.hidden", "dot file").success
        assert session.command.execute_command("ln -s /etc/hostname /home/user/data/link.txt").success
    finally:
        assert agent_bay.delete(session, sync_context=True).success
    made = agent_bay.context.get_file_download_url(ctx.id, "/made.txt")
    assert made.success and httpx.get(made.url).content == b"made in the session"
    names = {e.file_name for e in agent_bay.context.list_files(ctx.id, "/").entries}
    assert names == {".hidden", "in", "made.txt", "link.txt"}
    assert httpx.get(agent_bay.context.get_file_download_url(ctx.id, "/.hidden").url).content == b"dot file"
    # what a session saved is never followed on the host: a link is not a file to give
    assert not agent_bay.context.get_file_download_url(ctx.id, "/link.txt").success
    assert agent_bay.context.delete(ctx).success
