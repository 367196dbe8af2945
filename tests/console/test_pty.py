"""session.command.pty: a real shell on a terminal in the session, through the SDK (blocking and asyncio)."""

import pytest

from openbay import AsyncOpenBay
from openbay.sdk.errors import AuthenticationError, OpenBayConnectionError
from tests.helpers.waiting import PATIENCE_S, async_wait_for, wait_for

from .conftest import run_async


def _until(pred, what: str):
    wait_for(pred, what=what, interval_s=0.02)


@pytest.fixture
def linux(cbay):
    s = cbay.create().session
    yield s
    s.delete()


def test_a_terminal_with_size_colours_job_control_and_exit_code(linux):
    seen = []
    with linux.command.pty(cols=100, rows=30, on_output=seen.append) as t:
        t.write("stty size; tput colors; echo $TERM\n")
        _until(lambda: "30 100" in t.output and "xterm-256color" in t.output, "the size and TERM")
        assert "256" in t.output and "".join(seen) == t.output
        # the size changes: the kernel tells the programs (stty reads the new one)
        t.resize(50, 10)
        t.write("stty size\n")
        _until(lambda: "10 50" in t.output, "the new size")
        # job control: a foreground job stops on Ctrl-C, a background one is listed by jobs
        t.write("sleep 30 & jobs\n")
        _until(lambda: "Running" in t.output and "sleep 30" in t.output, "the background job")
        t.write("sleep 60\n")
        # Ctrl-C once sleep 60 runs in the foreground: earlier, it would interrupt the shell's own reading
        _until(lambda: "sleep 60" in linux.command.execute_command("ps -eo args").output, "sleep 60 to run")
        t.write("\x03")  # Ctrl-C: SIGINT to the foreground process group only
        t.write("echo after-$?\n")
        _until(lambda: "after-130" in t.output, "the interrupted job's status")
        t.write("exit 7\n")
        assert t.wait(timeout=PATIENCE_S) == 7


def test_closing_the_terminal_hangs_up_its_jobs(linux):
    t = linux.command.pty()
    t.write("sleep 31 & echo started\n")
    _until(lambda: "started" in t.output, "the job to start")
    t.kill()  # as closing a terminal window: the shell gets SIGHUP and passes it to its jobs
    _until(lambda: "sleep 31" not in linux.command.execute_command("ps -eo args").output, "the job to end")


def test_a_terminal_in_another_owners_session_is_refused(console_server, linux):
    other = console_server.client(console_server.new_owner_key("stranger"))
    try:
        from openbay.sdk.session import Session
        with pytest.raises((AuthenticationError, OpenBayConnectionError)):
            Session(other._runner, linux.info()).command.pty()
    finally:
        other.close()


def test_async_terminal(console_server, linux):
    async def main():
        async with AsyncOpenBay(api_key=console_server.admin_key, base_url=console_server.base_url) as bay:
            s = (await bay.get(linux.session_id)).session
            chunks = []

            async def on_output(text):
                chunks.append(text)

            t = await s.command.pty(cols=80, rows=24, on_output=on_output)
            await t.write("echo async-$((6*7))\n")
            await async_wait_for(lambda: "async-42" in t.output, what="the echo")
            assert "async-42" in "".join(chunks)
            await t.write("exit\n")
            assert await t.wait(timeout=PATIENCE_S) == 0
            await t.kill()
    run_async(main())
