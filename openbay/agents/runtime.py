"""Running one agent task end to end: model client, browser, step loop."""
from __future__ import annotations

from pathlib import Path

from playwright.async_api import Error as PlaywrightError

from openbay.browser.launch import open_browser

from .browser_agent import AgentOptions, AgentOutcome, BrowserAgent
from .events import AgentHooks
from .llm import ChatClient, LLMConfig
from .operator import ActionCache


class BrowserFailed(Exception):
    """The browser could not be reached or went away (e.g. its session ended)."""


async def run_browser_task(task: str, *, llm: LLMConfig, options: AgentOptions, hooks: AgentHooks,
                           cdp_url: str | None, files_root: Path | None = None,
                           cache: ActionCache | None = None) -> AgentOutcome:
    """The task on the browser at cdp_url; with a cache, steps kept from an earlier run of it are reused."""
    client = ChatClient(llm)  # raises LLMNotConfigured before any browser starts
    try:
        async with open_browser(cdp_url, files_root=files_root) as browser:
            return await BrowserAgent(client, browser, hooks, options, cache=cache).run(task)
    except PlaywrightError as e:
        raise BrowserFailed(f"the browser failed: {str(e).splitlines()[0][:300]}") from None
    finally:
        await client.close()
