"""WyseOS Mate's Client on OpenBay: `Client(ClientOptions(...))` or `Client(load_config())`,
with Mate's services (`session`, `file_upload`, `browser`) over the native SDK and the REST API."""
from __future__ import annotations

from typing import Any

import httpx

from openbay.sdk.client import OpenBay

from .config import ClientOptions
from .errors import APIError, NetworkError
from .services.browser import BrowserService
from .services.file_upload import FileUploadService
from .services.session import SessionService

USER_AGENT = "OpenBayMate/1"


class Client:
    """Main API client, as WyseOS Mate's. The key (api_key, else jwt_token) is an OpenBay key."""

    def __init__(self, options: ClientOptions | None = None):
        options = options or ClientOptions()
        self.base_url = options.base_url
        self.api_key = options.api_key
        self.jwt_token = options.jwt_token
        self.timeout = options.timeout
        self.user_agent = USER_AGENT
        credential = self.jwt_token or self.api_key
        self.bay = OpenBay(api_key=credential, base_url=self.base_url, timeout=self.timeout)
        self._http = httpx.Client(base_url=self.base_url, timeout=self.timeout, headers={
            "Authorization": f"Bearer {credential or ''}", "User-Agent": self.user_agent})
        self.running_tasks: dict[str, set[str]] = {}  # session -> tasks this client's runners follow
        self.session = SessionService(self)
        self.file_upload = FileUploadService(self)
        self.browser = BrowserService(self)

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": self._http.headers["authorization"]}

    def request(self, method: str, path: str, *, json: Any = None, params: Any = None,
                timeout: float | None = None) -> Any:
        """One REST call: its JSON body, or Mate's APIError / NetworkError."""
        try:
            r = self._http.request(method, path, json=json, params=params,
                                   timeout=timeout if timeout is not None else self.timeout)
        except httpx.HTTPError as e:
            raise NetworkError(f"Network error during {method} request to {self.base_url}{path}: {e}",
                               cause=e) from e
        if r.status_code >= 400:
            raise api_error(r)
        return r.json() if r.content else None

    def close(self) -> None:
        self._http.close()
        self.bay.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def api_error(r: httpx.Response) -> APIError:
    try:
        err = r.json()["error"]
        return APIError(err["message"], status_code=r.status_code, code=err["code"])
    except (ValueError, KeyError, TypeError):
        return APIError(f"Request failed: HTTP {r.status_code}", status_code=r.status_code)
