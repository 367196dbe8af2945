"""Imports point down the layers of docs/design.md; the SDK and the server never import each other."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "openbay"

# layer -> layers of openbay it may import (besides itself)
ALLOWED = {
    "protocol": set(),
    "sdk": {"protocol"},
    "store": {"protocol"},
    "sandbox": {"protocol"},
    "browser": {"protocol"},
    "agents": {"protocol", "browser", "sandbox"},
    "tasks": {"protocol", "agents", "store", "browser", "sandbox"},
    "server": {"protocol", "store", "sandbox", "browser", "agents", "tasks"},
    "cli": {"protocol", "sdk"},
    "console": {"protocol", "sdk"},
    # the MCP server: a client of the SDK; on the server (/mcp) it uses the server's auth
    "mcp": {"protocol", "sdk", "server"},
    "agentbay": {"protocol", "sdk"},
    "mate": {"protocol", "sdk"},  # WyseOS Mate's client, on the native SDK
    # E2B's wire protocol, served over the server's services and envd's client
    "e2b": {"protocol", "server", "sandbox"},
}
# third-party packages a layer must never need
FORBIDDEN_THIRD_PARTY = {
    "protocol": {"fastapi", "sqlalchemy", "httpx", "websockets", "playwright", "openai"},
    "sdk": {"fastapi", "sqlalchemy", "uvicorn", "playwright", "openai"},
    "store": {"fastapi", "httpx"},
    "agentbay": {"fastapi", "sqlalchemy", "uvicorn", "playwright", "openai"},
    "mate": {"fastapi", "sqlalchemy", "uvicorn", "playwright", "openai"},
}
# `openbay serve` and `openbay mcp` start servers (imported lazily, inside those commands)
LAZY_EXCEPTIONS = {("cli", "server"), ("cli", "mcp"), ("cli", "e2b")}


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at top level) for every import in the file."""
    tree = ast.parse(path.read_text())
    top = {id(n) for n in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, id(node) in top))
    return found


def test_imports_point_down():
    problems = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if len(rel.parts) < 2:
            continue
        layer = rel.parts[0]
        if layer == "sandbox" and rel.parts[1] == "envd" and rel.name != "client.py":
            continue  # the daemon runs inside the sandbox on the standard library alone
        for module, at_top in _imports(path):
            parts = module.split(".")
            if parts[0] == "openbay" and len(parts) > 1:
                target = parts[1]
                if target in (layer, "__init__"):
                    continue
                if target not in ALLOWED[layer] and not ((layer, target) in LAZY_EXCEPTIONS and not at_top):
                    problems.append(f"{rel}: imports openbay.{target}")
            elif parts[0] in FORBIDDEN_THIRD_PARTY.get(layer, ()):
                problems.append(f"{rel}: imports {parts[0]}")
    assert not problems, "\n".join(problems)


def test_envd_uses_the_standard_library_only():
    import sys
    envd = ROOT / "sandbox" / "envd"
    local = {p.stem for p in envd.glob("*.py")}
    problems = []
    for path in envd.glob("*.py"):
        if path.name == "client.py":
            continue
        for module, _ in _imports(path):
            name = module.split(".")[0]
            if name not in sys.stdlib_module_names and name not in local:
                problems.append(f"{path.name}: imports {module}")
    assert not problems, "\n".join(problems)
