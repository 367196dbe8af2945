"""Commands in a real sandbox: output, codes, timeouts, background work, floods, streaming."""

from tests.helpers.waiting import PATIENCE_S, wait_for


def test_output_stderr_exit_code(session):
    out = session.command.execute_command("echo hi && echo oops >&2 && exit 3")
    assert (out.output, out.stderr, out.exit_code) == ("hi\n", "oops\n", 3)
    assert not out.timed_out


def test_cwd_and_envs(session):
    session.command.execute_command("mkdir -p /home/user/work")
    out = session.command.execute_command("pwd; echo $GREETING", cwd="/home/user/work",
                                          envs={"GREETING": "hello"})
    assert out.output == "/home/user/work\nhello\n"
    missing = session.command.execute_command("pwd", cwd="/nope")
    assert missing.exit_code != 0 and "does not exist" in missing.error_message


def test_session_envs_reach_commands(make_session):
    s = make_session(envs={"PROJECT": "bay"})
    assert s.command.execute_command("echo $PROJECT $HOME $USER").output == "bay /home/user root\n"


def test_timeout_kills_the_whole_process_group(session):
    out = session.command.execute_command("sleep 300 & sleep 300; echo never", timeout_ms=500)
    assert out.timed_out and out.exit_code == 124 and "timed out after 500 ms" in out.error_message
    assert "never" not in out.output
    left = session.command.execute_command("pgrep -c sleep || true")
    assert left.output.strip() == "0"


def test_background_processes_survive_between_calls(session):
    started = session.command.execute_command(
        "nohup sh -c 'while true; do date +%s%N >> /home/user/ticks; sleep 0.05; done' >/dev/null 2>&1 & echo started")
    # the call came back while its background loop runs on (waiting for it would have timed out)
    assert started.output == "started\n" and started.exit_code == 0 and not started.timed_out

    def ticks() -> int:
        return int(session.command.execute_command("cat /home/user/ticks 2>/dev/null | wc -l").output)

    first = wait_for(ticks, what="the background loop's first tick")
    wait_for(lambda: ticks() > first, what="the background loop to tick on between calls")


def test_background_writer_to_the_pipe_neither_blocks_nor_dies(session):
    out = session.command.execute_command(
        "(for i in $(seq 1 40); do echo tick; sleep 0.05; done; touch /home/user/bg-done) & echo front")
    assert "front" in out.output.splitlines()  # the background loop may get its first tick in before it
    wait_for(lambda: session.command.execute_command("test -f /home/user/bg-done && echo ok").output == "ok\n",
             what="the background loop to finish")


def test_output_flood_is_capped_and_said(session):
    out = session.command.execute_command("head -c 30000000 /dev/zero | tr '\\0' x; echo; echo done >&2",
                                          timeout_ms=60_000)
    assert out.truncated and "cap" in out.error_message
    assert len(out.output) <= 10 * 1024 * 1024
    assert out.stderr == "done\n" and out.exit_code == 0


def test_streaming_delivers_output_as_it_comes(session):
    """Each line is printed only once the one before it reached the caller: output that came
    all at the end would leave the command waiting until it timed out."""
    seen = []

    def on_stdout(line: str) -> None:
        seen.append(line)
        session.file_system.write_file(f"/tmp/got{len(seen)}", "")  # a call of its own, mid-command

    out = session.command.execute_command(
        "for i in 1 2 3; do echo line$i; until [ -e /tmp/got$i ]; do sleep 0.05; done; done; echo warn >&2",
        on_stdout=on_stdout, timeout_ms=int(PATIENCE_S * 1000))
    assert not out.timed_out, out.error_message
    assert out.output == "line1\nline2\nline3\n" and out.stderr == "warn\n" and out.exit_code == 0
    assert seen == ["line1\n", "line2\n", "line3\n"]


def test_non_utf8_output_does_not_break(session):
    out = session.command.execute_command("printf '\\xff\\xfeok'")
    assert out.output.endswith("ok") and out.exit_code == 0
