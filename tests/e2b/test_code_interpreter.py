"""e2b_code_interpreter as E2B's documentation writes it: run_code, results, logs, errors,
charts, contexts, Python, JavaScript, R and Java."""
import base64

import pytest
from e2b_code_interpreter import Sandbox


@pytest.fixture(scope="module")
def code_sandbox(e2b_server):
    with pytest.MonkeyPatch.context() as env:
        for name, value in (("E2B_API_KEY", e2b_server.admin_key), ("E2B_API_URL", e2b_server.base_url),
                            ("E2B_SANDBOX_URL", e2b_server.base_url)):
            env.setenv(name, value)
        sbx = Sandbox.create()  # E2B's code-interpreter-v1: OpenBay's code image
        yield sbx
        sbx.kill()


def test_default_template_is_the_code_interpreter(code_sandbox):
    assert code_sandbox.get_info().template_id == "code-interpreter-v1"


def test_state_logs_and_main_result(code_sandbox):
    code_sandbox.run_code("counter = 41")
    seen_stdout, seen_results = [], []
    execution = code_sandbox.run_code("print('working'); counter += 1; counter",
                                      on_stdout=seen_stdout.append, on_result=seen_results.append)
    assert execution.text == "42"
    assert execution.logs.stdout == ["working\n"]
    assert [m.line for m in seen_stdout] == ["working\n"]
    assert [r.text for r in seen_results] == ["42"]
    assert execution.error is None


def test_output_reaches_on_stdout_while_the_cell_runs(code_sandbox):
    # the cell goes on only once the callback, given its first line, has written the file: a
    # run whose lines all came at its end would wait out its timeout instead
    code = ("import os, time\nprint('first')\n"
            "while not os.path.exists('/tmp/e2b-streamed'):\n    time.sleep(0.05)\nprint('second')")
    seen = []

    def on_stdout(message):
        seen.append(message.line)
        if message.line == "first\n":
            code_sandbox.files.write("/tmp/e2b-streamed", "go")

    execution = code_sandbox.run_code(code, on_stdout=on_stdout, timeout=120)
    assert execution.error is None and seen == ["first\n", "second\n"], (execution, seen)
    assert execution.logs.stdout == ["first\n", "second\n"]


def test_error_name_value_traceback(code_sandbox):
    execution = code_sandbox.run_code("1 / 0")
    assert execution.error.name == "ZeroDivisionError"
    assert execution.error.value == "division by zero"
    assert "ZeroDivisionError" in execution.error.traceback
    assert execution.results == []


def test_rich_results_html_and_markdown(code_sandbox):
    execution = code_sandbox.run_code(
        "class Rich:\n"
        "    def _repr_html_(self): return '<b>bold</b>'\n"
        "    def _repr_markdown_(self): return '**bold**'\n"
        "Rich()")
    result = execution.results[0]
    assert (result.html, result.markdown) == ("<b>bold</b>", "**bold**")
    assert {"html", "markdown"} <= set(result.formats())


def test_matplotlib_figure_is_a_png(code_sandbox):
    execution = code_sandbox.run_code("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [4, 1, 9])\nplt.show()")
    png = [r.png for r in execution.results if r.png]
    assert len(png) == 1
    assert base64.b64decode(png[0]).startswith(b"\x89PNG")


def test_matplotlib_charts(code_sandbox):
    from e2b_code_interpreter.charts import ChartType
    execution = code_sandbox.run_code(
        "import matplotlib.pyplot as plt\n"
        "plt.plot([1, 2, 3], [4, 1, 9], label='series')\n"
        "plt.title('Growth'); plt.xlabel('day'); plt.ylabel('count')\n"
        "plt.show()\n"
        "fig, ax = plt.subplots()\n"
        "ax.bar(['A', 'B'], [3, 5], label='sales')\n"
        "plt.show()")
    line, bar = [r.chart for r in execution.results if r.png]
    assert (line.type, line.title, line.x_label, line.y_label) == (ChartType.LINE, "Growth", "day", "count")
    assert [(e.label, e.points) for e in line.elements] == [("series", [(1.0, 4.0), (2.0, 1.0), (3.0, 9.0)])]
    assert bar.type == ChartType.BAR
    assert [(e.label, e.value, e.group) for e in bar.elements] == [("A", 3.0, "sales"), ("B", 5.0, "sales")]
    names = code_sandbox.run_code("sorted(n for n in dir() if 'openbay' in n)").text
    assert names == "[]"  # the hook lives outside the user's namespace


def test_chart_descriptions_from_the_sandbox_are_checked():
    from openbay.e2b.charts import attach, parse_charts
    assert parse_charts("not json") is None
    assert parse_charts('{"a": 1}') is None
    assert parse_charts('[1, 2]') is None
    results = [{"text": "fig", "png": "x"}, {"text": "fig", "png": "y"}]
    attach(results, [{"type": "line"}])  # one description for two figures: none is guessed
    assert not any("chart" in r for r in results)


