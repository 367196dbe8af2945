"""The AgentBay example program runs against OpenBay with only its import changed."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_agentbay_example_runs_as_written(server):
    source = (ROOT / "examples" / "agentbay_quickstart.py").read_text()
    # the program is AgentBay's own but for one line
    assert "from openbay.agentbay import" in source and "openbay" not in source.replace("openbay.agentbay", "")
    env = {**os.environ, "AGENTBAY_API_KEY": server.admin_key, "AGENTBAY_ENDPOINT": server.base_url}
    env.pop("OPENBAY_API_KEY", None)
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "agentbay_quickstart.py")], env=env,
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "command: True 0 hello from" in out and "files: ['today.txt']" in out
    assert "code result: 4" in out and "app: code" in out and "sessions with the label: 1" in out
    assert "a missing file: False file not found: /home/user/no-such-file" in out
    assert "deleted: True" in out and "kept in the context: all good" in out
