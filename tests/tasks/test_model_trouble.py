"""Tasks whose model fails or runs out of time, through a real server and the SDK: the
status, reason, steps, logs, usage and message count a user gets back add up."""
from tests.helpers.scripted_llm import Turn, call
from tests.helpers.waiting import PATIENCE_S


def test_a_step_cut_by_the_timeout_is_counted(llm, bsession):
    # the model streams slowly (some 200 s) past the task's timeout; 30 s: a loaded machine's agent
    # asks the model well before that
    llm.set_script([Turn(content="word " * 8000, piece_s=0.04, usage=(100, 8000))])
    r = bsession.agent.browser.execute_task("write a lot", timeout=30).wait(PATIENCE_S)
    assert llm.requests, "the model was asked before the timeout"
    assert r.task_status == "timed_out", r.error_message
    assert "timeout of 30s" in r.error_message
    # the step the timeout cut is counted: its tokens, and its entry in the logs
    assert r.steps == 1 == len(r.execution_logs)
    assert r.usage["prompt_tokens"] > 0 and r.usage["completion_tokens"] > 0


def test_a_model_error_keeps_the_steps_logs_and_message_count(llm, bsession):
    llm.set_script([call("wait", seconds=0), Turn(status=400, content="model 'scripted' does not exist")])
    r = bsession.agent.browser.execute_task_and_wait("wait, then fail", timeout=PATIENCE_S)
    assert r.task_status == "failed"
    assert r.error_message.endswith("answered HTTP 400: no such model or path at the endpoint")
    assert "Error code" not in r.error_message
    assert r.steps == 2 == len(r.execution_logs) and r.message_count > 0
    assert r.usage["total_tokens"] == 120


def test_silence_ends_with_as_many_logs_as_steps(llm, bsession):
    llm.set_script([Turn(content="I think it is sunny.")] * 3)
    r = bsession.agent.browser.execute_task_and_wait("weather?", timeout=PATIENCE_S)
    assert r.task_status == "failed" and "without calling any tool 3 times" in r.error_message
    assert r.steps == 3 == len(r.execution_logs) and r.message_count > 0
