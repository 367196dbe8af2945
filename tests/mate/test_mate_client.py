"""openbay.mate against a real server: Mate's session API, file upload, and the TaskRunner
honouring every TaskExecutionOptions flag and TaskMode, with Mate's names throughout."""
import json

import pytest

from openbay.mate import APIError, TaskExecutionOptions, TaskMode, create_task_runner
from openbay.mate.models import CreateSessionRequest, MessageFilter, UpdateSessionNameRequest
from openbay.mate.websocket import WebSocketClient
from tests.helpers.scripted_llm import Turn, call, done


def first_task_message(body: dict) -> str:
    return next(m["content"] for m in body["messages"] if m["role"] == "user")


def runner_for(mate, info, lines=None):
    ws = WebSocketClient(base_url=mate.base_url, api_key=mate.api_key, session_id=info.session_id)
    runner = create_task_runner(ws, mate, info)
    if lines is not None:
        runner.output_fn = lines.append
    return runner


def test_session_create_info_name_and_messages(mate, abay, llm, site):
    created = mate.session.create(CreateSessionRequest(
        task="Draft a launch post", mode="marketing", platform="api", intent_id="i-1",
        extra={"marketing_product": {"product_id": "prod_123"}}))
    try:
        info = mate.session.get_info(created.session_id)
        assert (info.session_id, info.name, info.mode, info.platform, info.intent_id) == (
            created.session_id, "Draft a launch post", "marketing", "api", "i-1")
        assert info.browser_id == created.session_id and info.extra == {"marketing_product": {"product_id": "prod_123"}}
        assert info.task == [] and info.task_result is None and info.created_at
        mate.session.update_session_name(UpdateSessionNameRequest(session_id=created.session_id, title="Launch"))
        assert mate.session.get_info(created.session_id).name == "Launch"

        llm.set_script([call("plan", steps=["Open the page"]), call("go_to_url", url=site + "/weather"),
                        done("Sunny")])
        r = runner_for(mate, info, []).run_task("What is the weather?")
        assert r.success and r.final_answer == "Sunny"
        # the session's extra went to the agent with the task (a run without extra of its own)
        assert '"marketing_product": {"product_id": "prod_123"}' in first_task_message(llm.requests[1])
        after = mate.session.get_info(created.session_id)
        assert [t.content for t in after.task][0].startswith("What is the weather?")
        assert after.task_result == {"final_answer": "Sunny"}

        page = mate.session.get_messages(created.session_id, page_num=1, page_size=5)
        assert page.total_count > 5 and page.has_next and not page.has_prev and len(page.messages) == 5
        assert page.messages[0].type == "text" and page.messages[0].source == "user"
        everything = mate.session.get_messages(created.session_id, page_size=100).messages
        kinds = {m.source_type: m.type for m in everything}
        assert kinds["plan"] == "plan" and kinds["tool_call"] == "rich" and kinds["answer"] == "text"
        assert kinds["status"] == "task_result"
        assert all(m.browser_id == created.session_id for m in everything if m.type == "rich")
        users = mate.session.get_messages(created.session_id, page_size=100, filter=MessageFilter(role="user"))
        assert {m.source for m in users.messages} == {"user"}
        sunny = mate.session.get_messages(created.session_id, page_size=100, filter=MessageFilter(content="Sunny"))
        assert sunny.messages and all("Sunny" in m.content for m in sunny.messages)
        between = mate.session.get_between_messages(created.session_id, everything[1].message_id,
                                                    everything[3].message_id)
        assert [m.message_id for m in between.messages] == [m.message_id for m in everything[1:4]]
        assert between.total_count == 3
    finally:
        abay.delete(created.session_id)
    with pytest.raises(APIError) as gone:
        mate.session.get_info(created.session_id)
    assert gone.value.status_code == 410 and gone.value.code == "gone"


def test_options_quiet_by_default_and_verbose_when_asked(mate, mate_session, llm, site):
    llm.set_script([call("plan", steps=["Open it"]), call("go_to_url", url=site + "/weather"), done("Sunny")])
    lines: list[str] = []
    r = runner_for(mate, mate_session, lines).run_task("Weather?", options=TaskExecutionOptions(
        enable_browser_logging=False))
    assert r.success and lines == [] and r.execution_logs == [] and r.screenshots == []  # Mate's defaults
    assert r.message_count > 3 and r.session_duration > 0 and r.plan_history[0]["version"] == 1
    assert "image_url" not in str(llm.requests[1]["messages"])  # no screenshots: the model sees none

    llm.set_script([call("plan", steps=["Open it"]), call("go_to_url", url=site + "/weather"), done("Sunny")])
    lines.clear()
    r = runner_for(mate, mate_session, lines).run_task("Weather?", options=TaskExecutionOptions())
    assert r.success and any(line.startswith("[browser] -> go_to_url") for line in lines)  # browser logging
    assert not any(line.startswith("plan v") for line in lines)

    llm.set_script([call("plan", steps=["Open it"]), call("go_to_url", url=site + "/weather"), done("Sunny")])
    lines.clear()
    r = runner_for(mate, mate_session, lines).run_task("Weather?", options=TaskExecutionOptions(
        verbose=True, capture_screenshots=True))
    assert any(line.startswith("plan v1") for line in lines) and "answer: Sunny" in lines
    assert [log["step"] for log in r.execution_logs] == [1, 2]  # event logging follows verbose
    assert len(r.screenshots) == 2 and all(s["image"] and s["format"] == "jpeg" for s in r.screenshots)
    assert "image_url" in str(llm.requests[-1]["messages"])

    llm.set_script([call("plan", steps=["Open it"]), done("Sunny")])
    r = runner_for(mate, mate_session, []).run_task("Weather?", options=TaskExecutionOptions(
        enable_event_logging=True))
    assert [log["step"] for log in r.execution_logs] == [1]


