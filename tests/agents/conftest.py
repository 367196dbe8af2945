"""Agent tests: a real Chromium launched here, the loopback site, and the scripted model."""
import pytest

from openbay.agents.browser_agent import AgentOptions, BrowserAgent
from openbay.agents.llm import ChatClient, LLMConfig
from openbay.browser.launch import open_browser
from tests.helpers.scripted_llm import ScriptedLLM


class Recorder:
    """AgentHooks that keep everything and answer call_for_user from a list."""

    def __init__(self, answers=()):
        self.events, self.steps, self.answers = [], [], list(answers)

    async def emit(self, type, payload):
        self.events.append((type, payload))

    async def ask_user(self, question):
        self.events.append(("call_for_user", {"content": question}))
        return self.answers.pop(0) if self.answers else None

    async def record_step(self, step):
        self.steps.append(step)

    def of(self, type):
        return [p for t, p in self.events if t == type]


@pytest.fixture
def model():
    with ScriptedLLM() as llm:
        yield llm


@pytest.fixture
async def browser(tmp_path):
    async with open_browser(files_root=tmp_path) as session:
        yield session


@pytest.fixture
def run_agent(model, browser):
    """Run the browser agent on the script; (outcome, recorder)."""
    async def run(script, task="do the task", answers=(), **options):
        model.set_script(script)
        hooks = Recorder(answers)
        client = ChatClient(LLMConfig(base_url=model.base_url, model="scripted"), backoff_s=0.01)
        try:
            outcome = await BrowserAgent(client, browser, hooks, AgentOptions(**options)).run(task)
        finally:
            await client.close()
        return outcome, hooks
    return run
