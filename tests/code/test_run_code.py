"""session.code.run_code against a real `code` session."""
import asyncio
import base64

import httpx
import pytest

from openbay import AsyncOpenBay
from tests.helpers.errors import raised
from tests.helpers.sessions import new_session


@pytest.fixture(scope="module")
def code_session(server):
    with new_session(server, "code") as s:
        yield s


def test_stdout_stderr_and_last_value(code_session):
    r = code_session.code.run_code("import sys\nprint('out')\nprint('err', file=sys.stderr)\n6 * 7")
    assert r.stdout == "out\n" and r.stderr == "err\n"
    assert r.result == "42" and r.results[0].is_main_result
    assert r.language == "python" and r.execution_time_ms > 0


def test_state_is_kept_between_calls_and_lost_on_restart(code_session):
    code = code_session.code
    code.run_code("counter = 10")
    assert code.run_code("counter += 5\ncounter").result == "15"
    code.restart_kernel("python")
    gone = code.run_code("counter")
    assert not gone.ok and gone.error.name == "NameError"


def test_stateless_runs_share_nothing(code_session):
    code = code_session.code
    code.run_code("only_here = 1", stateful=False)
    r = code.run_code("only_here", stateful=False)
    assert not r.ok and r.error.name == "NameError"


def test_error_has_a_traceback_of_the_users_code(code_session):
    r = code_session.code.run_code("def f():\n    return 1 / 0\n\nf()")
    assert not r.ok
    assert r.error.name == "ZeroDivisionError" and r.error_message == "ZeroDivisionError: division by zero"
    assert "line 2, in f" in r.error.traceback and "kernel_python" not in r.error.traceback
    syntax = code_session.code.run_code("def (")
    assert syntax.error.name == "SyntaxError"


def test_output_of_child_processes_is_caught(code_session):
    r = code_session.code.run_code("import subprocess\nsubprocess.run(['echo', 'from-child'])\nNone")
    assert "from-child" in r.stdout


def test_numpy_pandas_and_a_matplotlib_png(code_session):
    r = code_session.code.run_code(
        "import numpy as np, pandas as pd\nimport matplotlib.pyplot as plt\n"
        "df = pd.DataFrame({'x': np.arange(5), 'y': np.arange(5) ** 2})\n"
        "plt.plot(df.x, df.y)\nint(df.y.sum())", timeout_s=120)
    assert r.result == "30"
    assert len(r.images) == 1
    assert base64.b64decode(r.images[0]).startswith(b"\x89PNG\r\n\x1a\n")
    table = code_session.code.run_code("df")
    assert "<table" in (table.results[0].html or "")


def test_timeout_interrupts_and_keeps_state(code_session):
    code = code_session.code
    code.run_code("kept = 'yes'")
    r = code.run_code("import time\ntime.sleep(30)", timeout_s=1)
    assert not r.ok and r.timed_out and r.error.name == "TimeoutError"
    assert not r.kernel_restarted
    assert code.run_code("kept").result == "'yes'"


def test_a_kernel_that_ignores_the_interrupt_is_replaced(code_session):
    code = code_session.code
    code.run_code("lost = 1")
    r = code.run_code("import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(30)",
                      timeout_s=1)
    assert r.timed_out and r.kernel_restarted
    assert code.run_code("lost").error.name == "NameError"
    assert code.run_code("1 + 1").result == "2"  # a fresh kernel took over


def test_javascript_keeps_state_and_reports_errors(code_session):
    code = code_session.code
    r = code.run_code("let total = 40; console.log('js out'); total + 2", language="javascript")
    assert r.stdout == "js out\n" and r.result == "42"
    assert code.run_code("total * 2", language="javascript").result == "80"
    err = code.run_code("nope()", language="javascript")
    assert not err.ok and err.error.name == "ReferenceError"
    assert "kernel_node" not in err.error.traceback
    loop = code.run_code("while (true) {}", language="javascript", timeout_s=1)
    assert loop.timed_out
    assert code.run_code("total", language="javascript").result == "40"
    assert code.run_code("Promise.resolve(5)", language="js").result == "5"


def test_r_keeps_state_and_reports_errors(code_session):
    code = code_session.code
    r = code.run_code('x <- 41\ncat("set\\n")\nprint("shown")\nx + 1', language="R")
    assert r.ok and r.language == "r"
    assert r.stdout == 'set\n[1] "shown"\n' and r.result == "[1] 42"
    assert code.run_code("x * 2", language="r").result == "[1] 82"
    err = code.run_code("f <- function() stop('deep')\nf()", language="r")
    assert not err.ok and err.error.name == "Error" and err.error.value == "deep"
    assert err.error_message == "Error: deep" and "f()" in err.error.traceback
    assert "run_user" not in err.error.traceback and "kernel_r" not in err.error.traceback
    assert code.run_code("1 +", language="r").error.name == "Error"
    warned = code.run_code("log(-1)", language="r")
    assert warned.ok and warned.result == "[1] NaN" and "NaNs produced" in warned.stderr
    loop = code.run_code("repeat {}", language="r", timeout_s=1)
    assert loop.timed_out and loop.error.name == "TimeoutError"
    # the interrupt keeps the state unless the kernel had to be replaced, and says which
    assert loop.kernel_restarted or code.run_code("x", language="r").result == "[1] 41"
    assert code.run_code("1 + 1", language="r").result == "[1] 2"


