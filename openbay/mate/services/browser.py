"""client.browser: what Mate's task runner prints about the session's browser."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..client import Client


class BrowserService:
    def __init__(self, client: Client):
        self.client = client

    def show_info(self, session_id: str, message: dict[str, Any]) -> None:
        """One line about a browser action of the session (what enable_browser_logging shows)."""
        print(f"[browser {session_id}] {message.get('content', '')}"[:500])
