"""The console in a real Chromium: sign in, sessions, a session's terminal and files, a task,
the keys page; a wrong key is refused and one owner never sees another's things."""
import time

import httpx
import pytest

from openbay.sdk.errors import GoneError
from tests.helpers.host_pages import loaded, open_page
from tests.helpers.scripted_llm import call, done
from tests.helpers.waiting import wait_for

from .conftest import new_context, sign_in


def _terminal_text(page) -> str:
    return page.evaluate("""() => { const b = window.openbayTerminal.buffer.active, out = [];
        for (let i = 0; i < b.length; i++) out.push(b.getLine(i).translateToString(true));
        return out.join("\\n"); }""")


def test_a_wrong_key_is_refused(chromium, console_server):
    context = new_context(chromium)
    page = context.new_page()
    open_page(page, console_server.base_url + "/console/")
    page.get_by_label("API key").fill("ob_this_is_not_a_key_of_this_server")
    page.get_by_role("button", name="Sign in").click()
    assert "not valid" in page.locator("#login-error").inner_text()
    assert page.locator("#sessions").count() == 0
    # and without a sign-in the API refuses the console's requests
    assert page.evaluate("fetch('/v1/sessions').then(r => r.status)") == 401
    context.close()


def test_sign_in_list_open_terminal_files(chromium, console_server, shots, tmp_path, make_session):
    tag = f"c{time.time_ns()}"
    s = make_session("linux", labels={"suite": tag}, source=console_server)
    page = sign_in(chromium, console_server, console_server.admin_key)
    # the list shows the session, and filters by label
    page.get_by_label("Label", exact=True).fill(f"suite={tag}")
    page.get_by_role("button", name="Filter").click()
    row = page.locator(f'tr[data-session="{s.session_id}"]')
    row.wait_for()
    assert "linux" in row.inner_text() and f"suite={tag}" in row.inner_text()
    page.wait_for_function("document.querySelectorAll('#sessions tbody tr').length === 1")
    page.screenshot(path=str(shots / "sessions.png"))

    # its page: a terminal that runs what we type
    loaded(page, lambda: (row.get_by_role("link", name=s.session_id).click(), page.wait_for_load_state()))
    page.wait_for_selector("#session-id")
    page.get_by_role("button", name="Open a terminal").click()
    page.wait_for_function("window.openbayTerminal"
                           " && document.getElementById('term-status').textContent === 'connected'")
    page.locator("#terminal").click()
    page.keyboard.type("echo hi\n")
    wait_for(lambda: "\nhi" in _terminal_text(page), what="the terminal to show hi")

    # files: upload one with progress, see it in the list, open it, download it
    local = tmp_path / "notes.txt"
    local.write_text("uploaded through the console\n")
    page.locator("#upload-file").set_input_files(str(local))
    page.locator("#upload button[type=submit]").click()
    page.wait_for_selector('#files tr[data-name="notes.txt"]')
    assert page.locator("#upload-progress").evaluate("p => p.value") == 1
    assert s.file_system.read_file("/home/user/notes.txt").content == "uploaded through the console\n"
    page.locator('#files tr[data-name="notes.txt"] button').click()
    page.wait_for_function("document.getElementById('file-view').textContent.includes('through the console')")
    s.file_system.write_file("/home/user/report.csv", "a,b\n1,2\n")
    page.get_by_role("button", name="Open", exact=True).click()
    with page.expect_download() as dl:
        page.get_by_label("Download report.csv").click()
    assert open(dl.value.path()).read() == "a,b\n1,2\n"
    page.screenshot(path=str(shots / "session.png"), full_page=True)
    page.context.close()


def test_create_and_delete_from_the_list(chromium, console_server, cbay):
    page = sign_in(chromium, console_server, console_server.admin_key)
    tag = f"made{time.time_ns()}"
    page.locator("#create-box summary").click()
    page.locator("#create").get_by_label("Labels").fill(f"from=console, run={tag}")
    page.locator("#create").get_by_role("button", name="Create").click()
    page.wait_for_function("document.getElementById('list-status').textContent.startsWith('Created')")
    made = cbay.list(labels={"run": tag}).session_ids
    assert len(made) == 1
    page.get_by_label(f"Delete session {made[0]}").click()
    page.wait_for_function("document.getElementById('list-status').textContent.startsWith('Deleted')")
    with pytest.raises(GoneError, match="deleted"):  # a deleted session is gone
        cbay.get(made[0])
    assert cbay.list(labels={"run": tag}, status="deleted").session_ids == made
    page.context.close()


