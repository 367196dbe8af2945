"""The keys page (admins): create a key with a session quota, change the quota, revoke the key."""
import time

import pytest

from openbay import OpenBay
from openbay.sdk.errors import AuthenticationError, RateLimitError

from .conftest import sign_in


def test_keys_page_creates_sets_quotas_and_revokes(chromium, console_server, shots):
    page = sign_in(chromium, console_server, console_server.admin_key)
    page.get_by_role("link", name="Keys").click()
    page.wait_for_selector("#keys tbody tr")
    name = f"team{time.time_ns() % 10**9}"
    form = page.locator("#new-key")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Session quota").fill("1")
    form.get_by_role("button", name="Create key").click()
    secret = page.locator("#secret").inner_text()
    assert secret.startswith("ob_")
    row = page.locator("#keys tbody tr", has_text=name)
    row.wait_for()
    assert row.get_by_label(f"Session quota of {name}").input_value() == "1"
    page.screenshot(path=str(shots / "keys.png"), full_page=True)

    bay = OpenBay(api_key=secret, base_url=console_server.base_url)
    made = []
    try:
        made.append(bay.create().session)
        with pytest.raises(RateLimitError, match="at most 1"):
            bay.create()
        # the quota goes up from the page: a second session fits
        row.get_by_label(f"Session quota of {name}").fill("2")
        row.get_by_role("button", name="Save").click()
        page.wait_for_function(f"document.getElementById('new-secret').textContent === 'Quota of {name} saved.'")
        made.append(bay.create().session)
        for s in made:
            s.delete()
        made.clear()
        # revoked from the page: the key stops working
        page.once("dialog", lambda d: d.accept())
        row.get_by_role("button", name=f"Revoke {name}").click()
        page.wait_for_function(f"""[...document.querySelectorAll('#keys tbody tr')].some(
            r => r.textContent.includes('{name}') && r.textContent.includes('revoked'))""")
    finally:
        for s in made:
            s.delete()
    with pytest.raises(AuthenticationError):
        bay.list()
    bay.close()
    page.context.close()
