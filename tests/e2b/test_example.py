"""examples/e2b_quickstart.py, an E2B program, runs against OpenBay as it is."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_e2b_example_runs_as_written(e2b_server):
    source = (ROOT / "examples" / "e2b_quickstart.py").read_text()
    assert "import openbay" not in source and "from openbay" not in source
    env = {**os.environ, "E2B_API_KEY": e2b_server.admin_key, "E2B_API_URL": e2b_server.base_url,
           "E2B_SANDBOX_URL": e2b_server.base_url}
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "e2b_quickstart.py")], env=env,
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "files: ['data.csv']", "wc: 4", "grep exit code: 1", "total visits: 63",
        "chart: bar Visits [('mon', 12.0), ('tue', 30.0), ('wed', 21.0)]",
        "background pid listed: True", "sandboxes with the metadata: True"]
