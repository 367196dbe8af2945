"""Commands in a real sandbox: output, codes, timeouts, background work, floods, streaming."""
import time


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
    assert started.output == "started\n" and started.duration_ms < 5000
    time.sleep(0.3)
    first = int(session.command.execute_command("wc -l < /home/user/ticks").output)
    time.sleep(0.3)
    second = int(session.command.execute_command("wc -l < /home/user/ticks").output)
    assert second > first > 0


def test_background_writer_to_the_pipe_neither_blocks_nor_dies(session):
    out = session.command.execute_command(
        "(for i in $(seq 1 40); do echo tick; sleep 0.05; done; touch /home/user/bg-done) & echo front")
    assert "front" in out.output.splitlines()  # the background loop may get its first tick in before it
    deadline = time.monotonic() + 30
    done = ""
    while done != "ok\n" and time.monotonic() < deadline:
        time.sleep(0.2)
        done = session.command.execute_command("test -f /home/user/bg-done && echo ok").output
    assert done == "ok\n"


def test_output_flood_is_capped_and_said(session):
    out = session.command.execute_command("head -c 30000000 /dev/zero | tr '\\0' x; echo; echo done >&2",
                                          timeout_ms=60_000)
    assert out.truncated and "cap" in out.error_message
    assert len(out.output) <= 10 * 1024 * 1024
    assert out.stderr == "done\n" and out.exit_code == 0


def test_streaming_delivers_output_as_it_comes(session):
    seen = []
    out = session.command.execute_command(
        "for i in 1 2 3; do echo line$i; sleep 0.2; done; echo warn >&2",
        on_stdout=lambda d: seen.append((time.monotonic(), d)))
    assert out.output == "line1\nline2\nline3\n" and out.stderr == "warn\n" and out.exit_code == 0
    assert [d for _, d in seen] == ["line1\n", "line2\n", "line3\n"]
    assert seen[-1][0] - seen[0][0] > 0.25  # they arrived apart, not all at the end


def test_non_utf8_output_does_not_break(session):
    out = session.command.execute_command("printf '\\xff\\xfeok'")
    assert out.output.endswith("ok") and out.exit_code == 0
