"""Agents: the step loop, the browser agent, LLM providers and prompts."""
