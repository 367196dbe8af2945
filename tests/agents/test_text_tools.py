"""Tool calls read from an answer's text, and the conversation shaped for strict chat templates."""
import json

from openbay.agents.llm.messages import estimate_tokens, shape
from openbay.agents.llm.text_tools import parse_tool_calls, strip_calls, tools_prompt

NAMES = {"click_element", "done", "input_text"}


def calls(text):
    return [(c.name, c.arguments) for c in parse_tool_calls(text, NAMES)]


def test_the_common_shapes_of_written_tool_calls_are_read():
    bare = 'I will click it. {"name": "click_element", "arguments": {"index": 3}}'
    assert calls(bare) == [("click_element", {"index": 3})]
    fenced = 'Sure:\n```json\n{"name": "input_text", "parameters": {"index": 2, "text": "hi"}}\n```'
    assert calls(fenced) == [("input_text", {"index": 2, "text": "hi"})]
    tagged = ('<tool_call>\n{"name": "click_element", "arguments": "{\\"index\\": 1}"}\n</tool_call>\n'
              '<tool_call>{"name": "done", "arguments": {"text": "ok"}}</tool_call>')
    assert calls(tagged) == [("click_element", {"index": 1}), ("done", {"text": "ok"})]
    wrapped = '{"tool_call": {"name": "done", "arguments": {"text": "fine"}}}'  # llama.cpp's generic format
    assert calls(wrapped) == [("done", {"text": "fine"})]
    listed = '[{"name": "click_element", "arguments": {"index": 4}}, {"name": "done", "arguments": {"text": "x"}}]'
    assert calls(listed) == [("click_element", {"index": 4}), ("done", {"text": "x"})]
    gemma = "```tool_code\nclick_element(index=7)\n```"
    assert calls(gemma) == [("click_element", {"index": 7})]


def test_prose_and_unknown_tools_are_not_calls():
    assert calls("The weather is sunny {as the page says}.") == []
    assert calls('{"name": "fly_to_moon", "arguments": {}}') == []
    assert calls('{"city": "Shanghai"}') == []
    assert calls("") == []


def test_what_the_model_said_besides_the_calls_is_kept():
    text = 'Clicking now.\n<tool_call>{"name": "click_element", "arguments": {"index": 3}}</tool_call>'
    assert strip_calls(text, parse_tool_calls(text, NAMES)) == "Clicking now."


def test_the_text_mode_prompt_names_each_tool_and_its_arguments():
    tools = [{"type": "function", "function": {"name": "click_element", "description": "Click.", "parameters": {
        "type": "object", "properties": {"index": {"type": "integer"}, "new_tab": {"type": "boolean"}},
        "required": ["index"]}}}]
    prompt = tools_prompt(tools)
    assert "- click_element(index: integer, new_tab?: boolean): Click." in prompt and "<tool_call>" in prompt


SYSTEM = {"role": "system", "content": "be an agent"}
TASK = {"role": "user", "content": "Task: click"}
CALL = {"role": "assistant", "content": None, "tool_calls": [
    {"id": "c1", "type": "function", "function": {"name": "click_element", "arguments": '{"index": 1}'}}]}
RESULT = {"role": "tool", "tool_call_id": "c1", "content": "clicked"}
SILENT = {"role": "assistant", "content": "I think so."}
STATE = {"role": "user", "content": [{"type": "text", "text": "page state"},
                                     {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,x"}}]}


def roles(messages):
    return [m["role"] for m in messages]


def test_neighbours_of_one_role_are_merged():
    out = shape([SYSTEM, TASK, SILENT, CALL, RESULT, STATE], [])
    assert roles(out) == ["system", "user", "assistant", "tool", "user"]
    assert out[2]["content"] == "I think so." and out[2]["tool_calls"] == CALL["tool_calls"]
    # one user turn per step: the task and the page state of step 1 are one message
    first = shape([SYSTEM, TASK, STATE], [])
    assert roles(first) == ["system", "user"]
    assert [p["type"] for p in first[1]["content"]] == ["text", "image_url"]
    assert first[1]["content"][0]["text"] == "Task: click\n\npage state"


def test_text_mode_alternates_strictly_and_writes_calls_as_text():
    tools = [{"type": "function", "function": {"name": "click_element", "parameters": {}}}]
    out = shape([SYSTEM, TASK, CALL, RESULT, SILENT, STATE], tools, text_tools=True)
    assert roles(out) == ["system", "user", "assistant", "user", "assistant", "user"]
    assert '<tool_call>{"name": "click_element", "arguments": {"index": 1}}</tool_call>' in out[2]["content"]
    assert out[3]["content"] == "Result of click_element: clicked"
    assert "<tool_call>" in out[0]["content"] and "click_element" in out[0]["content"]
    assert "tool_calls" not in json.dumps(out)


def test_a_template_without_a_system_role_gets_it_in_the_first_user_turn():
    out = shape([SYSTEM, TASK, CALL, RESULT], [], text_tools=True, system_role=False)
    assert roles(out) == ["user", "assistant", "user"]
    assert out[0]["content"].startswith("be an agent") and "Task: click" in out[0]["content"]


def test_the_token_estimate_counts_text_images_and_tools():
    small = estimate_tokens([TASK])
    assert estimate_tokens([STATE]) > 1000 > small > 0
    assert estimate_tokens([TASK], [{"function": {"name": "x" * 3000}}]) > small + 900
