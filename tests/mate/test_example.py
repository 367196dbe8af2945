"""examples/mate_quickstart.py, a typical Mate program whose only change is its imports, runs
against a real OpenBay server with a mate.yaml, as its user would run it."""
import ast
import re
import subprocess
import sys
from pathlib import Path

from tests.helpers.scripted_llm import call, done

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mate_quickstart.py"


def test_only_the_imports_name_openbay():
    tree = ast.parse(EXAMPLE.read_text())
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and "openbay" in (n.module or "")]
    assert imported and all(m == "openbay.mate" or m.startswith("openbay.mate.") for m in imported)
    body = [n for n in tree.body if not isinstance(n, ast.ImportFrom) and not (
        isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]  # the code, less imports and docstring
    assert body and not any("openbay" in ast.unparse(n).lower() for n in body)


def test_the_example_runs_against_openbay(agent_server, llm, abay, tmp_path):
    (tmp_path / "mate.yaml").write_text(f"mate:\n  api_key: {agent_server.admin_key}\n"
                                        f"  base_url: {agent_server.base_url}\n  timeout: 60\n")
    llm.set_script([call("plan", steps=["Find the shop's audience", "Draft three posts"]),
                    done("1. Brew joy. 2. Steep in style. 3. Tea time, every time.")])
    run = subprocess.run([sys.executable, str(EXAMPLE), "Three posts for a teapot shop"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "success: True" in out and "final answer: 1. Brew joy." in out
    assert "plan v1" in out  # verbose: the events were shown
    session_id = re.search(r"session (s-\w+): Draft a launch post", out).group(1)
    told = next(m["content"] for m in llm.requests[1]["messages"] if m["role"] == "user")
    assert "Marketing research" in told and "prod_123" in told
    assert "messages; the first: Three posts for a teapot shop" in out
    abay.delete(session_id)
