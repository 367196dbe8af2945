"""Written the way the examples in the docstrings of AgentBay 0.22's session.git are (init,
configure_user, add, commit, status, log, branches, remotes, reset, restore; GitError kinds);
only the import names OpenBay. Every check that fails prints a ❌ line."""
import os

from openbay.agentbay import AgentBay, CreateSessionParams, GitError, GitNotARepoError


def check(ok, what):
    print(("✅ " if ok else "❌ ") + what)


def main():
    agent_bay = AgentBay(api_key=os.getenv("AGENTBAY_API_KEY"))
    session = agent_bay.create(CreateSessionParams(image_id="code_latest")).session
    try:
        git, repo = session.git, "/home/user/demo"
        check(git.init(repo, initial_branch="main").path == repo, "init")
        git.configure_user(repo, "Agent", "agent@example.com")
        check(git.get_config(repo, "user.name") == "Agent", "configure_user / get_config")
        session.file_system.write_file(f"{repo}/README.md", "# demo\n")
        status = git.status(repo)
        files = [(f.path, f.status) for f in status.files]
        check(status.current_branch == "main" and files == [("README.md", "untracked")], f"status: {status}")
        git.add(repo)
        check(all(f.staged for f in git.status(repo).files), "add stages everything")
        first = git.commit(repo, "first commit")
        check(first.commit_hash and len(first.commit_hash) == 40, f"commit: {first.commit_hash}")
        git.create_branch(repo, "feature")
        session.file_system.write_file(f"{repo}/feature.txt", "new\n")
        git.add(repo, files=["feature.txt"])
        git.commit(repo, "add a feature", author_name="Someone", author_email="someone@example.com")
        branches = git.list_branches(repo)
        check(branches.current == "feature" and {b.name for b in branches.branches} == {"main", "feature"},
              f"branches: {branches}")
        log = git.log(repo, max_count=5)
        check([e.message for e in log.entries] == ["add a feature", "first commit"]
              and log.entries[0].author_name == "Someone", f"log: {[e.message for e in log.entries]}")
        git.checkout_branch(repo, "main")
        check(git.list_branches(repo).current == "main", "checkout_branch")
        git.delete_branch(repo, "feature", force=True)
        check([b.name for b in git.list_branches(repo).branches] == ["main"], "delete_branch")
        git.remote_add(repo, "origin", "https://example.com/demo.git")
        check(git.remote_get(repo, "origin") == "https://example.com/demo.git", "remote_add / remote_get")
        check(git.remote_get(repo, "nope") is None, "a missing remote is None")
        session.file_system.write_file(f"{repo}/README.md", "# changed\n")
        git.restore(repo, ["README.md"])
        check(session.file_system.read_file(f"{repo}/README.md").content == "# demo\n", "restore")
        try:
            git.status("/tmp")
            print("❌ status outside a repository did not raise")
        except GitNotARepoError as e:
            check(isinstance(e, GitError) and e.exit_code == 128, f"not a repository: {str(e)[:60]}")
    finally:
        agent_bay.delete(session)
    print("✅ Git example completed")


if __name__ == "__main__":
    main()
