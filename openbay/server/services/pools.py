"""Warm pools: sandboxes of chosen images started before anyone asks (OPENBAY_POOL)."""
from openbay.sandbox import ResourceLimits
from openbay.sandbox.pool import WarmPool

from .browser import browser_is_ready, prepare_browser


def build_pools(backend, sizes: dict[str, int], limits: ResourceLimits, disk_bytes: int) -> dict[str, WarmPool]:
    """The pools the settings ask for, not started yet (the server starts them once it has recovered)."""
    pools = {}
    for image, size in sizes.items():
        if size <= 0:
            continue
        browser = image in ("browser", "computer")
        pool = WarmPool(backend, image_id=image, size=size, limits=limits, disk_bytes=disk_bytes,
                        prepare=prepare_browser if browser else None,
                        is_ready=browser_is_ready if browser else None)
        pools[image] = pool
    return pools
