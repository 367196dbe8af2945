"""The browser agent, on a real Chromium, against model servers that behave as llama.cpp,
Ollama and vLLM do: every task ends with a clear status and reason, never with a 400 of
its own making; steps, events and usage add up."""
import asyncio
import json

import pytest

from openbay.agents.browser_agent import AgentOptions, BrowserAgent
from openbay.agents.llm import ChatClient, LLMConfig
from tests.agents.conftest import Recorder
from tests.helpers import model_servers as servers
from tests.helpers.scripted_llm import ScriptedLLM, Turn, call, done, page_state_of


def written(name: str, **args) -> Turn:
    """A tool call as a model without native tool calling writes it."""
    return Turn(content=f"I will use {name}.\n<tool_call>{json.dumps({'name': name, 'arguments': args})}</tool_call>")


@pytest.fixture
def agent_on(browser):
    """Run the browser agent against a scripted server: (outcome, recorder, the server's requests)."""
    async def run(script, *, profile=None, task="do the task", config=None, **options):
        gets, server = profile or ({}, None)
        with ScriptedLLM(script, gets=gets, server=server) as llm:
            hooks = Recorder()
            client = ChatClient(LLMConfig(**{"base_url": llm.base_url, "model": "m", **(config or {})}),
                                backoff_s=0.01)
            try:
                outcome = await BrowserAgent(client, browser, hooks, AgentOptions(**options)).run(task)
            finally:
                await client.close()
            return outcome, hooks, list(llm.requests)
    return run


def notices(hooks) -> str:
    return "\n".join(p["message"] for p in hooks.of("error") if not p.get("fatal"))


async def test_gemma_on_llama_cpp_without_tool_template_works_in_text_mode(agent_on, site):
    """llama-server --jinja with Gemma 3's template: no tool support, roles must alternate."""
    profile = servers.llama_cpp(n_ctx=4096, supports_tools=False, strict_template=True)
    outcome, hooks, requests = await agent_on(
        [written("go_to_url", url=site + "/weather"), Turn(content="Let me look."),
         written("done", text="Shanghai is sunny")], profile=profile, task="Shanghai's weather?")
    assert outcome.success and outcome.text == "Shanghai is sunny", outcome.error
    assert len(requests) == 3 and all("tools" not in r for r in requests)
    assert all(servers.alternates(r["messages"]) for r in requests)  # else the template raises
    assert all(r["max_tokens"] == 1024 for r in requests)
    assert "reports no tool calling" in notices(hooks) and "--jinja" in notices(hooks)
    assert "Shanghai | Sunny" in page_state_of(requests[1])


async def test_a_runaway_answer_is_not_replayed_and_history_fits_a_small_context(agent_on, site):
    profile = servers.llama_cpp(n_ctx=4096)
    runaway = Turn(content="blah " * 4000, tool_calls=[("go_to_url", {"url": site + "/weather"})])
    script = [runaway] + [call("scroll", direction="down")] * 6 + [done("ok")]
    outcome, hooks, requests = await agent_on(script, profile=profile, task="the task text")
    assert outcome.success, outcome.error  # a 400 from the server would have ended it
    assert all(servers.prompt_tokens(r) < 4096 - 1024 for r in requests)
    assert all("the task text" in json.dumps(r["messages"]) for r in requests)
    assert len(json.dumps(requests[1]["messages"])) < 20_000 - 1  # 20,000 chars of blah were clipped


async def test_a_context_overflow_is_answered_by_trimming(agent_on, site):
    # a server that does not say its context up front: the 400 names it, the step is sent again
    _, server = servers.llama_cpp(n_ctx=2600)
    script = [call("go_to_url", url=site + "/weather")] + [Turn(content="x" * 3000, tool_calls=[
        ("scroll", {"direction": "down"})])] * 3 + [done("ok")]
    outcome, hooks, requests = await agent_on(script, profile=({}, server))
    assert outcome.success, outcome.error
    assert "trimmed" in notices(hooks)
    refused = [r for r in requests if servers.prompt_tokens(r) >= 2600]
    assert len(refused) == 1 and len(requests) == len(script) + 1


