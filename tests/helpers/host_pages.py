"""Pages in a Chromium on the test machine itself, beside the sandboxes.

When a session starts or ends, its network link comes or goes on this host, and Chromium
cuts what it was loading with net::ERR_NETWORK_CHANGED (a thing of a browser that shares
the host's network with the sandboxes, never of OpenBay; a loaded machine with many
sessions starting makes it likely). A page load it cut is loaded again."""
from playwright.sync_api import Error

NETWORK_CHANGED = "net::ERR_NETWORK_CHANGED"
LOADS = 5


def open_page(page, url: str):
    """page.goto(url), again while Chromium cut the page or one of its scripts short; its response."""
    return loaded(page, lambda: page.goto(url))


def loaded(page, load):
    """load() (what brings a page in and waits for its load event), then the same page reloaded
    while Chromium cut it or one of its scripts short; what the last load returned."""
    for _ in range(LOADS):
        cut = []

        def on_failed(request):
            if request.failure == NETWORK_CHANGED:
                cut.append(request.url)

        page.on("requestfailed", on_failed)
        try:
            result = load()
        except Error as e:
            if NETWORK_CHANGED not in str(e):
                raise
            cut.append(str(e))
        finally:
            page.remove_listener("requestfailed", on_failed)
        if not cut:
            return result
        load = page.reload
    raise AssertionError(f"{page.url}: every one of {LOADS} loads was cut by {NETWORK_CHANGED}")
