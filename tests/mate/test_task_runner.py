"""openbay.mate's TaskRunner.run_task: a plan first (accepted, edited or rejected by the
person), progress on it, attachments in the session's home, task modes, Mate's TaskResult."""
import re

from openbay import MessageFilter
from openbay.mate import TaskExecutionOptions, TaskMode, create_task_runner
from tests.helpers.scripted_llm import Turn, call, done, page_state_of, text_of


def runner(client, session):
    """Mate's task runner for a session (the native SDK's Session or its id), printing nothing."""
    r = create_task_runner(None, client, getattr(session, "session_id", session))
    r.output_fn = lambda line: None
    return r


def plan(*steps: str) -> Turn:
    return call("plan", steps=list(steps))


def first_task_message(body: dict) -> str:
    return next(text_of(m["content"]) for m in body["messages"] if m["role"] == "user")


def test_auto_accepted_plan_progress_and_the_result(llm, mate, abay, bsession, site):
    llm.set_script([plan("Open the weather page", "Read Shanghai's weather"),
                    call("go_to_url", url=site + "/weather"),
                    Turn(tool_calls=[("update_plan", {"done": [1]}), ("done", {"text": "Shanghai is sunny"})])])
    r = runner(mate, bsession).run_task("What is the weather in Shanghai?",
                        options=TaskExecutionOptions(capture_screenshots=True, enable_event_logging=True,
                                                         completion_timeout=120))
    assert r.success and r.error is None and r.final_answer == "Shanghai is sunny"
    assert [p["version"] for p in r.plan_history] == [1, 2, 3]
    assert [s["status"] for s in r.plan_history[1]["steps"]] == ["done", "pending"]
    assert [s["status"] for s in r.plan_history[-1]["steps"]] == ["done", "done"]  # finished: all done
    assert r.plan_history[0]["accepted"] and r.plan_history[0]["by"] == "auto"
    assert [log["step"] for log in r.execution_logs] == [1, 2]
    assert [a["name"] for a in r.execution_logs[1]["actions"]] == ["update_plan", "done"]
    assert len(r.screenshots) == 2 and r.screenshots[1]["url"] == site + "/weather"
    assert r.session_duration > 0 and r.message_count > 5
    plans = abay.session_api.get_messages(bsession.session_id, page_size=100, filter=MessageFilter(types=["plan"]))
    assert [(m.role, m.payload["version"]) for m in plans.data] == [("assistant", 1), ("assistant", 2),
                                                                    ("assistant", 3)]
    assert plans.data[0].content == "1. Open the weather page\n2. Read Shanghai's weather"
    # the plan was written before anything was done, and the loop was told to follow it
    assert [t["function"]["name"] for t in llm.requests[0]["tools"]] == ["plan"]
    assert "1. Open the weather page\n2. Read Shanghai's weather" in first_task_message(llm.requests[1])
    assert "update_plan" in [t["function"]["name"] for t in llm.requests[1]["tools"]]


def test_rejected_with_feedback_then_edited_by_the_person(llm, mate, abay, bsession, site):
    llm.set_script([plan("Search the web"), plan("Open the weather page", "Read it"),
                    call("go_to_url", url=site + "/weather"), done("Cloudy in Beijing")])
    shown = []

    def decide(p):
        shown.append(p)
        if len(shown) == 1:
            return "reject: use the weather page, not a search"
        return "1. Open the weather page\n2. Find Beijing\n3. Answer"

    r = runner(mate, bsession).run_task(
        "Beijing weather", options=TaskExecutionOptions(auto_accept_plan=False, completion_timeout=120),
        on_plan=decide)
    assert r.success, r.error
    assert [p["content"] for p in shown] == ["1. Search the web", "1. Open the weather page\n2. Read it"]
    assert all(p["awaiting_approval"] for p in shown)
    edited = r.plan_history[2]
    assert edited["edited"] and edited["by"] == "person"
    assert [s["text"] for s in edited["steps"]] == ["Open the weather page", "Find Beijing", "Answer"]
    # the second draft was made with the person's words; the loop follows the edited plan
    assert "use the weather page, not a search" in str(llm.requests[1]["messages"])
    assert "1. Open the weather page\n2. Find Beijing\n3. Answer" in first_task_message(llm.requests[2])
    inputs = abay.session_api.get_messages(bsession.session_id, page_size=100,
                                           filter=MessageFilter(types=["user_input"]))
    assert [m.content for m in inputs.data][-2:] == ["reject: use the weather page, not a search",
                                                      "1. Open the weather page\n2. Find Beijing\n3. Answer"]