def test_envs_hold_for_one_execution(code_sandbox):
    code_sandbox.run_code("import os; os.environ['KEPT'] = 'set by the user'")
    envs = {"MY_VAR": "it's \"quoted\" and ünïcode", "KEPT": "overridden for one run"}
    execution = code_sandbox.run_code("import os; (os.getenv('MY_VAR'), os.getenv('KEPT'))", envs=envs)
    assert execution.text == repr((envs["MY_VAR"], envs["KEPT"]))
    after = code_sandbox.run_code("(os.getenv('MY_VAR'), os.getenv('KEPT'))").text
    assert after == repr((None, "set by the user"))
    js = code_sandbox.run_code("process.env.JS_VAR", language="js", envs={"JS_VAR": "from js"})
    assert js.text == "'from js'"
    assert code_sandbox.run_code("process.env.JS_VAR", language="js").text is None  # undefined: no result
    assert "openbay" not in code_sandbox.run_code("dir()").text


def test_a_context_runs_in_its_own_folder(code_sandbox):
    code_sandbox.files.make_dir("/tmp/ctx-folder")
    context = code_sandbox.create_code_context(cwd="/tmp/ctx-folder")
    assert context.cwd == "/tmp/ctx-folder"
    assert code_sandbox.run_code("import os; os.getcwd()", context=context).text == "'/tmp/ctx-folder'"
    assert code_sandbox.run_code("os.getcwd()").text == "'/home/user'"
    js = code_sandbox.create_code_context(cwd="/tmp", language="js")
    assert code_sandbox.run_code("process.cwd()", context=js).text == "'/tmp'"
    missing = code_sandbox.create_code_context(cwd="/no/such/folder")
    assert code_sandbox.run_code("1", context=missing).error.name == "FileNotFoundError"
    assert code_sandbox.run_code("os.getcwd()").text == "'/home/user'"


def test_javascript(code_sandbox):
    execution = code_sandbox.run_code("const answer = 6 * 7; console.log('js says hi'); answer", language="js")
    assert execution.text == "42"
    assert execution.logs.stdout == ["js says hi\n"]


def test_r_and_java(code_sandbox):
    code_sandbox.run_code("kept <- 41", language="r")
    r = code_sandbox.run_code('cat("r says hi\\n")\nkept + 1', language="r")
    assert r.text == "[1] 42" and r.logs.stdout == ["r says hi\n"] and r.error is None
    envs = code_sandbox.run_code('Sys.getenv("R_VAR")', language="r", envs={"R_VAR": 'from "r"'})
    assert envs.text == '[1] "from \\"r\\""'
    assert code_sandbox.run_code('Sys.getenv("R_VAR", unset = NA)', language="r").text == "[1] NA"
    assert code_sandbox.run_code("stop('no')", language="r").error.value == "no"
    code_sandbox.run_code("int kept = 41;", language="java")
    java = code_sandbox.run_code('System.out.println("java says hi");\nkept + 1', language="java")
    assert java.text == "42" and java.logs.stdout == ["java says hi\n"]
    assert code_sandbox.run_code("Integer.parseInt(\"x\")", language="java").error.name == "NumberFormatException"
    with pytest.raises(Exception) as caught:
        code_sandbox.run_code("1", language="java", envs={"A": "b"})
    assert "env_vars" in str(caught.value)


def test_code_contexts(code_sandbox):
    context = code_sandbox.create_code_context(language="python")
    assert context.language == "python"
    assert code_sandbox.run_code("2 ** 10", context=context).text == "1024"
    assert context.id in {c.id for c in code_sandbox.list_code_contexts()}
    code_sandbox.remove_code_context(context)
    assert context.id not in {c.id for c in code_sandbox.list_code_contexts()}


def test_unknown_language_is_refused(code_sandbox):
    with pytest.raises(Exception) as caught:
        code_sandbox.run_code("puts 1", language="ruby")
    assert "Python, JavaScript, R and Java" in str(caught.value)


def test_bad_requests_to_the_interpreter_are_refused(code_sandbox, e2b_server):
    import httpx
    headers = {"E2b-Sandbox-Id": code_sandbox.sandbox_id, "E2b-Sandbox-Port": "49999",
               "X-Access-Token": code_sandbox._envd_access_token}
    url = f"{e2b_server.base_url}/execute"
    assert httpx.post(url, content=b"not json", headers=headers).status_code == 400
    assert httpx.post(url, json=["a list"], headers=headers).status_code == 400
    assert httpx.post(url, json={"code": 1}, headers=headers).status_code == 400
    assert httpx.post(url, json={"code": "1", "context_id": ["x"]}, headers=headers).status_code == 404
    assert httpx.post(url, json={"code": "1", "language": 5}, headers=headers).status_code == 400
    too_big = e2b_server.app.state.settings.max_body_bytes + 1
    assert httpx.post(url, content=b"x" * too_big, headers=headers).status_code == 413
