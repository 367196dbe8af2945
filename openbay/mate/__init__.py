"""WyseOS Mate's Python client on OpenBay: change `wyseos.mate` to `openbay.mate` in the imports.

    from openbay.mate import Client, ClientOptions, create_task_runner
    from openbay.mate.models import CreateSessionRequest
    from openbay.mate.task_runner import TaskExecutionOptions, TaskMode

See docs/migrating.md for what differs and why.
"""
from .client import Client
from .config import ClientOptions, load_config
from .errors import APIError, ConfigError, NetworkError, SessionExecutionError, ValidationError, WebSocketError
from .task_runner import TaskExecutionOptions, TaskMode, TaskResult, TaskRunner, create_task_runner

__version__ = "0.3.2"  # the Mate SDK release whose API this follows

__all__ = ["Client", "ClientOptions", "load_config", "APIError", "ConfigError", "NetworkError",
           "SessionExecutionError", "ValidationError", "WebSocketError", "TaskExecutionOptions", "TaskMode",
           "TaskResult", "TaskRunner", "create_task_runner"]