def test_a_finished_task_shows_each_step(chromium, console_server, llm, site, shots, make_session):
    s = make_session("browser", source=console_server)
    llm.set_script([call("go_to_url", reasoning="Open the weather page.", url=site + "/weather"),
                    done("Shanghai is sunny", data={"city": "Shanghai"})])
    r = s.agent.browser.execute_task_and_wait("Tell me Shanghai's weather", timeout=120, use_vision=True)
    assert r.task_status == "finished", r.error_message
    page = sign_in(chromium, console_server, console_server.admin_key)
    open_page(page, f"{console_server.base_url}/console/sessions/{s.session_id}")
    loaded(page, lambda: (page.get_by_role("link", name=r.task_id).click(), page.wait_for_load_state()))
    page.wait_for_function("window.openbayTaskLoaded === true")
    page.wait_for_selector("#step-2 .shot img")
    steps = page.locator("#timeline > li")
    assert steps.count() == 2
    first, second = steps.nth(0), steps.nth(1)
    assert first.locator(".shot img").count() == 1 and second.locator(".shot img").count() == 1
    assert first.locator("code.tool").inner_text() == "go_to_url"
    assert site + "/weather" in first.locator("pre.args").inner_text()
    assert "Open the weather page." in first.locator(".reasoning").inner_text()
    assert second.locator("code.tool").inner_text() == "done"
    assert page.locator("#task-status").inner_text() == "finished"
    assert page.locator("#answer").inner_text() == "Shanghai is sunny"
    assert '"city": "Shanghai"' in page.locator("#data").inner_text()
    assert "240" in page.locator("#task-tokens").inner_text()
    page.screenshot(path=str(shots / "task.png"), full_page=True)
    page.context.close()


def test_one_owner_never_sees_anothers_sessions_or_tasks(chromium, console_server, make_session):
    mine = make_session(labels={"who": "admin"}, source=console_server)
    stranger_key = console_server.new_owner_key("stranger")
    page = sign_in(chromium, console_server, stranger_key)
    page.get_by_label("Status").select_option("all")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_function("document.getElementById('total').textContent.endsWith('in all')")
    assert page.locator(f'tr[data-session="{mine.session_id}"]').count() == 0
    # the admin's session page, its terminal and its files are not the stranger's
    assert open_page(page, f"{console_server.base_url}/console/sessions/{mine.session_id}").status == 404
    files = f"/v1/sessions/{mine.session_id}/files?path=/home/user"
    assert page.evaluate(f"fetch('{files}').then(r => r.status)") == 404
    closed = page.evaluate(f"""() => new Promise((done) => {{
        const ws = new WebSocket(`ws://${{location.host}}/v1/sessions/{mine.session_id}/pty`);
        ws.onopen = () => done("open"); ws.onclose = () => done("closed"); }})""")
    assert closed == "closed"
    # no keys page for a key that is not an admin's
    assert open_page(page, f"{console_server.base_url}/console/keys").status == 403
    page.context.close()


def test_a_session_link_signs_in_for_that_session_only(chromium, console_server, make_session):
    s = make_session(source=console_server)
    other = make_session(source=console_server)
    context = new_context(chromium)
    page = context.new_page()
    open_page(page, s.get_link())
    page.wait_for_selector("#session-id")
    assert page.evaluate(f"fetch('/v1/sessions/{s.session_id}').then(r => r.status)") == 200
    # the link is for this session: not the list, not another session
    assert page.evaluate(f"fetch('/v1/sessions/{other.session_id}').then(r => r.status)") == 401
    assert page.evaluate("fetch('/v1/sessions').then(r => r.status)") == 401
    assert open_page(page, f"{console_server.base_url}/console/sessions/{other.session_id}").status == 401
    context.close()


def test_csrf_and_origin_are_checked(console_server):
    c = httpx.Client(base_url=console_server.base_url)
    assert c.post("/console/login", data={"key": console_server.admin_key}).status_code == 403  # no Origin
    r = c.post("/console/login", data={"key": console_server.admin_key},
               headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    r = c.post("/console/login", data={"key": console_server.admin_key}, headers={"Origin": console_server.base_url})
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = c.get("/console/").text
    csrf = page.split('name="openbay-csrf" content="')[1].split('"')[0]
    origin = {"Origin": console_server.base_url}
    assert c.post("/v1/sessions", json={}, headers=origin).status_code == 401  # no CSRF header
    assert c.post("/v1/sessions", json={}, headers={"X-OpenBay-CSRF": csrf, "Origin": "http://evil.example"}
                  ).status_code == 401
    made = c.post("/v1/sessions", json={}, headers={"X-OpenBay-CSRF": csrf, **origin})
    assert made.status_code == 201
    assert c.delete(f"/v1/sessions/{made.json()['session_id']}", headers={"X-OpenBay-CSRF": csrf, **origin}
                    ).status_code == 200
    # signed out: the cookie is worth nothing
    assert c.post("/console/logout", data={"csrf": csrf}, headers=origin).status_code == 303
    assert c.get("/v1/sessions").status_code == 401
