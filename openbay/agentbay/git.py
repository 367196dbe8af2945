"""session.git as AgentBay has it: git run in the session through its shell (as AgentBay's
does), results as AgentBay's dataclasses, failures raised as GitError and its kinds."""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from openbay.sdk.calls import Call
from openbay.sdk.command import CommandCalls
from openbay.sdk.errors import OpenBayError
from openbay.sdk.methods import AsyncPart, Part, awaited, blocking

from .errors import AgentBayError

DEFAULT_TIMEOUT_MS = 120_000
UNIT, RECORD = "\x1f", "\x1e"


class GitError(AgentBayError):
    def __init__(self, message: Any = "Git operation error", exit_code: int = 1, stderr: str = "",
                 *args: Any, **kwargs: Any):
        super().__init__(message, *args, **kwargs)
        self.exit_code, self.stderr = exit_code, stderr


def _kind(name: str, default_message: str, default_code: int) -> type[GitError]:
    def __init__(self: GitError, message: Any = default_message, exit_code: int = default_code, stderr: str = "",
                 *args: Any, **kwargs: Any) -> None:
        GitError.__init__(self, message, exit_code, stderr, *args, **kwargs)
    return type(name, (GitError,), {"__init__": __init__, "__module__": __name__})


GitAuthError = _kind("GitAuthError", "Git authentication error", 1)
GitNotFoundError = _kind("GitNotFoundError", "Git not found", 127)
GitConflictError = _kind("GitConflictError", "Git merge conflict", 1)
GitNotARepoError = _kind("GitNotARepoError", "Not a git repository", 128)


@dataclass
class GitCloneResult:
    path: str


@dataclass
class GitInitResult:
    path: str


@dataclass
class GitCommitResult:
    commit_hash: str | None = None


@dataclass
class GitFileStatus:
    path: str
    status: str
    index_status: str
    work_tree_status: str
    staged: bool
    renamed_from: str | None = None


@dataclass
class GitStatusResult:
    current_branch: str | None = None
    upstream: str | None = None
    ahead: int = 0
    behind: int = 0
    detached: bool = False
    files: list[GitFileStatus] = field(default_factory=list)


@dataclass
class GitLogEntry:
    hash: str
    short_hash: str
    author_name: str
    author_email: str
    date: str
    message: str


@dataclass
class GitLogResult:
    entries: list[GitLogEntry] = field(default_factory=list)


@dataclass
class GitBranchInfo:
    name: str
    is_current: bool


@dataclass
class GitBranchListResult:
    branches: list[GitBranchInfo] = field(default_factory=list)
    current: str = ""


STATUS_NAMES = {"M": "modified", "A": "added", "D": "deleted", "R": "renamed", "C": "copied", "U": "conflict",
                "?": "untracked", "!": "ignored", "T": "typechange"}


def _error(operation: str, exit_code: int, stderr: str) -> GitError:
    low = stderr.lower()
    message = f"git {operation} failed: {stderr.strip()[:500]}"
    if exit_code == 127 or "git: command not found" in low:
        return GitNotFoundError(message, exit_code, stderr)
    if "not a git repository" in low or "does not appear to be a git repository" in low:
        return GitNotARepoError(message, exit_code, stderr)
    if "authentication failed" in low or "could not read username" in low or "permission denied" in low:
        return GitAuthError(message, exit_code, stderr)
    if "conflict" in low or "automatic merge failed" in low:
        return GitConflictError(message, exit_code, stderr)
    return GitError(message, exit_code, stderr)


def _git(part: Any, operation: str, args: list[str], repo: str | None = None, timeout_ms: int | None = None,
         ok_codes: tuple[int, ...] = (0,)) -> Call[str]:
    """Run `git <args>` (in `repo`) in the session; its stdout, or a GitError."""
    line = "git " + " ".join(shlex.quote(a) for a in args)
    if repo:
        line = f"cd {shlex.quote(repo)} && {line}"
    try:
        r = yield from CommandCalls.execute_command(part, line, timeout_ms or DEFAULT_TIMEOUT_MS, None,
                                                    {"GIT_TERMINAL_PROMPT": "0"})
    except OpenBayError as e:
        raise GitError(f"git {operation} failed: {e.message or e}", 1) from None
    if r.exit_code not in ok_codes:
        raise _error(operation, r.exit_code, r.stderr or r.output)
    return r.output


