"""The LLM client against the scripted OpenAI-compatible server: streaming, retries, usage."""
import pytest

from openbay.agents.llm import ChatClient, LLMConfig, LLMError, LLMNotConfigured
from tests.helpers.scripted_llm import Turn


async def test_streams_reasoning_and_content_and_returns_tool_calls_and_usage(model):
    model.set_script([Turn(reasoning="Let me think about this.", content="Opening it.",
                           tool_calls=[("go_to_url", {"url": "http://x"}), ("wait", {"seconds": 1})],
                           usage=(321, 12))])
    client = ChatClient(LLMConfig(base_url=model.base_url, model="m", api_key="sk-secret"))
    reasoning, content = [], []

    async def on_r(d):
        reasoning.append(d)

    async def on_c(d):
        content.append(d)

    turn = await client.complete([{"role": "user", "content": "hi"}], [], on_reasoning=on_r, on_content=on_c)
    await client.close()
    assert len(reasoning) > 1 and "".join(reasoning) == "Let me think about this."
    assert "".join(content) == "Opening it."
    assert [(c.name, c.args()) for c in turn.tool_calls] == [("go_to_url", {"url": "http://x"}),
                                                              ("wait", {"seconds": 1})]
    assert (turn.usage.prompt_tokens, turn.usage.completion_tokens, turn.usage.total_tokens) == (321, 12, 333)
    assert model.requests[0]["model"] == "m" and model.requests[0]["stream"] is True


async def test_429_and_5xx_are_retried_with_backoff(model):
    model.set_script([Turn(status=429), Turn(status=503), Turn(content="ok")])
    client = ChatClient(LLMConfig(base_url=model.base_url, model="m"), backoff_s=0.01)
    turn = await client.complete([{"role": "user", "content": "hi"}], [])
    await client.close()
    assert turn.content == "ok" and len(model.requests) == 3


async def test_client_errors_are_not_retried_and_say_what_happened(model):
    model.set_script([Turn(status=400, content="model 'x' does not exist"), Turn(content="never")])
    client = ChatClient(LLMConfig(base_url=model.base_url, model="x"), backoff_s=0.01)
    with pytest.raises(LLMError, match="400: no such model"):
        await client.complete([{"role": "user", "content": "hi"}], [])
    await client.close()
    assert len(model.requests) == 1


async def test_retries_are_bounded(model):
    model.set_script([Turn(status=500)] * 5)
    client = ChatClient(LLMConfig(base_url=model.base_url, model="m"), retries=2, backoff_s=0.01)
    with pytest.raises(LLMError, match="500"):
        await client.complete([{"role": "user", "content": "hi"}], [])
    await client.close()
    assert len(model.requests) == 3


def test_no_model_configured_is_a_clear_error():
    with pytest.raises(LLMNotConfigured, match="OPENBAY_LLM_BASE_URL and OPENBAY_LLM_MODEL"):
        ChatClient(LLMConfig())
    config = LLMConfig(base_url="http://h/v1", api_key="sk-very-secret", model="m")
    assert "sk-very-secret" not in repr(config)
    assert config.merged(model="other").model == "other" and config.merged().api_key == "sk-very-secret"
