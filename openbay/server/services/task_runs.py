"""The task runner's start (WyseOS Mate style): attachments copied into the session's
home, the task mode turned into instructions, and a browser task that plans first."""
from __future__ import annotations

import json
from pathlib import PurePosixPath

from openbay.protocol import ErrorCode
from openbay.protocol.conversations import RunTaskRequest, RunTaskStarted, TaskMode
from openbay.protocol.tasks import TaskCreateRequest

from ..errors import ApiError
from .keys import Principal
from .tasks import TaskService
from .uploads import UploadService

FOREVER_S = 86_400  # max_user_input_timeout=0: as long as a wait for the person may last
DEFAULT_STEPS = {TaskMode.Default: 50, TaskMode.DeepSearch: 100, TaskMode.Marketing: 100}
# what each research mode asks of the agent, after the task
MODE_INSTRUCTIONS = {
    TaskMode.DeepSearch: ("Deep search: read several independent sources (use extract_content on each), "
                          "cross-check what they say, and cite the URL of every source in your answer."),
    TaskMode.Marketing: ("Marketing research: find who the product or topic is for, what the audience says "
                         "about it and its competitors (their sites, reviews, social posts), and which "
                         "channels and messages reach that audience; answer with concrete findings, "
                         "suggested messages or posts, and the URL of every source. Publish nothing: "
                         "drafts only."),
}
MAX_EXTRA_CHARS = 8000


# what Chromium shows itself when opened from a file (anything else it would download)
SHOWN_INLINE = {".txt", ".html", ".htm", ".json", ".xml", ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".svg",
                ".webp", ".bmp"}


async def _browser_link(uploads: UploadService, who: Principal, row, path: str, session_id: str) -> str:
    """A link the agent's browser, inside the session, can open: the file itself, or a .txt copy
    of a text file it would otherwise download (the server is out of a session's reach)."""
    if PurePosixPath(path).suffix.lower() in SHOWN_INLINE:
        return f"file://{path}"
    return "file://" + await uploads.place(who, row, session_id, suffix=".txt")


async def start_run(tasks: TaskService, uploads: UploadService, who: Principal, session_id: str,
                    req: RunTaskRequest) -> RunTaskStarted:
    await tasks.sessions.require_running(who, session_id)
    rows = []
    for a in req.attachments:
        file_id = a.file_id or uploads.file_id_of(a.file_url)
        if not file_id:
            raise ApiError(ErrorCode.NOT_FOUND, f"attachment {a.file_name[:80]!r} names no upload of this "
                           "server: give the file_id or file_url that upload_file returned")
        rows.append(await uploads.get(who, file_id))
    placed = [await uploads.place(who, row, session_id) for row in rows]
    text = req.task
    if placed:
        links = [await _browser_link(uploads, who, row, path, session_id) for path, row in zip(placed, rows)]
        text += "\n\nAttached files (in the session at the path; to read one, open its link):\n" + "\n".join(
            f"- {path}: {link}" for path, link in zip(placed, links))
    if req.task_mode in MODE_INSTRUCTIONS:
        text += "\n\n" + MODE_INSTRUCTIONS[req.task_mode]
    if req.extra:  # what the caller passed beyond OpenBay's own fields goes to the agent, never dropped
        extra = json.dumps(req.extra, ensure_ascii=False, sort_keys=True)
        if len(extra) > MAX_EXTRA_CHARS:
            raise ApiError(ErrorCode.VALIDATION, f"extra is over {MAX_EXTRA_CHARS} characters as JSON")
        text += "\n\nParameters given with the task (JSON): " + extra
    if len(text) > 20_000:
        raise ApiError(ErrorCode.VALIDATION, "the task with its attachment list is over 20000 characters")
    request = TaskCreateRequest(
        task=text, max_steps=req.max_steps or DEFAULT_STEPS[req.task_mode], timeout_s=req.completion_timeout,
        use_vision=req.capture_screenshots, call_for_user_timeout_s=req.max_user_input_timeout or FOREVER_S,
        llm=req.llm, plan=True, auto_accept_plan=req.auto_accept_plan)
    row = await tasks.submit(who, session_id, "browser", request)
    return RunTaskStarted(task=await tasks.info_of(row), attachments=placed)