def test_plain_rejection_ends_the_task(llm, mate, abay, bsession):
    llm.set_script([plan("Do something risky"), done("should not happen")])
    r = runner(mate, bsession).run_task(
        "risky", options=TaskExecutionOptions(auto_accept_plan=False), on_plan=lambda p: "reject")
    assert not r.success and r.error == "the person rejected the plan"
    assert len(llm.requests) == 1 and r.final_answer == ""


def test_an_unanswered_plan_ends_the_task_after_max_user_input_timeout(llm, mate, abay, bsession):
    llm.set_script([plan("Wait for approval")])
    r = runner(mate, bsession).run_task(
        "needs approval", options=TaskExecutionOptions(auto_accept_plan=False, max_user_input_timeout=1),
        on_plan=lambda p: None)
    assert not r.success and "did not answer the plan in time" in r.error


def test_questions_go_to_on_user_input(llm, mate, abay, bsession):
    llm.set_script([plan("Ask"), call("call_for_user", question="Which city?"), done("ok")])
    asked = []
    r = runner(mate, bsession).run_task("ask me", on_user_input=lambda q: asked.append(q) or "Hangzhou")
    assert r.success and asked == ["Which city?"]
    assert "the person answered: Hangzhou" in str(llm.requests[2]["messages"])


def test_attachments_in_the_session_home_and_deep_search(llm, mate, abay, bsession, tmp_path):
    src = tmp_path / "prices.csv"
    src.write_text("item,price\nteapot-zx81,42\n")
    up = abay.file_upload.upload_file(src)

    def open_the_link(body):  # the link the task text gives for the attachment
        return call("go_to_url", url=re.search(r"prices\.csv: (\S+)", first_task_message(body)).group(1))

    llm.set_script([plan("Open the attachment", "Answer"), open_the_link, done("The teapot costs 42")])
    r = runner(mate, bsession).run_task(
        "How much is the teapot?", attachments=[{"file_name": "prices.csv", "file_url": up["file_url"]}],
        task_mode=TaskMode.DeepSearch)
    assert r.success, r.error
    task = first_task_message(llm.requests[1])
    # the agent's browser reads the file in the session itself (the server is out of a session's reach)
    assert "/home/user/attachments/prices.csv: file:///home/user/attachments/prices.csv.txt" in task
    assert "cite the URL of every source" in task
    assert "teapot-zx81,42" in page_state_of(llm.requests[2])
    info = abay.session_api.get_messages(bsession.session_id, filter=MessageFilter(types=["task"]))
    assert info.data[-1].content.startswith("How much is the teapot?")


def test_bad_attachments_and_ended_sessions_are_results_not_exceptions(llm, mate, abay, bsession, stranger,
                                                                    mate_stranger, tmp_path):
    run = runner(mate, bsession)
    r = run.run_task("x", attachments=[{"file_name": "a.csv", "file_url": "https://elsewhere.example/a.csv"}])
    assert not r.success and "names no upload of this server" in r.error
    src = tmp_path / "theirs.txt"
    src.write_text("theirs")
    theirs = stranger.file_upload.upload_file(src)
    r = run.run_task("x", attachments=[{"file_id": theirs["file_id"]}])
    assert not r.success and "not found" in r.error
    r = runner(mate_stranger, bsession.session_id).run_task("x")
    assert not r.success and "not found" in r.error
