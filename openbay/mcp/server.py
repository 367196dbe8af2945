"""The MCP server: OpenBay's tools on the official `mcp` SDK, for any transport."""
from importlib.metadata import PackageNotFoundError, version

from mcp.server.mcpserver import MCPServer

from . import agent_tools, operator_tools, sandbox_tools, screen_tools
from .bay import BayFor

INSTRUCTIONS = (
    "OpenBay runs isolated sessions (Linux sandboxes) for agents. Create a session with create_session "
    "(image linux, code, browser, computer or mobile), then use its session_id with run_command, the file "
    "tools, run_code, the browser_* tools (browser and computer images: navigate, then act, observe and "
    "extract in words), the computer_* tools (computer "
    "image) or run_agent_task. Delete sessions you no longer need with delete_session.")


def _version() -> str:
    try:
        return version("openbay")
    except PackageNotFoundError:
        return "0+unknown"


def build_server(bay_for: BayFor) -> MCPServer:
    """`bay_for(ctx)` gives the Bay (an OpenBay client of the caller) a tool call works through."""
    server = MCPServer("openbay", title="OpenBay", instructions=INSTRUCTIONS, version=_version(),
                       log_level="WARNING")
    for module in (sandbox_tools, screen_tools, operator_tools, agent_tools):
        module.register(server, bay_for)
    return server
