"""Written the way AgentBay's examples codespace/code_execution_example.py,
codespace/jupyter_context_persistence.py, codespace/jupyter_context_persistence_r_java.py and
codespace/run_code_streaming_beta.py are (their calls one by one); only the import names OpenBay.
Every check that fails prints a ❌ line."""
import os

from openbay.agentbay import AgentBay, CreateSessionParams


def check(ok, what):
    print(("✅ " if ok else "❌ ") + what)


def main():
    agent_bay = AgentBay(api_key=os.getenv("AGENTBAY_API_KEY"))
    result = agent_bay.create(CreateSessionParams(image_id="code_latest"))
    if not result.success:
        print(f"❌ Failed to create session: {result.error_message}")
        return
    session = result.session
    try:
        # code_execution_example.py: Python, then JavaScript
        py = session.code.run_code("import math\nprint(f'pi={math.pi:.4f}')\nsum(range(10))", "python")
        check(py.success and "pi=3.1416" in "".join(py.logs.stdout) and py.result == "45",
              f"python: {py.logs.stdout} result={py.result!r}")
        js = session.code.run_code("const xs = [1, 2, 3];\nconsole.log(xs.map(x => x * 2).join(','));", "javascript")
        check(js.success and "2,4,6" in "".join(js.logs.stdout), f"javascript: {js.logs.stdout}")

        # jupyter_context_persistence.py: a variable lives on between calls
        session.code.run_code("counter = 41", "python")
        kept = session.code.run_code("counter += 1\nprint(counter)", "python")
        check("42" in "".join(kept.logs.stdout), f"the kernel kept counter: {kept.logs.stdout}")
        session.code.run_code("globalThis.greeting = 'hi'", "javascript")
        kept_js = session.code.run_code("console.log(greeting + ' again')", "js")
        check("hi again" in "".join(kept_js.logs.stdout), f"the JavaScript kernel kept greeting: {kept_js.logs.stdout}")

        # an error is a result, with its name and value
        err = session.code.run_code("1 / 0", "python")
        check(not err.success and err.error is not None and err.error.name == "ZeroDivisionError",
              f"an error: {err.error}")

        # run_code_streaming_beta.py: the output reaches the callbacks
        chunks = []
        streamed = session.code.run_code("print('line 1')\nprint('line 2')", "python", stream_beta=True,
                                         on_stdout=chunks.append)
        check(streamed.success and "line 2" in "".join(chunks), f"on_stdout got: {chunks}")

        # jupyter_context_persistence_r_java.py: R and Java kernels keep their variables too
        r_setup = session.code.run_code('x <- 41\ncat("R_CONTEXT_SETUP_DONE\\n")', "R")
        r_use = session.code.run_code('cat(paste0("R_CONTEXT_VALUE:", x + 1, "\\n"))', "r")
        check(r_setup.success and "R_CONTEXT_VALUE:42" in r_use.result, f"the R kernel kept x: {r_use.result!r}")
        java_setup = session.code.run_code('int x = 41;\nSystem.out.println("JAVA_CONTEXT_SETUP_DONE");', "JAVA")
        java_use = session.code.run_code('System.out.println("JAVA_CONTEXT_VALUE:" + (x + 1));', "java")
        check(java_setup.success and "JAVA_CONTEXT_VALUE:42" in java_use.result,
              f"the Java kernel kept x: {java_use.result!r}")
        r_err = session.code.run_code("stop('r says no')", "R")
        check(not r_err.success and r_err.error is not None and r_err.error.name == "Error"
              and r_err.error.value == "r says no" and "r says no" in r_err.error_message,
              f"an R error in AgentBay's shape: {r_err.error}")
        java_err = session.code.run_code('throw new IllegalArgumentException("java says no");', "java")
        check(not java_err.success and java_err.error is not None
              and java_err.error.name == "IllegalArgumentException" and java_err.error.value == "java says no",
              f"a Java error in AgentBay's shape: {java_err.error}")
        refused = session.code.run_code("PRINT 1", "cobol")
        check(not refused.success and "python, javascript, r and java" in refused.error_message,
              f"another language refused with a sentence: {refused.error_message}")
    finally:
        agent_bay.delete(session)
    print("✅ Code execution example completed")


if __name__ == "__main__":
    main()
