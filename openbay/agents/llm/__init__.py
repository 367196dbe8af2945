"""LLM providers: any OpenAI-compatible chat-completions endpoint with tool calling."""
from .client import ChatClient, ChatTurn, LLMError, ToolCall, Usage
from .config import LLMConfig, LLMNotConfigured

__all__ = ["ChatClient", "ChatTurn", "LLMError", "ToolCall", "Usage", "LLMConfig", "LLMNotConfigured"]
