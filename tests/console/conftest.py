"""Console tests: one real server (with the scripted model for tasks), a real Chromium on the host."""
import asyncio
import os
import threading
from pathlib import Path

import pytest

from tests.helpers.host_pages import open_page
from tests.helpers.scripted_llm import ScriptedLLM
from tests.helpers.server import scripted_model_server
from tests.helpers.waiting import PATIENCE_MS

HOST_CHROMIUM_FLAGS = ["--headless=new", "--no-first-run", "--disable-gpu", "--disable-quic",
                       "--disable-background-networking", "--disable-component-update",
                       "--disable-sync", "--no-default-browser-check"]


@pytest.fixture(scope="session")
def llm():
    with ScriptedLLM() as model:
        yield model


@pytest.fixture(scope="session")
def console_server(llm):
    with scripted_model_server(llm, "obconsole-") as s:
        yield s


@pytest.fixture
def cbay(console_server):
    client = console_server.client()
    yield client
    client.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    """Where the page screenshots go for a reviewer (OPENBAY_TEST_OUTPUT, else build/)."""
    root = Path(os.environ.get("OPENBAY_TEST_OUTPUT") or Path(__file__).resolve().parents[2] / "build")
    out = root / "console-screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="package")
def pw():
    """Playwright (sync), once for the console's tests: it keeps an event loop running in
    this thread while it lives, so it must end with them (asyncio.run fails after it)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def chromium(pw):
    """A person's browser on the host."""
    browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=HOST_CHROMIUM_FLAGS, timeout=PATIENCE_MS)
    yield browser
    browser.close()


def run_async(coro) -> None:
    """asyncio.run in a thread of its own (Playwright's loop holds this one)."""
    errors = []

    def target():
        try:
            asyncio.run(coro)
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            errors.append(e)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def new_context(chromium, **options):
    """A fresh browser context whose waits (a selector, a function, a click, a download) allow what
    a console page backed by sandboxes takes on a loaded machine, not Playwright's 30 s."""
    context = chromium.new_context(**options)
    context.set_default_timeout(PATIENCE_MS)
    return context


def sign_in(chromium, server, key: str):
    """A fresh browser context signed in to the console with `key`; its first page."""
    context = new_context(chromium, viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    open_page(page, server.base_url + "/console/")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#sessions")
    return page