def _scope(scope: str) -> list[str]:
    return ["--global"] if scope == "global" else ["--system"] if scope == "system" else ["--local"]


def _status(out: str) -> GitStatusResult:
    result = GitStatusResult()
    for line in out.splitlines():
        if line.startswith("## "):
            head = line[3:].replace("No commits yet on ", "").replace("Initial commit on ", "")
            if head.startswith("HEAD (no branch)"):
                result.detached = True
                continue
            branch, _, rest = head.partition("...")
            result.current_branch = branch.split(" ")[0]
            if rest:
                result.upstream = rest.split(" ")[0]
                counts = rest[rest.find("[") + 1:rest.find("]")].split(", ") if "[" in rest else []
                for kind, _, n in (c.partition(" ") for c in counts):
                    if kind in ("ahead", "behind"):
                        setattr(result, kind, int(n))
            continue
        if len(line) < 4:
            continue
        x, y, path = line[0], line[1], line[3:]
        renamed = None
        if " -> " in path:
            renamed, path = path.split(" -> ", 1)
        code = x if x not in (" ", "?") else y
        result.files.append(GitFileStatus(path=path, status=STATUS_NAMES.get(code, code), index_status=x,
                                          work_tree_status=y, staged=x not in (" ", "?", "!"), renamed_from=renamed))
    return result


