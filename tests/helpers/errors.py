"""The native SDK raises on every failure: `raised(lambda: call)` gives the APIError it raised."""
from collections.abc import Callable
from typing import Any

from openbay import APIError


def raised(call: Callable[[], Any], cls: type[APIError] = APIError) -> APIError:
    try:
        call()
    except cls as e:
        return e
    raise AssertionError(f"expected {cls.__name__}, the call succeeded")
