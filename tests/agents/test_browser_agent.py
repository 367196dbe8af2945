"""The browser agent's step loop on a real Chromium with the scripted model."""
import json

from tests.helpers.scripted_llm import Turn, call, done, index_of, on_text, page_state_of

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}, "weather": {"type": "string"}},
          "required": ["city", "weather"], "additionalProperties": False}


def tool_messages(request):
    return [m["content"] for m in request["messages"] if m["role"] == "tool"]


async def test_weather_task_with_structured_output(run_agent, site, model):
    outcome, hooks = await run_agent(
        [call("go_to_url", url=site + "/weather", reasoning="I will open the page."),
         done("Shanghai is sunny", data={"city": "Shanghai", "weather": "Sunny"})],
        output_schema=SCHEMA)
    assert outcome.data == {"city": "Shanghai", "weather": "Sunny"}
    assert outcome.steps == 2 and outcome.usage.total_tokens == 240
    # the model saw the page after going there, and the schema in the done tool
    assert "Shanghai | Sunny" in page_state_of(model.requests[1])
    done_tool = next(t for t in model.requests[0]["tools"] if t["function"]["name"] == "done")
    assert done_tool["function"]["parameters"]["properties"]["data"] == SCHEMA
    assert "".join(p["content"] for p in hooks.of("reasoning")) == "I will open the page."
    assert [p["name"] for p in hooks.of("tool_call")] == ["go_to_url", "done"]
    assert [s.url for s in hooks.steps] == ["about:blank", site + "/weather"]


async def test_invalid_data_goes_back_to_the_model_until_it_fits(run_agent, model):
    outcome, hooks = await run_agent(
        [done("x", data={"city": "Shanghai"}), done("x", data={"city": "Shanghai", "weather": 3}),
         done("Sunny", data={"city": "Shanghai", "weather": "Sunny"})], output_schema=SCHEMA)
    assert outcome.data["weather"] == "Sunny" and outcome.steps == 3
    told = tool_messages(model.requests[1])[-1]
    assert "done was not accepted" in told and "'weather' is a required property" in told
    assert "3 is not of type 'string'" in tool_messages(model.requests[2])[-1]


async def test_schema_corrections_are_bounded(run_agent):
    outcome, _ = await run_agent([done("x", data={"nope": 1})] * 5, output_schema=SCHEMA)
    assert not outcome.success and "did not fit the output schema after 3 corrections" in outcome.error


async def test_several_actions_per_step_until_the_page_changes(run_agent, site, model):
    outcome, hooks = await run_agent(
        [call("go_to_url", url=site + "/weather"),
         lambda body: Turn(tool_calls=[("input_text", {"index": index_of(body, "City name"), "text": "Oslo"}),
                                       ("click_element", {"index": index_of(body, "Search")}),
                                       ("go_to_url", {"url": site + "/counter"}),
                                       ("click_element", {"index": 1})]),
         done("ok")])
    assert outcome.success
    results = [r["output"] for r in hooks.of("tool_result")]
    # input and click ran in the same step; the navigation ran, and the click after it did not
    assert results[1].startswith("typed into") and results[2].startswith("clicked")
    assert results[3].startswith("opened") and len(results) == 5  # + done
    assert "skipped: the page changed after go_to_url" in tool_messages(model.requests[2])[-1]
    assert "Title: Counter" in page_state_of(model.requests[2])


async def test_repeating_an_action_on_an_unchanged_page_is_pointed_out(run_agent, site, model):
    outcome, hooks = await run_agent(
        [call("go_to_url", url=site + "/hard"), on_text("click_element", "Plain button"),
         on_text("click_element", "Plain button"), done("ok")])
    results = [r["output"] for r in hooks.of("tool_result")]
    assert "Note: you have done exactly this" not in results[1]
    assert "Note: you have done exactly this 2 times" in results[2]


async def test_call_for_user_pauses_for_the_answer(run_agent, model):
    outcome, hooks = await run_agent([call("call_for_user", question="What is the code?"), done("ok")],
                                     answers=["4711"])
    assert hooks.of("call_for_user")[0]["content"] == "What is the code?"
    assert "the person answered: 4711" in tool_messages(model.requests[1])[-1]


async def test_max_steps_ends_the_task_with_a_reason(run_agent):
    outcome, _ = await run_agent([call("wait", seconds=0)] * 5, max_steps=3)
    assert not outcome.success and "max_steps (3) reached" in outcome.error and outcome.steps == 3


async def test_a_token_budget_ends_the_task(run_agent):
    outcome, hooks = await run_agent([call("wait", seconds=0)] * 5, max_tokens=200)
    assert not outcome.success and "used 240 of 200 tokens" in outcome.error
    # the step that went over is on the record with what it cost
    assert outcome.steps == 2 and [s.usage["total_tokens"] for s in hooks.steps] == [120, 120]


async def test_bad_tool_calls_are_reported_to_the_model_not_fatal(run_agent, model):
    outcome, hooks = await run_agent(
        [call("fly_to_moon"), call("click_element", index="seven"), call("go_to_url", url="file:///etc/passwd"),
         done("ok")])
    assert outcome.success
    results = [r["output"] for r in hooks.of("tool_result")]
    assert "there is no tool 'fly_to_moon'" in results[0]
    assert "invalid arguments" in results[1] and "invalid arguments" in results[2]


async def test_a_model_that_never_calls_tools_fails_the_task(run_agent):
    outcome, _ = await run_agent([Turn(content="I think it is sunny.")] * 3)
    assert not outcome.success and "without calling any tool" in outcome.error


async def test_history_stays_compact_over_many_steps(run_agent, site, model):
    script = [call("go_to_url", url=site + "/weather")] + [call("scroll", direction="down")] * 14 + [done("ok")]
    outcome, _ = await run_agent(script)
    assert outcome.success
    last = model.requests[-1]["messages"]
    # one page state (the current one), a summary of old steps, the last few steps in full
    assert sum("Current page state" in json.dumps(m) for m in last) == 1
    assert "Earlier steps (summarised)" in last[1]["content"]
    assert len(last) <= 2 + 6 * 2 + 1
    assert len(json.dumps(last)) < 2.5 * len(json.dumps(model.requests[3]["messages"]))


async def test_vision_sends_a_screenshot_with_the_state(run_agent, site, model):
    outcome, hooks = await run_agent([call("go_to_url", url=site + "/weather"), done("ok")],
                                     use_vision=True, full_page_screenshot=True)
    content = model.requests[1]["messages"][-1]["content"]
    assert content[1]["image_url"]["url"].startswith("data:image/jpeg;base64,/9j/")
    assert all(s.screenshot for s in hooks.steps)
