"""The fake cluster as a child process for tests: `with fake_cluster(tmp) as kubeconfig: ...`."""
from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


@contextlib.contextmanager
def fake_cluster(directory: Path, agent_sandbox: bool = False, namespaces: tuple[str, ...] = ("openbay-sessions",),
                 history: int = 1000):
    """Yields the path of a kubeconfig for the running fake; its output goes to directory/apiserver.log."""
    directory.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "tests.kubernetes.fake_apiserver", str(directory)]
    args += [f"--namespace={n}" for n in namespaces] + [f"--history={history}"]
    args += ["--agent-sandbox"] if agent_sandbox else []
    log = open(directory / "apiserver.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = proc.stdout.readline()  # "ready <kubeconfig>", or nothing when it failed
        if not line.startswith("ready "):
            proc.wait(timeout=30)
            raise RuntimeError(f"the fake API server did not start: {(directory / 'apiserver.log').read_text()}")
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        yield Path(line.split(" ", 1)[1].strip())
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)  # it stops its pods' sandboxes first
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
