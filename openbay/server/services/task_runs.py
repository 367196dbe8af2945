"""The task runner's start (WyseOS Mate style): attachments copied into the session's
home, the task mode turned into instructions, and a browser task that plans first."""
from __future__ import annotations

from openbay.protocol import ErrorCode
from openbay.protocol.conversations import RunTaskRequest, RunTaskStarted, TaskMode
from openbay.protocol.tasks import TaskCreateRequest

from ..errors import ApiError
from .keys import Principal
from .tasks import TaskService
from .uploads import UploadService

LINK_SLACK_S = 3600  # attachment links outlive the task a little
FOREVER_S = 86_400  # max_user_input_timeout=0: as long as a wait for the person may last
DEFAULT_STEPS = {TaskMode.Default: 50, TaskMode.DeepSearch: 100}
DEEP_SEARCH = ("Deep search: read several independent sources (use extract_content on each), "
               "cross-check what they say, and cite the URL of every source in your answer.")


async def start_run(tasks: TaskService, uploads: UploadService, who: Principal, session_id: str,
                    req: RunTaskRequest) -> RunTaskStarted:
    await tasks.sessions.require_running(who, session_id)
    rows = []
    for a in req.attachments:
        file_id = a.file_id or uploads.file_id_of(a.file_url)
        if not file_id:
            raise ApiError(ErrorCode.VALIDATION, f"attachment {a.file_name[:80]!r} names no upload of this "
                           "server: give the file_id or file_url that upload_file returned")
        rows.append(await uploads.get(who, file_id))
    placed = [await uploads.place(who, row, session_id) for row in rows]
    text = req.task
    if placed:
        ttl = int(req.completion_timeout) + LINK_SLACK_S
        text += "\n\nAttached files (in the session at the path; to read one, open its link):\n" + "\n".join(
            f"- {path}: {uploads.view_url(row, ttl)}" for path, row in zip(placed, rows))
    if req.task_mode == TaskMode.DeepSearch:
        text += "\n\n" + DEEP_SEARCH
    if len(text) > 20_000:
        raise ApiError(ErrorCode.VALIDATION, "the task with its attachment list is over 20000 characters")
    request = TaskCreateRequest(
        task=text, max_steps=req.max_steps or DEFAULT_STEPS[req.task_mode], timeout_s=req.completion_timeout,
        use_vision=req.capture_screenshots, call_for_user_timeout_s=req.max_user_input_timeout or FOREVER_S,
        llm=req.llm, plan=True, auto_accept_plan=req.auto_accept_plan)
    row = await tasks.submit(who, session_id, "browser", request)
    return RunTaskStarted(task=await tasks.info_of(row), attachments=placed)
