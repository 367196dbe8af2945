"""Written the way AgentBay's example browser-use/browser/browser_command_args.py is (its calls
one by one: BrowserOption with cmd_args and default_navigate_url, Playwright over CDP, the
chrome://version page's command line); only the import names OpenBay, and the session is
browser_latest (AgentBay's linux_latest has a browser; OpenBay's linux has none). The wait for
the first page polls instead of sleeping. Every check that fails prints a ❌ line."""
import os
import time

from playwright.sync_api import sync_playwright

from openbay.agentbay import AgentBay, BrowserOption, CreateSessionParams


def check(ok, what):
    print(("✅ " if ok else "❌ ") + what)


def main():
    agent_bay = AgentBay(api_key=os.getenv("AGENTBAY_API_KEY"))
    session_result = agent_bay.create(CreateSessionParams(image_id="browser_latest"))
    if not session_result.success:
        print(f"❌ Failed to create session: {session_result.error_message}")
        return
    session = session_result.session
    try:
        browser_option = BrowserOption(cmd_args=["--disable-features=PrivacySandboxSettings4"],
                                       default_navigate_url="chrome://version/")
        check(session.browser.initialize(browser_option), f"browser initialized {session.browser.last_error}")
        with sync_playwright() as p:
            browser = p.chromium.connect_over_cdp(session.browser.get_endpoint_url())
            page = browser.contexts[0].pages[0]
            deadline = time.monotonic() + 120  # bounds a hang only
            while "chrome://version/" not in page.url and time.monotonic() < deadline:
                time.sleep(0.2)
            check("chrome://version/" in page.url, f"the default URL opened: {page.url}")
            page.wait_for_selector("#command_line", timeout=120_000)  # bounds a hang only
            command_line = page.evaluate("document.querySelector('#command_line').textContent")
            check("PrivacySandboxSettings4" in command_line, "the custom argument is in the command line")
            # OpenBay's own disabled features stay (one --disable-features list, both in it)
            check("HttpsUpgrades" in command_line, "OpenBay's own switches are kept")
            browser.close()
        session.browser.destroy()
    finally:
        agent_bay.delete(session)
    print("✅ Browser command args example completed")


if __name__ == "__main__":
    main()
