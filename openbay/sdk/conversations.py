"""bay.session_api (a session's conversation: messages, name, summary) and
bay.file_upload (attachments), named as in the WyseOS Mate SDK. Each call is
written once for both clients."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openbay.protocol.conversations import ConversationInfo, MessagePage

from . import calls
from .calls import Call, Request
from .local_files import LocalFileChunks
from .methods import AsyncPart, Part, awaited, blocking

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


class SessionMessagesCalls:
    """bay.session_api"""

    def get_messages(self, session_id: str, page_num: int = 1, page_size: int = 20,
                     filter: MessageFilter | None = None) -> Call[MessagePage]:
        """One page of the session's messages, oldest first: .page_num .page_size .total
        .total_page .data. A page past the last one is empty; page_num < 1 or a page_size
        outside 1..100 raises APIError (422)."""
        params = {"page_num": page_num, "page_size": page_size, **(filter.params() if filter else {})}
        req = Request("GET", f"/v1/sessions/{session_id}/messages", params=params)
        return (yield from calls.value(req, MessagePage.model_validate))

    def get_between_messages(self, session_id: str, from_message_id: str, to_message_id: str) -> Call[MessagePage]:
        """The messages from one message to another, both included (at most 1000)."""
        req = Request("GET", f"/v1/sessions/{session_id}/messages/between",
                      params={"from_message_id": from_message_id, "to_message_id": to_message_id})
        return (yield from calls.value(req, MessagePage.model_validate))

    def get_info(self, session_id: str) -> Call[ConversationInfo]:
        """Name, status, created/updated times, message count and duration of the session."""
        req = Request("GET", f"/v1/sessions/{session_id}/conversation")
        return (yield from calls.value(req, ConversationInfo.model_validate))

    def update_session_name(self, session_id: str, name: str) -> Call[ConversationInfo]:
        req = Request("PUT", f"/v1/sessions/{session_id}/name", json={"name": name})
        return (yield from calls.value(req, ConversationInfo.model_validate))


class FileUploadCalls:
    """bay.file_upload"""

    def upload_file(self, file_path: str | os.PathLike, session_id: str | None = None) -> Call[dict[str, Any]]:
        """Upload a local file (streamed) as an attachment: {file_id, file_name, file_url, size}.
        With session_id it is also placed in that session's /home/user/attachments."""
        params = {"file_name": os.path.basename(os.fspath(file_path))}
        if session_id:
            params["session_id"] = session_id
        body = LocalFileChunks(file_path)
        req = Request("POST", "/v1/uploads", params=params, content=body, timeout_s=UPLOAD_TIMEOUT_S,
                      headers={"content-type": "application/octet-stream", "content-length": str(body.size)})
        return (yield from calls.value(req, lambda b: {k: b[k] for k in ("file_id", "file_name", "file_url", "size")}))


class SessionMessagesApi(Part):
    get_messages = blocking(SessionMessagesCalls.get_messages)
    get_between_messages = blocking(SessionMessagesCalls.get_between_messages)
    get_info = blocking(SessionMessagesCalls.get_info)
    update_session_name = blocking(SessionMessagesCalls.update_session_name)


class AsyncSessionMessagesApi(AsyncPart):
    get_messages = awaited(SessionMessagesCalls.get_messages)
    get_between_messages = awaited(SessionMessagesCalls.get_between_messages)
    get_info = awaited(SessionMessagesCalls.get_info)
    update_session_name = awaited(SessionMessagesCalls.update_session_name)


class FileUploadApi(Part):
    upload_file = blocking(FileUploadCalls.upload_file)


class AsyncFileUploadApi(AsyncPart):
    upload_file = awaited(FileUploadCalls.upload_file)
