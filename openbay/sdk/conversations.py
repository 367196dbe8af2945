"""bay.session_api (a session's conversation: messages, name, summary) and
bay.file_upload (attachments), named as in the WyseOS Mate SDK. Each call is
written once for both clients."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from openbay.protocol.conversations import ConversationInfo, MessagePage

from . import calls
from .calls import Request
from .local_files import LocalFileChunks

if TYPE_CHECKING:
    from .client import BayApi

UPLOAD_TIMEOUT_S = 300


@dataclass
class MessageFilter:
    """Which messages get_messages returns: any of `roles` (user, assistant, tool, system),
    any of `types` (task, plan, reasoning, content, tool_call, tool_result, answer, error,
    call_for_user, user_input, status), created between `since` and `until`."""
    roles: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    since: datetime | None = None
    until: datetime | None = None

    def params(self) -> dict:
        out: dict = {"role": list(self.roles), "type": list(self.types)}
        for name in ("since", "until"):
            if (value := getattr(self, name)) is not None:
                out[name] = value.isoformat()
        return out


class SessionMessagesApi:
    """bay.session_api"""

    def __init__(self, bay: BayApi):
        self._bay = bay

    def get_messages(self, session_id: str, page_num: int = 1, page_size: int = 20,
                     filter: MessageFilter | None = None) -> MessagePage:
        """One page of the session's messages, oldest first: .page_num .page_size .total
        .total_page .data. A page past the last one is empty; page_num < 1 or a page_size
        outside 1..100 raises APIError (422)."""
        params = {"page_num": page_num, "page_size": page_size, **(filter.params() if filter else {})}
        req = Request("GET", f"/v1/sessions/{session_id}/messages", params=params)
        return self._bay._run(calls.value(req, MessagePage.model_validate))

    def get_between_messages(self, session_id: str, from_message_id: str, to_message_id: str) -> MessagePage:
        """The messages from one message to another, both included (at most 1000)."""
        req = Request("GET", f"/v1/sessions/{session_id}/messages/between",
                      params={"from_message_id": from_message_id, "to_message_id": to_message_id})
        return self._bay._run(calls.value(req, MessagePage.model_validate))

    def get_info(self, session_id: str) -> ConversationInfo:
        """Name, status, created/updated times, message count and duration of the session."""
        req = Request("GET", f"/v1/sessions/{session_id}/conversation")
        return self._bay._run(calls.value(req, ConversationInfo.model_validate))

    def update_session_name(self, session_id: str, name: str) -> ConversationInfo:
        req = Request("PUT", f"/v1/sessions/{session_id}/name", json={"name": name})
        return self._bay._run(calls.value(req, ConversationInfo.model_validate))


class FileUploadApi:
    """bay.file_upload"""

    def __init__(self, bay: BayApi):
        self._bay = bay

    def upload_file(self, file_path: str | os.PathLike, session_id: str | None = None) -> dict:
        """Upload a local file (streamed) as an attachment: {file_id, file_name, file_url, size}.
        With session_id it is also placed in that session's /home/user/attachments."""
        params = {"file_name": os.path.basename(os.fspath(file_path))}
        if session_id:
            params["session_id"] = session_id
        body = LocalFileChunks(file_path)
        req = Request("POST", "/v1/uploads", params=params, content=body, timeout_s=UPLOAD_TIMEOUT_S,
                      headers={"content-type": "application/octet-stream", "content-length": str(body.size)})
        return self._bay._run(calls.value(req, lambda b: {k: b[k] for k in ("file_id", "file_name",
                                                                            "file_url", "size")}))
