"""session.browser.operator as AgentBay has it (act, observe, extract with ActOptions,
ObserveOptions, ExtractOptions; navigate, screenshot), on OpenBay's browser operator and its
action cache. It works on the browser's current page; AgentBay's `page=` argument is accepted
for the same programs and not needed."""
from __future__ import annotations

import base64
from typing import Any, Generic, TypeVar

from openbay.protocol.operator import ObservedAction
from openbay.sdk.calls import Call
from openbay.sdk.errors import ExtractError, OpenBayError
from openbay.sdk.methods import AsyncPart, Part, awaited, blocking
from openbay.sdk.operator import OperatorCalls

from .failures import CLOUD_ONLY

T = TypeVar("T")


class ActOptions:
    def __init__(self, action: str, variables: dict[str, str] | None = None, use_vision: bool | None = None,
                 timeout: int | None = None):
        self.action, self.variables, self.use_vision, self.timeout = action, variables, use_vision, timeout


class ActResult:
    def __init__(self, success: bool, message: str):
        self.success, self.message = success, message

    def __repr__(self) -> str:
        return f"ActResult(success={self.success}, message={self.message!r})"


class ObserveOptions:
    def __init__(self, instruction: str, use_vision: bool | None = None, selector: str | None = None,
                 timeout: int | None = None):
        self.instruction, self.use_vision, self.selector, self.timeout = instruction, use_vision, selector, timeout


class ObserveResult:
    def __init__(self, selector: str, description: str, method: str, arguments: dict):
        self.selector, self.description, self.method, self.arguments = selector, description, method, arguments

    def __repr__(self) -> str:
        return f"ObserveResult(selector={self.selector!r}, method={self.method!r}, description={self.description!r})"


class ExtractOptions(Generic[T]):
    """`schema`: a pydantic model class; extract answers an instance of it."""

    def __init__(self, instruction: str, schema: type[T], use_text_extract: bool | None = None,
                 use_vision: bool | None = None, selector: str | None = None, timeout: int | None = None,
                 max_page: int | None = 1):
        self.instruction, self.schema, self.use_text_extract = instruction, schema, use_text_extract
        self.use_vision, self.selector, self.timeout, self.max_page = use_vision, selector, timeout, max_page


def _scoped(instruction: str, selector: str | None) -> str:
    if not selector:
        return instruction
    return f"{instruction} (only within the element matching the CSS selector {selector!r})"


class OperatorAdapterCalls:
    """AgentBay's operator calls, each one native operator call; failures answer as AgentBay's do."""
    _path: str

    def navigate(self, url: str) -> Call[str]:
        """The page's final URL; "Navigation failed: ..." when it could not be opened."""
        try:
            page = yield from OperatorCalls.navigate(self, url)  # type: ignore[arg-type]
        except OpenBayError as e:
            return f"Navigation failed: {e.message or e}"
        return page.url

    def screenshot(self, page: Any = None, full_page: bool = True, quality: int = 80,
                   clip: dict[str, float] | None = None, timeout: int | None = None) -> Call[str]:
        """A data URL of a PNG of the page (the whole scrollable page with full_page=True)."""
        try:
            png = yield from OperatorCalls.screenshot(self, full_page)  # type: ignore[arg-type]
        except OpenBayError as e:
            return f"Screenshot failed: {e.message or e}"
        return "data:image/png;base64," + base64.b64encode(png).decode()

    def act(self, action_input: ObserveResult | ActOptions, page: Any = None) -> Call[ActResult]:
        """Do one thing: ActOptions(action="click ...", variables=...) or an ObserveResult from observe()."""
        try:
            if isinstance(action_input, ObserveResult):
                action = ObservedAction(selector=action_input.selector, description=action_input.description,
                                        method=action_input.method,
                                        arguments=_arguments(action_input.arguments))
                r = yield from OperatorCalls.act(self, action)  # type: ignore[arg-type]
            else:
                r = yield from OperatorCalls.act(self, action_input.action, action_input.variables)  # type: ignore[arg-type]
        except OpenBayError as e:
            return ActResult(False, e.message or str(e))
        return ActResult(r.success, r.message or ("done" if r.success else "the action could not be done"))

    def observe(self, options: ObserveOptions, page: Any = None) -> Call[tuple[bool, list[ObserveResult]]]:
        """(True, candidate actions best first) or (False, [])."""
        try:
            found = yield from OperatorCalls.observe(self, _scoped(options.instruction, options.selector))  # type: ignore[arg-type]
        except OpenBayError:
            return False, []
        return True, [ObserveResult(a.selector, a.description, a.method, {"arguments": list(a.arguments)})
                      for a in found]

    def extract(self, options: ExtractOptions, page: Any = None) -> Call[tuple[bool, Any]]:
        """(True, an instance of options.schema) or (False, None)."""
        try:
            data = yield from OperatorCalls.extract(  # type: ignore[arg-type]
                self, _scoped(options.instruction, options.selector), options.schema)
        except (ExtractError, OpenBayError):
            return False, None
        return True, data

    def login(self, login_config: str, page: Any = None, use_vision: bool | None = False) -> Call[ActResult]:
        return ActResult(False, CLOUD_ONLY.format(
            feature="browser login skills", why="they run Alibaba's stored login skills; log in with act() steps "
            "and keep the session in a browser context"))
        yield  # a call like the others


def _arguments(arguments: Any) -> list[str]:
    if isinstance(arguments, dict):
        arguments = arguments.get("arguments", list(arguments.values()))
    return [str(a) for a in (arguments or [])]


class BrowserOperator(Part):
    """session.browser.operator."""

    def __init__(self, runner: Any, path: str, browser: Any = None):
        super().__init__(runner, path)
        self.browser = browser

    navigate = blocking(OperatorAdapterCalls.navigate)
    screenshot = blocking(OperatorAdapterCalls.screenshot)
    act = blocking(OperatorAdapterCalls.act)
    observe = blocking(OperatorAdapterCalls.observe)
    extract = blocking(OperatorAdapterCalls.extract)
    login = blocking(OperatorAdapterCalls.login)

    def close(self) -> bool:
        """The operator keeps no state of its own on OpenBay: nothing to close."""
        return True


class AsyncBrowserOperator(AsyncPart):
    def __init__(self, runner: Any, path: str, browser: Any = None):
        super().__init__(runner, path)
        self.browser = browser

    navigate = awaited(OperatorAdapterCalls.navigate)
    screenshot = awaited(OperatorAdapterCalls.screenshot)
    act = awaited(OperatorAdapterCalls.act)
    observe = awaited(OperatorAdapterCalls.observe)
    extract = awaited(OperatorAdapterCalls.extract)
    login = awaited(OperatorAdapterCalls.login)

    async def close(self) -> bool:
        return True
