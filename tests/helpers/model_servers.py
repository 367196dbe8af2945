"""Real model servers' OpenAI-compatible endpoints, as far as the agents meet them: what
llama.cpp's llama-server, Ollama and vLLM answer about a model and how they refuse a
request, with their own status codes and messages. Each helper gives the `gets` and
`server` arguments of ScriptedLLM; the script still says what the model writes.
"""
from __future__ import annotations

import json
from collections.abc import Callable

from .scripted_llm import Turn

CHARS_PER_TOKEN = 4  # how this fake counts a prompt's tokens


def prompt_tokens(body: dict) -> int:
    return len(json.dumps(body.get("messages", []))) // CHARS_PER_TOKEN + \
        (len(json.dumps(body["tools"])) // CHARS_PER_TOKEN if body.get("tools") else 0)


def has_images(body: dict) -> bool:
    return any(isinstance(m.get("content"), list) and any(p.get("type") == "image_url" for p in m["content"])
               for m in body.get("messages", []))


def alternates(messages: list[dict]) -> bool:
    """Gemma's template: an optional system message, then user, assistant, user, ... (no tool role)."""
    rest = messages[1:] if messages and messages[0]["role"] == "system" else messages
    return all(m["role"] == ("user" if i % 2 == 0 else "assistant") for i, m in enumerate(rest))


# -- llama.cpp (llama-server) --------------------------------------------------------------

def _llama_error(status: int, message: str, kind: str, **extra) -> Turn:
    return Turn(status=status, error={"error": {"code": status, "message": message, "type": kind, **extra}})


LLAMA_NO_JINJA = "tools param requires --jinja flag"
LLAMA_NO_IMAGES = "image input is not supported - hint: if this is unexpected, you may need to provide the mmproj"
LLAMA_ALTERNATE = "Jinja Exception: Conversation roles must alternate user/assistant/user/assistant/..."


def llama_cpp(*, n_ctx: int = 4096, jinja: bool = True, supports_tools: bool = True, vision: bool = False,
              strict_template: bool = False, model: str = "gemma-3-270m-it-Q4_K_M.gguf"):
    """(gets, server) of a llama-server: `/props`, `/v1/models`, and its refusals."""
    props = {"default_generation_settings": {"n_ctx": n_ctx, "params": {}}, "total_slots": 1,
             "model_path": f"/models/{model}", "modalities": {"vision": vision, "audio": False},
             "chat_template_caps": {"supports_tools": supports_tools, "supports_tool_calls": supports_tools,
                                    "supports_system_role": True, "supports_parallel_tool_calls": False},
             "build_info": "b11434"}
    models = {"object": "list", "data": [{"id": model, "object": "model", "owned_by": "llamacpp",
                                          "meta": {"n_ctx": n_ctx, "n_ctx_train": 32768, "n_vocab": 262144}}]}

    def server(body: dict) -> Turn | None:
        if body.get("tools") and not jinja:
            return _llama_error(500, LLAMA_NO_JINJA, "server_error")
        if has_images(body) and not vision:
            return _llama_error(500, LLAMA_NO_IMAGES, "server_error")
        if strict_template and jinja and not alternates(body["messages"]):
            return _llama_error(500, LLAMA_ALTERNATE, "server_error")
        n = prompt_tokens(body)
        if n >= n_ctx:
            return _llama_error(400, f"request ({n} tokens) exceeds the available context size ({n_ctx} tokens), "
                                "try increasing it", "exceed_context_size_error", n_prompt_tokens=n, n_ctx=n_ctx)
        return None

    return {"/props": props, "/v1/models": models}, server


def ignores_tools(script_turn: Callable[[dict], Turn]) -> Callable[[dict], Turn]:
    """llama.cpp with --jinja and a template without tool support: `tools` are accepted and
    never reach the model, which can only write text."""
    def turn(body: dict) -> Turn:
        t = script_turn(body)
        if body.get("tools") and t.tool_calls:
            return Turn(content="I would click the button.")
        return t
    return turn


# -- Ollama -------------------------------------------------------------------------------

def ollama(*, model: str = "gemma3:270m", tools: bool = False, vision: bool = False, num_ctx: int | None = None):
    """(gets, server) of Ollama: `/v1/models`, `/api/show` (capabilities), its refusal of tools."""
    caps = ["completion"] + (["tools"] if tools else []) + (["vision"] if vision else [])
    show = {"capabilities": caps, "parameters": f"num_ctx {num_ctx}" if num_ctx else "stop \"<end_of_turn>\"",
            "model_info": {"gemma3.context_length": 32768}, "details": {"family": "gemma3"}}
    models = {"object": "list", "data": [{"id": model, "object": "model", "created": 1, "owned_by": "library"}]}

    def server(body: dict) -> Turn | None:
        if body.get("tools") and not tools:
            return Turn(status=400, error={"error": {"message": f"registry.ollama.ai/library/{model} does not "
                                                                "support tools", "type": "api_error",
                                                     "param": None, "code": None}})
        return None

    return {"/v1/models": models, "/api/show": show}, server


# -- vLLM ---------------------------------------------------------------------------------

VLLM_AUTO_TOOLS = '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'


def vllm(*, model: str = "Qwen/Qwen2.5-0.5B-Instruct", max_model_len: int = 2048, auto_tools: bool = True):
    """(gets, server) of vLLM: `/v1/models` (max_model_len), its 400s."""
    models = {"object": "list", "data": [{"id": model, "object": "model", "owned_by": "vllm",
                                          "root": model, "max_model_len": max_model_len}]}

    def error(message: str) -> Turn:
        return Turn(status=400, error={"object": "error", "message": message, "type": "BadRequestError",
                                       "param": None, "code": 400})

    def server(body: dict) -> Turn | None:
        if body.get("tools") and body.get("tool_choice", "auto") == "auto" and not auto_tools:
            return error(VLLM_AUTO_TOOLS)
        n, out = prompt_tokens(body), body.get("max_tokens") or body.get("max_completion_tokens") or 0
        if n + out > max_model_len:
            return error(f"This model's maximum context length is {max_model_len} tokens. However, you requested "
                         f"{n + out} tokens ({n} in the messages, {out} in the completion). Please reduce the "
                         "length of the messages or completion.")
        return None

    return {"/v1/models": models}, server
