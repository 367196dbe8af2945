"""bench/miniwob.py's plumbing: MiniWoB++ pages from the `miniwob` package served on loopback,
an episode run through the browser agent with the scripted model, and its reward read back."""
import importlib.util
import sys
from pathlib import Path

import pytest

from openbay.agents.llm import LLMConfig
from tests.helpers.scripted_llm import ScriptedLLM, call

pytest.importorskip("gymnasium", reason="the bench extra (miniwob) is not installed")
BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.append(str(BENCH))  # its `_common`; appended, so the `miniwob` package is not shadowed
spec = importlib.util.spec_from_file_location("bench_miniwob", BENCH / "miniwob.py")
bench = sys.modules["bench_miniwob"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


async def test_click_button_episodes_are_scored_by_the_page():
    with ScriptedLLM() as model:
        llm = LLMConfig(base_url=model.base_url, model="scripted")
        model.set_script([bench.click_button_solver])
        [solved] = await bench.run(["click-button"], 1, 5, llm, None)
        model.set_script([call("done", text="I give up", success=False)])
        [given_up] = await bench.run(["click-button"], 1, 5, llm, None)
    assert solved.utterance.startswith("Click on the") and solved.success and solved.reward == 1.0
    assert solved.steps == 1 and (solved.prompt_tokens, solved.completion_tokens) == (100, 20)
    assert not given_up.success and given_up.reward == 0 and "give up" in given_up.error
    rows = bench.summarise([solved, given_up])
    assert rows[0]["success rate"] == 0.5 and rows[0]["episodes"] == 2
