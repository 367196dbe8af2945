"""OpenBay runs on Debian 12's own Python (3.11.2): scripts/setup.sh makes .venv from
/usr/bin/python3 where there is one, so the suite (CI included) runs on that floor."""
import subprocess
import sys
from pathlib import Path


def test_the_suite_runs_on_the_floor_it_promises():
    assert sys.version_info[:3] >= (3, 11, 2)
    debian = Path("/usr/bin/python3")
    if debian.exists():  # the machine's own Python: the one users' .venv is made from
        theirs = subprocess.run([str(debian), "-c", "import sys; print(sys.base_prefix, sys.version)"],
                                capture_output=True, text=True, check=True).stdout.strip()
        assert theirs == f"{sys.base_prefix} {sys.version}", "run scripts/setup.sh: .venv is not Debian's Python"
