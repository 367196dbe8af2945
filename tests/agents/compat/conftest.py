"""Model-compatibility tests: scripted servers that answer as llama.cpp, Ollama and vLLM do."""
import pytest

from openbay.agents.llm import probe


@pytest.fixture(autouse=True)
def fresh_probe_cache():
    probe.forget_all()
    yield
    probe.forget_all()
