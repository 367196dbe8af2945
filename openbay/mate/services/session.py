"""client.session: Mate's session API. A Mate session is an OpenBay `browser` session; its
name, mode, platform and intent are kept with it, its messages are its tasks' events."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openbay.protocol.conversations import Message

from ..errors import APIError, ValidationError
from ..models import (
    CreateSessionRequest,
    CreateSessionResponse,
    GetMessagesResponse,
    MessageFilter,
    MessageResponse,
    SessionInfo,
    UpdateSessionNameRequest,
    UserTaskMessage,
)

if TYPE_CHECKING:
    from ..client import Client

LABEL_PREFIX = "mate."
LABELLED = ("mode", "platform", "intent_id")  # kept as labels of the session
NAME_CHARS = 200
# OpenBay's event types as Mate's message types
MATE_TYPE = {"task": "text", "user_input": "text", "reasoning": "text", "content": "text", "answer": "text",
             "plan": "plan", "call_for_user": "input", "tool_call": "rich", "tool_result": "rich",
             "error": "error", "status": "task_result"}


def mate_message(m: Message) -> MessageResponse:
    """One OpenBay message in Mate's shape; `message` keeps OpenBay's payload."""
    source = "browser" if m.type in ("tool_call", "tool_result") else m.role
    return MessageResponse(
        type=MATE_TYPE.get(m.type, "text"), message_id=m.message_id, source=source, source_component=m.task_id,
        source_type=m.type, content=m.content, created_at=m.created_at.isoformat(),
        browser_id=m.session_id if source == "browser" else None,
        timestamp=int(m.created_at.timestamp() * 1000), error=m.content if m.type == "error" else None,
        message=m.payload)


class SessionService:
    def __init__(self, client: Client):
        self.client = client
        self._extra: dict[str, dict[str, Any]] = {}  # session -> the extra it was created with

    def create(self, request: CreateSessionRequest) -> CreateSessionResponse:
        """A new session (a browser sandbox) named after the task. `extra` stays with the session
        in this client and goes to the agent with each task run without an `extra` of its own."""
        labels = {LABEL_PREFIX + k: str(v) for k in LABELLED if (v := getattr(request, k)) is not None}
        for key, value in labels.items():
            if len(value) > 256:
                raise ValidationError(f"{key[len(LABEL_PREFIX):]} is longer than 256 characters")
        info = self.client.request("POST", "/v1/sessions", json={"image_id": "browser", "labels": labels},
                                   timeout=120)
        session_id = info["session_id"]
        self.client.request("PUT", f"/v1/sessions/{session_id}/name", json={"name": request.task[:NAME_CHARS]})
        if request.extra:
            self._extra[session_id] = dict(request.extra)
        return CreateSessionResponse(session_id=session_id)

    def extra_of(self, session_id: str) -> dict[str, Any] | None:
        return self._extra.get(session_id)

    def get_info(self, session_id: str) -> SessionInfo:
        conv = self.client.request("GET", f"/v1/sessions/{session_id}/conversation")
        session = self.client.request("GET", f"/v1/sessions/{session_id}")
        labels = session.get("labels") or {}
        tasks = self._messages(session_id, 1, 100, {"type": ["task"]})["data"]
        answers = self._messages(session_id, 1, 1, {"type": ["answer"]})
        last = answers["total"] and self._messages(session_id, answers["total"], 1, {"type": ["answer"]})["data"]
        return SessionInfo(
            session_id=session_id, name=conv["name"], status=conv["status"], browser_id=session_id,
            intent_id=labels.get(LABEL_PREFIX + "intent_id"), mode=labels.get(LABEL_PREFIX + "mode"),
            platform=labels.get(LABEL_PREFIX + "platform", ""), visibility="private",
            task=[UserTaskMessage(role="user", content=Message.model_validate(t).content) for t in tasks],
            task_result={"final_answer": Message.model_validate(last[0]).content} if last else None,
            extra=self._extra.get(session_id), created_at=conv["created_at"], updated_at=conv["updated_at"])

    def _messages(self, session_id: str, page_num: int, page_size: int, params: dict) -> dict:
        return self.client.request("GET", f"/v1/sessions/{session_id}/messages",
                                   params={"page_num": page_num, "page_size": page_size, **params})

    def get_messages(self, session_id: str, page_num: int = 1, page_size: int = 20,
                     filter: MessageFilter | None = None) -> GetMessagesResponse:
        """A page of the session's messages, oldest first. `filter.content` keeps the messages of
        the page that contain that text (total_count counts the page before it)."""
        params: dict[str, Any] = {}
        if filter is not None:
            if filter.role:
                params["role"] = [filter.role]
            if filter.from_timestamp:
                params["since"] = filter.from_timestamp.isoformat()
            if filter.to_timestamp:
                params["until"] = filter.to_timestamp.isoformat()
        page = self._messages(session_id, page_num, page_size, params)
        messages = [mate_message(Message.model_validate(m)) for m in page["data"]]
        if filter is not None and filter.content:
            messages = [m for m in messages if filter.content in m.content]
        return GetMessagesResponse(messages=messages, total_count=page["total"],
                                   has_next=page_num * page_size < page["total"], has_prev=page_num > 1)

    def get_between_messages(self, session_id: str, from_message_id: str, to_message_id: str) -> GetMessagesResponse:
        page = self.client.request("GET", f"/v1/sessions/{session_id}/messages/between",
                                   params={"from_message_id": from_message_id, "to_message_id": to_message_id})
        messages = [mate_message(Message.model_validate(m)) for m in page["data"]]
        return GetMessagesResponse(messages=messages, total_count=len(messages))

    def update_session_name(self, request: UpdateSessionNameRequest) -> None:
        self.client.request("PUT", f"/v1/sessions/{request.session_id}/name", json={"name": request.title})

    def stop(self, session_id: str) -> None:
        """Stop the session's running task, if one runs (the session stays)."""
        for task_id in list(self.client.running_tasks.get(session_id, ())):
            try:
                self.client.request("POST", f"/v1/tasks/{task_id}/terminate")
            except APIError as e:
                if e.status_code != 409:  # 409: it had already ended
                    raise
