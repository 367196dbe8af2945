"""Commands as E2B's documentation writes them: run, stream, background, connect, stdin, kill."""
import pytest
from e2b import CommandExitException, TimeoutException


def test_run_returns_output_and_exit_code(sandbox):
    result = sandbox.commands.run("echo hello; echo oops >&2")
    assert (result.stdout, result.stderr, result.exit_code) == ("hello\n", "oops\n", 0)


def test_on_stdout_streams_lines(sandbox):
    seen = []
    sandbox.commands.run("for i in 1 2 3; do echo line $i; done", on_stdout=seen.append)
    assert "".join(seen) == "line 1\nline 2\nline 3\n"


def test_envs_cwd_and_user(sandbox):
    result = sandbox.commands.run("pwd; echo $MY_VAR", cwd="/tmp", envs={"MY_VAR": "value 1"}, user="root")
    assert result.stdout == "/tmp\nvalue 1\n"


def test_non_zero_exit_raises(sandbox):
    with pytest.raises(CommandExitException) as caught:
        sandbox.commands.run("echo bad >&2; exit 3")
    assert caught.value.exit_code == 3
    assert caught.value.stderr == "bad\n"


def test_timeout_raises(sandbox):
    with pytest.raises(TimeoutException):
        sandbox.commands.run("sleep 30", timeout=1)


def test_background_list_and_kill(sandbox):
    handle = sandbox.commands.run("sleep 300", background=True)
    assert handle.pid in {p.pid for p in sandbox.commands.list()}
    assert handle.kill() is True
    with pytest.raises(CommandExitException):
        handle.wait()
    assert handle.pid not in {p.pid for p in sandbox.commands.list()}
    assert sandbox.commands.kill(handle.pid) is False


def test_stdin(sandbox):
    handle = sandbox.commands.run("cat", background=True, stdin=True)
    sandbox.commands.send_stdin(handle.pid, "first line\n")
    handle.send_stdin("second line\n")
    handle.close_stdin()
    assert handle.wait().stdout == "first line\nsecond line\n"


def test_connect_to_a_running_command(sandbox):
    handle = sandbox.commands.run("read line; echo got: $line", background=True, stdin=True)
    again = sandbox.commands.connect(handle.pid)
    sandbox.commands.send_stdin(handle.pid, "hello\n")
    assert again.wait().stdout == "got: hello\n"
    handle.disconnect()


def test_missing_working_directory_fails(sandbox):
    with pytest.raises(Exception) as caught:
        sandbox.commands.run("true", cwd="/no/such/dir")
    assert "does not exist" in str(caught.value)
