"""LLM providers: any OpenAI-compatible chat-completions endpoint, with or without native tool calling."""
from .client import ChatClient, ChatTurn, ToolCall, Usage
from .config import LLMConfig, LLMNotConfigured
from .endpoints import EndpointNotAllowed, ModelEndpoints
from .errors import ContextOverflow, LLMError
from .probe import ModelInfo

__all__ = ["ChatClient", "ChatTurn", "ContextOverflow", "LLMError", "ToolCall", "Usage", "LLMConfig",
           "LLMNotConfigured", "ModelInfo", "EndpointNotAllowed", "ModelEndpoints"]
