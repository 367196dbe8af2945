"""A typical WyseOS Mate program (its SDK's quick start), run against OpenBay: only the
imports changed, from `wyseos.mate` to `openbay.mate`. mate.yaml names the OpenBay server
and key (api_key: ob_..., base_url: http://127.0.0.1:8730)."""
import sys

from openbay.mate import Client, create_task_runner
from openbay.mate.config import load_config
from openbay.mate.models import CreateSessionRequest
from openbay.mate.task_runner import TaskExecutionOptions, TaskMode
from openbay.mate.websocket import WebSocketClient

# 1) Initialize client
client = Client(load_config("mate.yaml"))

# 2) Create session
req = CreateSessionRequest(
    task="Draft a launch post for my teapot shop",
    mode="marketing",
    platform="api",
    extra={"marketing_product": {"product_id": "prod_123"}},
)
session = client.session.create(req)
session_info = client.session.get_info(session.session_id)
print(f"session {session_info.session_id}: {session_info.name} ({session_info.status})")

# 3) Connect websocket + task runner
ws_client = WebSocketClient(
    base_url=client.base_url,
    api_key=client.api_key or "",
    jwt_token=client.jwt_token or "",
    session_id=session_info.session_id,
)
task_runner = create_task_runner(ws_client, client, session_info)

# 4) Run the task
result = task_runner.run_task(
    task=sys.argv[1] if len(sys.argv) > 1 else "Generate 3 post drafts for the shop",
    task_mode=TaskMode.Marketing,
    extra=req.extra,
    options=TaskExecutionOptions(auto_accept_plan=True, verbose=True, completion_timeout=600),
)
print(f"success: {result.success}")
print(f"final answer: {result.final_answer}")
print(f"plans: {len(result.plan_history)}, messages: {result.message_count}, {result.session_duration:.1f} s")

messages = client.session.get_messages(session_info.session_id, page_num=1, page_size=50)
print(f"{messages.total_count} messages; the first: {messages.messages[0].content[:60]}")