async def test_a_truncated_answer_is_told_to_the_model(agent_on):
    outcome, hooks, requests = await agent_on([Turn(content="Let me think " * 40, finish="length"), done("ok")],
                                              config={"max_output_tokens": 64})
    assert outcome.success and requests[0]["max_tokens"] == 64
    assert "cut off at the limit of 64 tokens" in page_state_of(requests[1])


async def test_steps_logs_and_messages_add_up_when_the_model_stays_silent(agent_on):
    outcome, hooks, requests = await agent_on([Turn(content="I think it is sunny.")] * 3)
    assert not outcome.success and "without calling any tool 3 times" in outcome.error
    assert "OPENBAY_LLM_TOOL_MODE=text" in outcome.error
    assert outcome.steps == 3 == len(hooks.steps) and [s.step for s in hooks.steps] == [1, 2, 3]
    assert outcome.message_count == sum(len(r["messages"]) for r in requests) > 0


async def test_a_model_error_ends_the_task_with_its_steps_and_message_count(agent_on):
    outcome, hooks, requests = await agent_on([call("wait", seconds=0),
                                               Turn(status=400, content="model 'm' does not exist")])
    assert not outcome.success and outcome.error.endswith("answered HTTP 400: no such model or path at the endpoint")
    assert "does not exist" not in outcome.error  # the upstream's own words stay in the server's log
    assert outcome.steps == 2 == len(hooks.steps) and outcome.message_count > 0
    assert outcome.usage.total_tokens == 120 == hooks.steps[0].usage["total_tokens"]


async def test_a_step_cut_by_the_timeout_is_counted(agent_on, browser):
    slow = Turn(content="word " * 400, piece_s=0.05, usage=(100, 400))
    hooks = Recorder()
    with ScriptedLLM([call("wait", seconds=0), slow]) as llm:
        client = ChatClient(LLMConfig(base_url=llm.base_url, model="m"), backoff_s=0.01)
        agent = BrowserAgent(client, browser, hooks, AgentOptions())
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(4):
                await agent.run("slow")
        await client.close()
    assert [s.step for s in hooks.steps] == [1, 2]
    cut = hooks.steps[1].usage
    assert cut["prompt_tokens"] > 0 and cut["completion_tokens"] > 0  # counted, though no usage came
    assert agent.usage.total_tokens == 120 + cut["total_tokens"]


async def test_streamed_text_comes_in_a_few_events_per_step(agent_on):
    outcome, hooks, _ = await agent_on([Turn(content="a" * 3000, reasoning="b" * 3000,
                                             tool_calls=[("done", {"text": "ok"})])])
    assert outcome.success
    # 375 pieces of each were streamed: they come as a handful of events (how many depends on the
    # stream's pace; tests/agents/test_delta_buffer.py pins the schedule), all of the text once
    content, reasoning = hooks.of("content"), hooks.of("reasoning")
    assert 1 <= len(content) <= 4 and 1 <= len(reasoning) <= 4
    assert "".join(p["content"] for p in content) == "a" * 3000
    assert "".join(p["content"] for p in reasoning) == "b" * 3000
    assert {p["step"] for p in content + reasoning} == {1}


async def test_the_fallback_model_takes_over_after_invalid_output(agent_on):
    outcome, hooks, requests = await agent_on([Turn(content="hmm")] * 3 + [done("ok")],
                                              config={"model": "big", "fallback_model": "small"})
    assert outcome.success, outcome.error
    assert [r["model"] for r in requests] == ["big", "big", "big", "small"]
    assert "switching to the fallback model 'small'" in notices(hooks)
    assert [s.model for s in hooks.steps] == ["big", "big", "big", "small"]


async def test_vision_is_turned_off_for_a_model_that_cannot_see(agent_on, site):
    outcome, hooks, requests = await agent_on([call("go_to_url", url=site + "/weather"), done("ok")],
                                              profile=servers.llama_cpp(vision=False), use_vision=True)
    assert outcome.success and "vision is off" in notices(hooks)
    assert all(isinstance(r["messages"][-1]["content"], str) for r in requests)
