"""Written the way AgentBay's example browser-use/browser/browser_fingerprint_persistence.py is
(its calls one by one: a browser context with a BrowserFingerprintContext, a Windows fingerprint
made from BrowserFingerprint and kept with fingerprint_persistent, the second session getting it
back), plus BrowserFingerprintGenerator and FingerprintFormat.load as in
browser_fingerprint_local_sync.py; only the import names OpenBay. The user agent is read with
navigator.userAgent instead of httpbin.org. Every check that fails prints a ❌ line."""
import os
import time

from playwright.sync_api import sync_playwright

from openbay.agentbay import (
    AgentBay,
    BrowserContext,
    BrowserFingerprint,
    BrowserFingerprintContext,
    BrowserFingerprintGenerator,
    BrowserOption,
    CreateSessionParams,
    FingerprintFormat,
)


def check(ok, what):
    print(("✅ " if ok else "❌ ") + what)


def user_agent_of(session):
    with sync_playwright() as p:
        browser = p.chromium.connect_over_cdp(session.browser.get_endpoint_url())
        context = browser.contexts[0] if browser.contexts else browser.new_context()
        page = context.new_page()
        agent, language = page.evaluate("[navigator.userAgent, navigator.language]")
        browser.close()
        return agent, language


def session_with(agent_bay, persistent_context, fingerprint_context):
    browser_context = BrowserContext(persistent_context.id, auto_upload=True,
                                     fingerprint_context=BrowserFingerprintContext(fingerprint_context.id))
    result = agent_bay.create(CreateSessionParams(image_id="browser_latest", browser_context=browser_context))
    if not result.success:
        print(f"❌ Failed to create session: {result.error_message}")
    return result.session


def main():
    agent_bay = AgentBay(os.environ.get("AGENTBAY_API_KEY"))
    stamp = time.time_ns()
    persistent_context = agent_bay.context.get(f"test-browser-context-{stamp}", True).context
    fingerprint_context = agent_bay.context.get(f"test-browser-fingerprint-{stamp}", True).context

    session = session_with(agent_bay, persistent_context, fingerprint_context)
    option = BrowserOption(use_stealth=True, fingerprint_persistent=True,
                           fingerprint=BrowserFingerprint(devices=["desktop"], operating_systems=["windows"],
                                                          locales=["zh-CN"]))
    check(session.browser.initialize(option), f"first browser initialized {session.browser.last_error}")
    first, language = user_agent_of(session)
    check("windows nt" in first.lower(), f"a Windows user agent: {first}")
    check(language == "zh-CN", f"the fingerprint's locale: {language}")
    agent_bay.delete(session, sync_context=True)

    session = session_with(agent_bay, persistent_context, fingerprint_context)
    check(session.browser.initialize(BrowserOption(use_stealth=True, fingerprint_persistent=True)),
          "second browser initialized")
    second, language = user_agent_of(session)
    check(second == first and language == "zh-CN", f"the fingerprint persisted: {second} {language}")
    agent_bay.delete(session, sync_context=True)

    generated = BrowserFingerprintGenerator().generate_fingerprint()
    loaded = FingerprintFormat.load(generated.to_json())
    check(loaded == generated and loaded.user_agent(), "a generated fingerprint round-trips through load")
    session = agent_bay.create(CreateSessionParams(image_id="browser_latest")).session
    check(session.browser.initialize(BrowserOption(fingerprint_format=loaded)), "initialized with fingerprint_format")
    check(user_agent_of(session)[0] == loaded.user_agent(), "the page sees the generated user agent")

    agent_bay.delete(session)
    for ctx in (persistent_context, fingerprint_context):
        agent_bay.context.delete(ctx)
    print("✅ Browser fingerprint persistence example completed")


if __name__ == "__main__":
    main()