class GitCalls:
    _path: str

    def clone(self, url: str, *, path: str | None = None, branch: str | None = None, depth: int | None = None,
              timeout_ms: int | None = None) -> Call[GitCloneResult]:
        target = path or url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
        args = ["clone", *(["--branch", branch] if branch else []), *(["--depth", str(depth)] if depth else []),
                url, target]
        yield from _git(self, "clone", args, timeout_ms=timeout_ms or 300_000)
        return GitCloneResult(path=target)

    def init(self, path: str, *, initial_branch: str | None = None, bare: bool = False,
             timeout_ms: int | None = None) -> Call[GitInitResult]:
        args = ["init", *(["--initial-branch", initial_branch] if initial_branch else []),
                *(["--bare"] if bare else []), path]
        yield from _git(self, "init", args, timeout_ms=timeout_ms)
        return GitInitResult(path=path)

    def add(self, repo_path: str, *, files: list[str] | None = None, stage_all: bool = True,
            timeout_ms: int | None = None) -> Call[None]:
        args = ["add", "--", *files] if files else (["add", "-A"] if stage_all else ["add", "-u"])
        yield from _git(self, "add", args, repo_path, timeout_ms)

    def commit(self, repo_path: str, message: str, *, author_name: str | None = None,
               author_email: str | None = None, allow_empty: bool = False,
               timeout_ms: int | None = None) -> Call[GitCommitResult]:
        who = []
        if author_name:
            who += ["-c", f"user.name={author_name}"]
        if author_email:
            who += ["-c", f"user.email={author_email}"]
        args = [*who, "commit", "-m", message, *(["--allow-empty"] if allow_empty else []),
                *(["--author", f"{author_name} <{author_email}>"] if author_name and author_email else [])]
        yield from _git(self, "commit", args, repo_path, timeout_ms)
        head = yield from _git(self, "commit", ["rev-parse", "HEAD"], repo_path, timeout_ms)
        return GitCommitResult(commit_hash=head.strip() or None)

    def status(self, repo_path: str, *, timeout_ms: int | None = None) -> Call[GitStatusResult]:
        return _status((yield from _git(self, "status", ["status", "--porcelain=v1", "-b"], repo_path, timeout_ms)))

    def log(self, repo_path: str, *, max_count: int | None = None, timeout_ms: int | None = None) -> Call[GitLogResult]:
        fmt = UNIT.join(["%H", "%h", "%an", "%ae", "%aI", "%s"]) + RECORD
        out = yield from _git(self, "log", ["log", f"--format={fmt}", *([f"-n{max_count}"] if max_count else [])],
                              repo_path, timeout_ms)
        entries = [GitLogEntry(*record.strip("\n").split(UNIT)) for record in out.split(RECORD)
                   if record.strip("\n").count(UNIT) == 5]
        return GitLogResult(entries=entries)

    def list_branches(self, repo_path: str, *, timeout_ms: int | None = None) -> Call[GitBranchListResult]:
        out = yield from _git(self, "branch", ["branch", f"--format=%(refname:short){UNIT}%(HEAD)"], repo_path,
                              timeout_ms)
        branches = [GitBranchInfo(name, head == "*") for name, _, head in
                    (line.partition(UNIT) for line in out.splitlines() if line)]
        return GitBranchListResult(branches=branches, current=next((b.name for b in branches if b.is_current), ""))

    def create_branch(self, repo_path: str, branch: str, *, checkout: bool = True,
                      timeout_ms: int | None = None) -> Call[None]:
        yield from _git(self, "branch", ["checkout", "-b", branch] if checkout else ["branch", branch],
                        repo_path, timeout_ms)

    def checkout_branch(self, repo_path: str, branch: str, *, timeout_ms: int | None = None) -> Call[None]:
        yield from _git(self, "checkout", ["checkout", branch], repo_path, timeout_ms)

    def delete_branch(self, repo_path: str, branch: str, *, force: bool = False,
                      timeout_ms: int | None = None) -> Call[None]:
        yield from _git(self, "branch", ["branch", "-D" if force else "-d", branch], repo_path, timeout_ms)

    def remote_add(self, repo_path: str, name: str, url: str, *, fetch: bool = False, overwrite: bool = False,
                   timeout_ms: int | None = None) -> Call[None]:
        if overwrite and (yield from GitCalls.remote_get(self, repo_path, name, timeout_ms=timeout_ms)) is not None:
            yield from _git(self, "remote", ["remote", "set-url", name, url], repo_path, timeout_ms)
        else:
            yield from _git(self, "remote", ["remote", "add", *(["-f"] if fetch else []), name, url], repo_path,
                            timeout_ms)

    def remote_get(self, repo_path: str, name: str, *, timeout_ms: int | None = None) -> Call[str | None]:
        out = yield from _git(self, "remote", ["remote", "get-url", name], repo_path, timeout_ms, ok_codes=(0, 2))
        return out.strip() or None

    def reset(self, repo_path: str, *, mode: str | None = None, target: str | None = None,
              paths: list[str] | None = None, timeout_ms: int | None = None) -> Call[None]:
        args = ["reset", *([f"--{mode}"] if mode else []), *([target] if target else []),
                *(["--", *paths] if paths else [])]
        yield from _git(self, "reset", args, repo_path, timeout_ms)

    def restore(self, repo_path: str, paths: list[str], *, staged: bool = False, worktree: bool | None = None,
                source: str | None = None, timeout_ms: int | None = None) -> Call[None]:
        args = ["restore", *(["--staged"] if staged else []), *(["--worktree"] if worktree else []),
                *([f"--source={source}"] if source else []), "--", *paths]
        yield from _git(self, "restore", args, repo_path, timeout_ms)

    def pull(self, repo_path: str, *, remote: str | None = None, branch: str | None = None,
             timeout_ms: int | None = None) -> Call[None]:
        yield from _git(self, "pull", ["pull", *([remote] if remote else []), *([branch] if branch else [])],
                        repo_path, timeout_ms or 300_000)

    def configure_user(self, repo_path: str, name: str, email: str, *, scope: str = "global",
                       timeout_ms: int | None = None) -> Call[None]:
        yield from GitCalls.set_config(self, repo_path, "user.name", name, scope=scope, timeout_ms=timeout_ms)
        yield from GitCalls.set_config(self, repo_path, "user.email", email, scope=scope, timeout_ms=timeout_ms)

    def set_config(self, repo_path: str, key: str, value: str, *, scope: str = "global",
                   timeout_ms: int | None = None) -> Call[None]:
        yield from _git(self, "config", ["config", *_scope(scope), key, value], repo_path, timeout_ms)

    def get_config(self, repo_path: str, key: str, *, scope: str = "global",
                   timeout_ms: int | None = None) -> Call[str | None]:
        out = yield from _git(self, "config", ["config", *_scope(scope), "--get", key], repo_path, timeout_ms,
                              ok_codes=(0, 1))
        return out.strip() or None


_GIT = [n for n in vars(GitCalls) if not n.startswith("_")]
Git = type("Git", (Part,), {n: blocking(getattr(GitCalls, n)) for n in _GIT})
AsyncGit = type("AsyncGit", (AsyncPart,), {n: awaited(getattr(GitCalls, n)) for n in _GIT})
