"""A browser task run again with use_cache: its element steps come from the owner's action
cache (kept by the first run), against a real server and a page served inside the session."""

from tests.helpers.pages import PAGES
from tests.helpers.scripted_llm import Turn, call, done, index_of
from tests.helpers.waiting import wait_for

TASK = "log in as ada (replay test)"


def test_a_solved_task_runs_again_from_the_cache(llm, bsession):
    bsession.file_system.write_file("/home/user/www/login.html", PAGES["/login"])
    bsession.command.execute_command(
        "cd /home/user/www && nohup python3 -m http.server 8765 --bind 127.0.0.1 >/dev/null 2>&1 &")
    url = "http://127.0.0.1:8765/login.html"
    wait_for(lambda: bsession.command.execute_command(
        f"python3 -c \"import urllib.request; urllib.request.urlopen('{url}')\"").exit_code == 0,
        what="the page server in the session")
    bsession.browser.agent.clear_cache()
    llm.set_script([call("go_to_url", url=url),
                    lambda b: Turn(tool_calls=[("input_text", {"index": index_of(b, "User name"), "text": "ada"})]),
                    lambda b: call("click_element", index=index_of(b, "Log in")),
                    done("logged in")])
    first = bsession.agent.browser.execute_task_and_wait(TASK, timeout=120, use_cache=True)
    assert first.finished, first.error_message
    kept = bsession.browser.agent.list_cache(url=url)
    assert sorted(e.action.method for e in kept) == ["click", "fill"]
    llm.set_script([call("go_to_url", url=url), done("logged in")])
    again = bsession.agent.browser.execute_task_and_wait(TASK, timeout=120, use_cache=True)
    assert again.finished and again.steps == 4 and len(llm.requests) == 2, again.error_message
    assert [log["usage"]["total_tokens"] for log in again.execution_logs] == [120, 0, 0, 120]
    assert [a["name"] for log in again.execution_logs for a in log["actions"]] == \
        ["go_to_url", "input_text", "click_element", "done"]
    bsession.browser.agent.clear_cache(url=url)
