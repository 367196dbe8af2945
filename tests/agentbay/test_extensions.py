"""Browser extensions as AgentBay's browser-use/extension/basic_extension_usage.py uses them:
ExtensionsService uploads a ZIP into its context, create_extension_option names it, a session
made with BrowserContext(extension_option=...) gets it at /tmp/extensions/, and the session's
Chromium loads it (a real MV3 extension whose content script marks every page)."""
import json
import zipfile

import pytest
from playwright.sync_api import sync_playwright

from openbay.agentbay import BrowserContext, BrowserOption, CreateSessionParams, ExtensionsService

MANIFEST = {"manifest_version": 3, "name": "OpenBay marker", "version": "1.0",
            "content_scripts": [{"matches": ["<all_urls>"], "js": ["mark.js"], "run_at": "document_end"}]}


def _extension_zip(path, mark: str) -> str:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("manifest.json", json.dumps(MANIFEST))
        z.writestr("mark.js", f"document.documentElement.dataset.openbayExtension = {json.dumps(mark)};")
    return str(path)


def _mark_on(session, url: str) -> str:
    with sync_playwright() as p:
        browser = p.chromium.connect_over_cdp(session.browser.get_endpoint_url())
        page = browser.contexts[0].new_page()
        page.goto(url)
        page.wait_for_function("document.documentElement.dataset.openbayExtension !== undefined",
                               timeout=120_000)  # bounds a hang only
        mark = page.evaluate("document.documentElement.dataset.openbayExtension")
        browser.close()
        return mark


def test_an_uploaded_extension_runs_in_the_sessions_browser(agent_bay, site, tmp_path):
    service = ExtensionsService(agent_bay)  # no name: a context made for it, deleted by cleanup
    try:
        extension = service.create(_extension_zip(tmp_path / "marker.zip", "v1"))
        assert extension.id.startswith("ext_") and extension.id.endswith(".zip") and extension.name == "marker.zip"
        assert [e.id for e in service.list()] == [extension.id]
        updated = service.update(extension.id, _extension_zip(tmp_path / "marker-2.zip", "v2"))
        assert updated.id == extension.id and updated.name == "marker-2.zip"
        option = service.create_extension_option([extension.id])
        profile = agent_bay.context.get(f"ext-profile-{extension.id[4:16]}", create=True).context
        r = agent_bay.create(CreateSessionParams(
            image_id="browser_latest", browser_context=BrowserContext(profile.id, extension_option=option)))
        assert r.success, r.error_message
        session = r.session
        try:
            assert session.file_system.get_file_info(f"/tmp/extensions/{extension.id}").success
            assert session.browser.initialize(BrowserOption()), session.browser.last_error
            assert _mark_on(session, f"{site}/weather") == "v2"
        finally:
            agent_bay.delete(session)
        assert service.delete(extension.id) and service.list() == []
        assert not service.delete(extension.id)
        agent_bay.context.delete(profile)
    finally:
        assert service.cleanup()
    assert not agent_bay.context.get(context_id=service.context_id).success


def test_extensions_refuse_what_is_not_a_zip(agent_bay, tmp_path):
    service = ExtensionsService(agent_bay, f"ext-refusals-{tmp_path.name}")
    (tmp_path / "plugin.crx").write_bytes(b"x")
    with pytest.raises(ValueError):
        service.create(str(tmp_path / "plugin.crx"))
    with pytest.raises(FileNotFoundError):
        service.create(str(tmp_path / "missing.zip"))
    with pytest.raises(ValueError):
        service.update("ext_unknown.zip", str(tmp_path / "plugin.crx"))
    assert service.cleanup()  # a named context is the caller's: kept
    assert agent_bay.context.get(context_id=service.context_id).success
    agent_bay.context.delete(service.context_id)


def test_the_async_service_keeps_extensions_too(agentbay_env, tmp_path):
    import asyncio

    from openbay.agentbay import AsyncAgentBay, AsyncExtensionsService

    async def main():
        async with AsyncAgentBay() as agent_bay:
            service = AsyncExtensionsService(agent_bay)
            extension = await service.create(_extension_zip(tmp_path / "async.zip", "async"))
            listed = [e.id for e in await service.list()]
            option = await service.create_extension_option([extension.id])
            deleted = await service.delete(extension.id)
            left = await service.list()
            assert await service.cleanup()
            gone = await agent_bay.context.get(context_id=service.context_id)
            return listed == [extension.id], option.context_id == service.context_id, deleted, left, gone.success

    assert asyncio.run(main()) == (True, True, True, [], False)
