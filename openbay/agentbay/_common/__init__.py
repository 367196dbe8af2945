"""The module paths of AgentBay's SDK (`agentbay._common...`) its own example programs import
from: the same classes as `openbay.agentbay`'s, under the names those programs use."""
