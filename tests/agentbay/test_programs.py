"""Programs written the way AgentBay's own examples are (tests/agentbay/programs/, each names the
example it follows), run as AgentBay users run them: a separate Python process configured by
AGENTBAY_API_KEY and AGENTBAY_ENDPOINT against a real OpenBay server. Each must end with exit
code 0, print its closing line, and print no failure line (❌)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAMS = Path(__file__).parent / "programs"
ROOT = Path(__file__).resolve().parents[2]


def run_program(server, name: str, extra_env: dict[str, str] | None = None) -> str:
    source = (PROGRAMS / name).read_text()
    assert "from openbay.agentbay import" in source and "agentbay/" not in source.split('"""', 2)[2]
    env = {**os.environ, "AGENTBAY_API_KEY": server.admin_key, "AGENTBAY_ENDPOINT": server.base_url,
           "PYTHONPATH": str(ROOT), **(extra_env or {})}
    env.pop("OPENBAY_API_KEY", None)
    r = subprocess.run([sys.executable, str(PROGRAMS / name)], env=env, capture_output=True, text=True,
                       timeout=600, cwd=PROGRAMS)
    out = r.stdout
    assert r.returncode == 0, f"{name} exited {r.returncode}\n{out}\n{r.stderr}"
    failures = [line for line in out.splitlines() if "❌" in line]
    assert failures == [], f"{name}:\n" + "\n".join(failures) + f"\n--- stdout\n{out}\n--- stderr\n{r.stderr[-3000:]}"
    return out


@pytest.mark.parametrize("name, closing", [
    ("environment_variables.py", "Environment variables management examples completed"),
    ("dynamic_context_binding.py", "Dynamic context binding example completed"),
    ("file_system.py", "File system example completed"),
    ("code_execution.py", "Code execution example completed"),
    ("session_management.py", "Session management example completed"),
    ("computer_screenshot.py", "Computer screenshot example completed"),
    ("async_basics.py", "Async basics example completed"),
    ("browser_fingerprint_persistence.py", "Browser fingerprint persistence example completed"),
    ("git_module.py", "Git example completed"),
    ("browser_command_args.py", "Browser command args example completed"),
])
def test_program_runs_clean(server, name, closing):
    assert closing in run_program(server, name)


def test_browser_operator_program(operator_server, operator_model, site):
    from tests.helpers.scripted_llm import call, index_of
    operator_model.set_script([
        lambda b: call("click", index=index_of(b, "Add one")),  # act
        lambda b: call("candidates", actions=[{"index": index_of(b, "Add one"), "method": "click", "arguments": [],
                                                "description": "the Add one button"}]),  # observe
        call("answer", data={"count": 2}),  # extract
    ])
    out = run_program(operator_server, "browser_operator.py", {"OPENBAY_TEST_SITE": site})
    assert "Browser operator example completed" in out
