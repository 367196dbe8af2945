"""The model client against llama.cpp, Ollama and vLLM as they answer (status codes and
messages as the real servers send them): what it learns up front, how it adapts, what
it retries and what it reports."""
import socket

import pytest

from openbay.agents.llm import ChatClient, ContextOverflow, LLMConfig, LLMError
from tests.helpers import model_servers as servers
from tests.helpers.scripted_llm import ScriptedLLM, Turn

HI = [{"role": "system", "content": "you are an agent"}, {"role": "user", "content": "hi"}]
CLICK = {"type": "function", "function": {"name": "click_element", "description": "Click an element.",
                                          "parameters": {"type": "object", "properties": {
                                              "index": {"type": "integer"}}, "required": ["index"]}}}


async def ask(llm: ScriptedLLM, messages=HI, tools=(CLICK,), retries=4, **config):
    client = ChatClient(LLMConfig(base_url=llm.base_url, model=config.pop("model", "m"), **config),
                        retries=retries, backoff_s=0.01)
    try:
        return client, await client.complete(list(messages), list(tools))
    finally:
        await client.close()


def serve(profile, script):
    gets, server = profile
    return ScriptedLLM(script, gets=gets, server=server)


# -- llama.cpp ---------------------------------------------------------------------------

async def test_llama_cpp_props_set_the_context_and_cap_each_answer():
    with serve(servers.llama_cpp(n_ctx=4096), [Turn(tool_calls=[("click_element", {"index": 1})])]) as llm:
        client, turn = await ask(llm)
    assert client.info.server == "llama.cpp" and client.context_tokens == 4096
    # a quarter of the context at most, so one answer cannot fill it
    assert llm.requests[0]["max_tokens"] == 1024 and client.output_cap() == 1024
    assert [c.name for c in turn.tool_calls] == ["click_element"]


async def test_the_output_cap_is_a_setting_and_a_cut_answer_is_marked():
    with ScriptedLLM([Turn(content="a" * 50, finish="length")]) as llm:
        _, turn = await ask(llm, max_output_tokens=300)
    assert llm.requests[0]["max_tokens"] == 300
    assert turn.truncated and turn.tool_calls == []


async def test_llama_cpp_without_jinja_is_asked_again_with_tools_in_the_prompt():
    written = Turn(content='<tool_call>{"name": "click_element", "arguments": {"index": 2}}</tool_call>')
    with serve(servers.llama_cpp(jinja=False), [written]) as llm:
        client, turn = await ask(llm)
    assert len(llm.requests) == 2 and "tools" in llm.requests[0] and "tools" not in llm.requests[1]
    assert "click_element(index: integer)" in llm.requests[1]["messages"][0]["content"]
    assert [(c.name, c.args()) for c in turn.tool_calls] == [("click_element", {"index": 2})]
    assert turn.calls_from_text and client.text_tools
    assert any("--jinja" in n for n in client.notices)


async def test_a_configuration_error_is_not_retried_and_says_what_to_change():
    with serve(servers.llama_cpp(jinja=False), [Turn(content="never")]) as llm:
        with pytest.raises(LLMError) as err:
            await ask(llm, tool_mode="native")
    assert len(llm.requests) == 1
    message = str(err.value)
    port = llm.base_url.split(":")[2].split("/")[0]
    assert message.startswith(f"model endpoint 127.0.0.1:{port} answered HTTP 500: the model server does not "
                              "take tools (llama.cpp: start it with --jinja")
    assert servers.LLAMA_NO_JINJA not in message  # the upstream's own words stay in the server's log
    assert "Error code" not in message and "InternalServerError" not in message


async def test_llama_cpp_without_tool_support_in_its_template_is_known_up_front():
    with serve(servers.llama_cpp(supports_tools=False), [Turn(content='{"name": "click_element", '
                                                                     '"arguments": {"index": 5}}')]) as llm:
        client, turn = await ask(llm)
    assert len(llm.requests) == 1 and "tools" not in llm.requests[0]
    assert client.text_tools and [c.args() for c in turn.tool_calls] == [{"index": 5}]


