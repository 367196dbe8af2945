"""openbay.agentbay against AgentBay's own SDK (wuying-agentbay-sdk, pinned in
requirements-agentbay.lock): the same public names, methods with the same parameters,
dataclasses with the same fields, enums with the same members (see surface.py)."""
import importlib.metadata
import os
import re
import tempfile
from pathlib import Path

import pytest

import openbay.agentbay as ours

from .surface import class_problems, problems, public_names

# AgentBay's logger writes agentbay.log into the working directory unless told otherwise
os.environ.setdefault("AGENTBAY_LOG_FILE", os.path.join(tempfile.gettempdir(), "agentbay-reference.log"))
agentbay = pytest.importorskip("agentbay")
AGENTBAY_VERSION = "0.22.3"

# Constructors of objects the SDK hands out (sessions, services, task handles): AgentBay's
# take its internal clients, OpenBay's take its own; no program builds them itself.
HANDED_OUT = {f"{n}.__init__" for n in (
    "Session", "AsyncSession", "TaskExecution", "Browser", "AsyncBrowser", "BrowserOperator",
    "AsyncBrowserOperator", "Computer", "AsyncComputer", "Mobile", "AsyncMobile", "Agent", "AsyncAgent",
    "Command", "AsyncCommand", "FileSystem", "AsyncFileSystem", "Code", "AsyncCode",
    "ContextManager", "AsyncContextManager", "ContextService", "AsyncContextService", "Env", "AsyncEnv",
    "BetaNetwork", "AsyncBetaNetwork", "FileTransfer", "AsyncFileTransfer", "MobileSimulateService",
    "AsyncMobileSimulateService", "BrowserFingerprintGenerator")}


def test_the_reference_is_the_pinned_version():
    assert importlib.metadata.version("wuying-agentbay-sdk") == AGENTBAY_VERSION


def test_every_public_name_method_field_and_member_matches():
    found = [p for p in problems(agentbay, ours) if p.split(":")[0] not in HANDED_OUT]
    assert found == [], "\n".join(found)


def test_the_comparison_sees_a_difference():
    class Shrunk:
        __all__ = ["Config"]
        Config = object

    assert problems(agentbay, Shrunk)  # AgentBay's Config has methods Shrunk's lacks
    assert len(public_names(agentbay)) > 150


def test_the_migration_guide_accounts_for_every_public_name():
    guide = (Path(__file__).resolve().parents[2] / "docs" / "migrating.md").read_text()
    section = guide.split("### Every public name of `wuying-agentbay-sdk`", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([A-Za-z_]+)` \| (.+) \|$", section, re.M)
    assert sorted(n for n, _ in rows) == sorted(public_names(agentbay))
    assert all(words.strip() for _, words in rows)


def test_the_session_services_agentbay_does_not_export_match_too():
    """session.git (and its results and errors) are not in AgentBay's __all__; programs reach them anyway."""
    from agentbay._async.git.git import AsyncGit as TheirAsyncGit
    from agentbay._common.models import git as their_git_models
    from agentbay._sync.git.git import SyncGit as TheirGit

    from openbay.agentbay import git as our_git
    pairs = [("Git", TheirGit, our_git.Git), ("AsyncGit", TheirAsyncGit, our_git.AsyncGit)]
    pairs += [(n, getattr(their_git_models, n), getattr(our_git, n)) for n in (
        "GitCloneResult", "GitInitResult", "GitCommitResult", "GitFileStatus", "GitStatusResult", "GitLogEntry",
        "GitLogResult", "GitBranchInfo", "GitBranchListResult")]
    pairs += [(n, getattr(agentbay, n), getattr(ours, n)) for n in (
        "GitError", "GitAuthError", "GitNotFoundError", "GitConflictError", "GitNotARepoError")]
    found = [p for name, theirs, mine in pairs for p in class_problems(name, theirs, mine)
             if p.split(":")[0] not in {"Git.__init__", "AsyncGit.__init__"}]
    assert found == [], "\n".join(found)
