"""`agentbay._common.models`."""