def test_java_keeps_state_and_reports_errors(code_session):
    code = code_session.code
    r = code.run_code('int x = 41;\nSystem.out.println("set");\nx + 1', language="JAVA")
    assert r.ok and r.language == "java" and r.stdout == "set\n" and r.result == "42"
    assert code.run_code("int twice(int v) { return 2 * v; }\ntwice(x)", language="java").result == "82"
    thrown = code.run_code('void f() { throw new IllegalStateException("deep"); }\nf();', language="java")
    assert not thrown.ok and thrown.error.name == "IllegalStateException" and thrown.error.value == "deep"
    assert "java.lang.IllegalStateException: deep" in thrown.error.traceback
    wrong = code.run_code("String s = 1;", language="java")
    assert wrong.error.name == "CompilationError" and "incompatible types" in wrong.error.value
    assert code.run_code("import java.util.*;\nnew ArrayList<>(List.of(1, 2))", language="java").result == "[1, 2]"
    loop = code.run_code("while (true) {}", language="java", timeout_s=1)
    assert loop.timed_out and loop.error.name == "TimeoutError"
    assert loop.kernel_restarted or code.run_code("x", language="java").result == "41"
    assert code.run_code("1 + 1", language="java").result == "2"


def test_bad_input_is_refused(server, code_session):
    with pytest.raises(ValueError):
        code_session.code.run_code("1", language="cobol")
    r = httpx.post(f"{server.base_url}/v1/sessions/{code_session.session_id}/code/run",
                   json={"code": "1", "language": "cobol", "timeout_s": -1},
                   headers={"Authorization": f"Bearer {server.admin_key}"})
    assert r.status_code == 422
    assert "language" in r.json()["error"]["message"] and "timeout_s" in r.json()["error"]["message"]


def test_async_client_runs_code(server, code_session):
    async def main():
        async with AsyncOpenBay(api_key=server.admin_key, base_url=server.base_url) as bay:
            s = (await bay.get(code_session.session_id)).session
            await s.code.run_code("async_var = 3")
            return await s.code.run_code("async_var * 3")

    assert asyncio.run(main()).result == "9"


def test_other_owner_cannot_run_code(server, code_session):
    other = server.client(server.new_owner_key("code-stranger"))
    try:
        from openbay.sdk.session import Session
        foreign = Session(other._runner, code_session.info())
        r = raised(lambda: foreign.code.run_code("1"))
        assert r.code == "not_found"
    finally:
        other.close()


def test_huge_output_is_cut_and_the_kernel_lives_on(code_session):
    code = code_session.code
    r = code.run_code("print('x' * (20 * 1024 * 1024))\n'y' * (5 * 1024 * 1024)")
    assert r.truncated
    assert 0 < len(r.stdout) < 20 * 1024 * 1024 and r.stdout.startswith("xxx")
    assert len(r.result) < 2 * 1024 * 1024
    assert code.run_code("21 * 2").result == "42"


# the cell goes on only once a file appears, which the callback writes when it gets the
# first line: a run whose output came only at its end would wait out its timeout instead
WAITS_FOR_ITS_READER = """import os, sys, time
print('first')
while not os.path.exists('/tmp/{mark}'):
    time.sleep(0.05)
print('to stderr', file=sys.stderr)
print('second')
'done'"""


def test_output_streams_while_the_cell_runs(server, code_session):
    out, err, other = [], [], server.client()

    def on_stdout(text):
        out.append(text)
        if text == "first\n":
            other.get(code_session.session_id).session.file_system.write_file("/tmp/streamed", "go")

    try:
        r = code_session.code.run_code(WAITS_FOR_ITS_READER.format(mark="streamed"), timeout_s=60,
                                       on_stdout=on_stdout, on_stderr=err.append)
    finally:
        other.close()
    assert r.ok and not r.timed_out and r.result == "'done'", r
    assert out == ["first\n", "second\n"] and err == ["to stderr\n"]
    assert r.stdout == "first\nsecond\n" and r.stderr == "to stderr\n"


@pytest.mark.parametrize("language, cell", [
    ("r", 'cat("first\\n")\nwhile (!file.exists("/tmp/streamed-r")) Sys.sleep(0.05)\ncat("second\\n")'),
    ("java", 'System.out.println("first");\n'
             'while (!new java.io.File("/tmp/streamed-java").exists()) Thread.sleep(50);\n'
             'System.out.println("second");'),
])
def test_r_and_java_output_streams_while_the_cell_runs(server, code_session, language, cell):
    """The cell goes on only once its first line reached the caller: a kernel that held its
    output until the cell ended would wait out the timeout instead."""
    out, other = [], server.client()

    def on_stdout(text):
        out.append(text)
        if text == "first\n":
            other.get(code_session.session_id).session.file_system.write_file(f"/tmp/streamed-{language}", "go")

    try:
        r = code_session.code.run_code(cell, language, timeout_s=120, on_stdout=on_stdout)
    finally:
        other.close()
    assert r.ok and not r.timed_out, r
    assert out == ["first\n", "second\n"] and r.stdout == "first\nsecond\n"


def test_async_client_streams_output_too(server, code_session):
    async def main():
        async with AsyncOpenBay(api_key=server.admin_key, base_url=server.base_url) as bay:
            s = (await bay.get(code_session.session_id)).session
            got = []

            async def on_stdout(text):
                got.append(text)
                if text == "first\n":
                    await s.file_system.write_file("/tmp/streamed-async", "go")
            r = await s.code.run_code(WAITS_FOR_ITS_READER.format(mark="streamed-async"), timeout_s=60,
                                      on_stdout=on_stdout)
            return r, got

    r, got = asyncio.run(main())
    assert r.ok and not r.timed_out and got == ["first\n", "second\n"], (r, got)


def test_a_streamed_run_of_a_missing_language_is_refused_before_any_line(server):
    with new_session(server, "linux") as s:
        e = raised(lambda: s.code.run_code("cat('x')", "r", on_stdout=print))
    assert e.status == 409 and "not installed" in e.message