async def test_a_strict_template_gets_strictly_alternating_roles():
    history = HI + [{"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "click_element", "arguments": '{"index": 1}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "clicked"}, {"role": "user", "content": "state"}]
    with serve(servers.llama_cpp(supports_tools=False, strict_template=True), [Turn(content="ok")]) as llm:
        await ask(llm, messages=history)
    sent = llm.requests[0]["messages"]
    assert servers.alternates(sent) and [m["role"] for m in sent] == ["system", "user", "assistant", "user"]


async def test_images_are_left_out_for_a_server_that_cannot_see_them():
    shot = [{"role": "user", "content": [{"type": "text", "text": "state"},
                                         {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,x"}}]}]
    with serve(servers.llama_cpp(vision=False), [Turn(content="ok")]) as llm:
        client, _ = await ask(llm, messages=shot)
    assert len(llm.requests) == 1 and llm.requests[0]["messages"][0]["content"] == "state"
    # a server that did not say so up front: its 500 is answered by asking again without them
    gets, server = servers.llama_cpp(vision=False)
    with ScriptedLLM([Turn(content="ok")], server=server) as llm:
        client, turn = await ask(llm, messages=shot)
    assert len(llm.requests) == 2 and turn.content == "ok" and client.info.supports_vision is False
    assert any("cannot take images" in n for n in client.notices)


async def test_llama_cpp_context_overflow_says_the_context_size():
    big = [{"role": "user", "content": "x" * 20_000}]
    with serve(servers.llama_cpp(n_ctx=2048), [Turn(content="never")]) as llm:
        with pytest.raises(ContextOverflow) as err:
            await ask(llm, messages=big, context_tokens=None)
    assert err.value.n_ctx == 2048 and "did not fit the model's context of 2048 tokens" in str(err.value)
    assert len(llm.requests) == 1


# -- Ollama ------------------------------------------------------------------------------

async def test_ollama_capabilities_decide_tools_and_vision_up_front():
    with serve(servers.ollama(tools=False), [Turn(content='```json\n{"name": "click_element", '
                                                          '"arguments": {"index": 3}}\n```')]) as llm:
        client, turn = await ask(llm, model="gemma3:270m")
    assert client.info.server == "ollama" and client.info.supports_tools is False
    assert client.info.supports_vision is False and client.context_tokens == 4096
    assert "tools" not in llm.requests[0] and [c.args() for c in turn.tool_calls] == [{"index": 3}]
    with serve(servers.ollama(tools=True, num_ctx=8192), [Turn(tool_calls=[("click_element", {"index": 1})])]) as llm:
        client, turn = await ask(llm, model="gemma3:270m")
    assert "tools" in llm.requests[0] and client.context_tokens == 8192 and not turn.calls_from_text


async def test_ollama_refusing_tools_is_answered_with_text_mode():
    # a model Ollama was not asked about (e.g. /api/show unreachable): its 400 says enough
    _, server = servers.ollama(tools=False)
    with ScriptedLLM([Turn(content='<tool_call>{"name": "click_element", "arguments": {"index": 9}}</tool_call>')],
                     server=server) as llm:
        client, turn = await ask(llm, model="gemma3:270m")
    assert len(llm.requests) == 2 and [c.args() for c in turn.tool_calls] == [{"index": 9}]
    assert any("does not take tools" in n for n in client.notices)


async def test_a_stream_without_usage_is_counted_not_zero():
    with ScriptedLLM([Turn(content="x" * 80, usage=None)]) as llm:  # Ollama before include_usage
        _, turn = await ask(llm)
    assert turn.usage.estimated and turn.usage.completion_tokens == 10  # one streamed piece each
    assert turn.usage.prompt_tokens > 0 and turn.usage.total_tokens == turn.usage.prompt_tokens + 10


# -- vLLM --------------------------------------------------------------------------------

async def test_vllm_max_model_len_and_its_400s():
    with serve(servers.vllm(max_model_len=2048), [Turn(content="ok")]) as llm:
        client, _ = await ask(llm, model="Qwen/Qwen2.5-0.5B-Instruct")
    assert client.info.server == "vllm" and client.context_tokens == 2048 and llm.requests[0]["max_tokens"] == 512
    with serve(servers.vllm(max_model_len=2048), []) as llm:
        with pytest.raises(ContextOverflow) as err:
            await ask(llm, messages=[{"role": "user", "content": "y" * 12_000}], model="Qwen/Qwen2.5-0.5B-Instruct")
    assert err.value.n_ctx == 2048 and "context of 2048 tokens" in str(err.value)


async def test_vllm_without_auto_tool_choice_is_answered_with_text_mode():
    with serve(servers.vllm(auto_tools=False), [Turn(content='{"name": "click_element", '
                                                             '"arguments": {"index": 4}}')]) as llm:
        client, turn = await ask(llm, model="Qwen/Qwen2.5-0.5B-Instruct")
    assert len(llm.requests) == 2 and "tools" not in llm.requests[1]
    assert [c.args() for c in turn.tool_calls] == [{"index": 4}] and client.text_tools


# -- any server: transient errors, wording, the fallback model --------------------------

async def test_a_connection_error_names_the_host_it_tried():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    client = ChatClient(LLMConfig(base_url=f"http://127.0.0.1:{port}/v1", model="m"), retries=1, backoff_s=0.01)
    with pytest.raises(LLMError, match=f"could not connect to the model endpoint 127.0.0.1:{port} "):
        await client.complete(HI, [])
    await client.close()


async def test_the_fallback_model_takes_over_after_the_retries():
    with ScriptedLLM([Turn(status=503, content="overloaded")] * 3 + [Turn(content="from the fallback")]) as llm:
        client, turn = await ask(llm, model="big", fallback_model="small", retries=2)
        assert [r["model"] for r in llm.requests] == ["big", "big", "big", "small"]
    assert turn.content == "from the fallback" and turn.model == "small" and client.config.model == "small"
    assert any("switching to the fallback model 'small'" in n for n in client.notices)
    # without a fallback the same ends in a clear error after the retries
    with ScriptedLLM([Turn(status=429, content="slow down")] * 3) as llm:
        client = ChatClient(LLMConfig(base_url=llm.base_url, model="big"), retries=2, backoff_s=0.01)
        with pytest.raises(LLMError, match="answered HTTP 429: rate limited"):
            await client.complete(HI, [])
        await client.close()
