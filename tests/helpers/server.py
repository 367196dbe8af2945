"""A real OpenBay server on loopback for tests: in this process (a thread) or as `openbay serve`."""
from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn

from openbay.server import Settings, create_app
from openbay.server.main import UVICORN_OPTIONS
from tests.helpers.waiting import PATIENCE_S

from . import localhost_names

localhost_names.install()  # link URLs are *.localhost names, as a browser resolves them


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningServer:
    base_url: str
    admin_key: str
    home: Path
    app: object = None
    loop: asyncio.AbstractEventLoop | None = None  # the server's own loop (thread servers)

    @property
    def services(self):
        """The (thread) server's Services: its sessions, backend, store, ..."""
        return self.app.state.services

    def client(self, api_key: str | None = None):
        from openbay import OpenBay
        return OpenBay(api_key=api_key or self.admin_key, base_url=self.base_url)

    def call(self, coro, timeout_s: float = 60):
        """Run a coroutine in the (thread) server's event loop, e.g. a service method; its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout_s)

    def allow_model(self, base_url: str) -> str:
        """The admin allows one more model endpoint (OPENBAY_LLM_ALLOWED_BASE_URLS, set live)."""
        self.services.tasks.runner.llm.endpoints.allow(base_url)
        return base_url

    def new_owner_key(self, name: str) -> str:
        r = httpx.post(f"{self.base_url}/v1/keys", json={"name": name},
                       headers={"Authorization": f"Bearer {self.admin_key}"})
        r.raise_for_status()
        return r.json()["key"]


@contextlib.contextmanager
def thread_server(home: Path, extend=None, backend=None, **overrides):
    """The app under uvicorn in a background thread of this process; `extend(app)` adds to it
    before it starts, as `openbay serve` does (the MCP endpoint); `backend`: another than the
    local one the settings make."""
    port = free_port()
    # a test server stops its sandboxes when it ends: the suite leaves nothing running behind; every
    # test comes from 127.0.0.1, so the failed sign-in throttle is the security tests' own business
    settings = Settings.from_env(home=home, port=port, **{"stop_sandboxes_on_exit": True,
                                                          "auth_failure_burst": 100_000, **overrides})
    keys: list[str] = []
    app = create_app(settings, backend, on_bootstrap_key=lambda k, _: keys.append(k))
    if extend is not None:
        extend(app)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           **UVICORN_OPTIONS))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + PATIENCE_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    key_file = home / "admin_key"
    admin = keys[0] if keys else (key_file.read_text().strip() if key_file.exists() else "")
    try:
        yield RunningServer(f"http://127.0.0.1:{port}", admin, home, app, loop)
    finally:
        server.should_exit = True
        thread.join(timeout=PATIENCE_S)
        if not thread.is_alive():
            loop.close()
        # and its sandbox root with the disks of dead sessions kept for restore_from
        services = getattr(app.state, "services", None)  # None: the server never started
        root = getattr(services and services.backend, "root", None)
        if root is not None and settings.stop_sandboxes_on_exit:
            from openbay.sandbox.images.store import remove_tree
            remove_tree(root)


@contextlib.contextmanager
def scripted_model_server(model, prefix: str, api_key: str = "sk-test", **overrides):
    """A thread server whose agents ask `model` by default: a ScriptedLLM, the OpenAI-compatible
    server on loopback that is the one part tests fake. `prefix` names its home folder."""
    with thread_server(Path(tempfile.mkdtemp(prefix=prefix)), llm_base_url=model.base_url,
                       llm_model="scripted", llm_api_key=api_key, **overrides) as running:
        yield running


@contextlib.contextmanager
def process_server(home: Path, env: dict | None = None, port: int | None = None, wrap: list[str] = ()):
    """`openbay serve` as a child process, the way a user runs it (on `port`: e.g. the port of a
    server it replaces, so clients find it again; under `wrap`, a command prefix)."""
    port = port or free_port()
    full_env = {**os.environ, "OPENBAY_HOME": str(home), "OPENBAY_STOP_SANDBOXES_ON_EXIT": "1",
                "OPENBAY_AUTH_FAILURE_BURST": "100000", **(env or {})}
    proc = subprocess.Popen([*wrap, sys.executable, "-m", "openbay.cli.main", "serve", "--port", str(port)],
                            env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + PATIENCE_S  # a loaded 2-core machine can take its time
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()  # reading the log of a live process would wait forever
                raise RuntimeError(f"openbay serve did not start: {proc.stderr.read()}")
            time.sleep(0.05)
        key_file = home / "admin_key"  # a replica joining a store that has keys makes none
        admin = key_file.read_text().strip() if key_file.exists() else full_env.get("OPENBAY_BOOTSTRAP_KEY", "")
        yield RunningServer(base, admin, home), proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=PATIENCE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