def test_stop_on_x_confirm_stops_instead_of_confirming(mate, mate_session, llm):
    llm.set_script([call("plan", steps=["Post it"]), call("call_for_user", question="Post this reply now?"),
                    done("posted")])
    asked: list[str] = []
    r = runner_for(mate, mate_session, []).run_task(
        "Reply to the tweet", options=TaskExecutionOptions(stop_on_x_confirm=True),
        on_user_input=lambda q: asked.append(q) or "yes")
    assert not r.success and "stop_on_x_confirm" in r.error and asked == []
    assert r.final_answer == "" and len(llm.requests) == 2  # nothing after the question


def test_max_user_input_timeout_and_completion_timeout(mate, mate_session, llm):
    llm.set_script([call("plan", steps=["Ask"]), call("call_for_user", question="Which city?")])
    r = runner_for(mate, mate_session, []).run_task(
        "ask me", options=TaskExecutionOptions(max_user_input_timeout=1), on_user_input=lambda q: None)
    assert not r.success and r.error
    llm.set_script([call("plan", steps=["Think"]), Turn(hold_s=600, tool_calls=[("done", {"text": "late"})])])
    r = runner_for(mate, mate_session, []).run_task("slow", options=TaskExecutionOptions(completion_timeout=2))
    assert not r.success and ("timed" in r.error or "timeout" in r.error), r.error


@pytest.mark.parametrize("mode, words", [(TaskMode.DeepSearch, "cite the URL of every source"),
                                         (TaskMode.Marketing, "Marketing research"),
                                         (TaskMode.Default, None)])
def test_task_modes(mate, mate_session, llm, mode, words):
    llm.set_script([call("plan", steps=["Research"]), done("found")])
    r = runner_for(mate, mate_session, []).run_task("Research teapots", task_mode=mode)
    assert r.success
    told = first_task_message(llm.requests[1])
    if words:
        assert words in told
    else:
        assert "Deep search" not in told and "Marketing research" not in told


def test_extra_keys_are_fields_or_passed_on_never_dropped(mate, mate_session, llm):
    llm.set_script([call("plan", steps=["Go"]), call("wait", seconds=0.1), call("wait", seconds=0.1)])
    r = runner_for(mate, mate_session, []).run_task(
        "Go", extra={"max_steps": 2, "audience": "tea lovers", "tone": {"formal": False}})
    assert not r.success and "max_steps" in r.error  # an OpenBay field: the step budget
    told = first_task_message(llm.requests[1])
    assert json.dumps({"audience": "tea lovers", "tone": {"formal": False}}, sort_keys=True) in told
    r = runner_for(mate, mate_session, []).run_task("Go", extra={"max_steps": "many"})
    assert not r.success and "max_steps" in r.error  # refused before anything runs


def test_file_upload_validates_then_uploads(mate, mate_session, tmp_path):
    good = tmp_path / "notes.md"
    good.write_text("# notes\n")
    assert mate.file_upload.validate_file(str(good)) == (True, "File validation passed")
    assert mate.file_upload.validate_file(str(tmp_path / "none.txt"))[1] == "File does not exist"
    (tmp_path / "tool.exe").write_text("x")
    assert mate.file_upload.validate_file(str(tmp_path / "tool.exe")) == (False, "Unsupported file type: .exe")
    (tmp_path / "empty.txt").write_text("")
    assert mate.file_upload.validate_file(str(tmp_path / "empty.txt")) == (False, "File is empty")
    up = mate.file_upload.upload_file(str(good), session_id=mate_session.session_id)
    assert up["file_name"] == "notes.md" and "/v1/uploads/" in up["file_url"] and up["file_id"]
    with pytest.raises(APIError, match="validation failed"):
        mate.file_upload.upload_file(str(tmp_path / "tool.exe"))
    assert ".md" in mate.file_upload.list_supported_extensions()
    assert mate.file_upload.format_file_size(2048) == "2.0 KB"


def test_raw_websocket_use_says_what_to_do_instead(mate, mate_session):
    ws = WebSocketClient(base_url=mate.base_url, api_key=mate.api_key, session_id=mate_session.session_id)
    with pytest.raises(Exception, match="create_task_runner"):
        ws.connect(mate_session.session_id)
