"""OpenBay as MCP tools: `openbay mcp` (stdio) and `/mcp` on the server (streamable HTTP)."""
