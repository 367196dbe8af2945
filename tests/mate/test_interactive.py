"""openbay.mate's run_interactive_session driven through its terminal prompts over a pipe, as a
person would: reject a plan with a reason, accept the redraft, answer the agent's
question, give a second task with an edited plan, then quit."""
import os
import select
import signal
import subprocess
import sys
import time

from openbay import MessageFilter
from tests.helpers.scripted_llm import Turn, call, done
from tests.helpers.waiting import PATIENCE_S

SCRIPT = """
import os, sys
from openbay.mate import Client, ClientOptions, TaskExecutionOptions, create_task_runner
client = Client(ClientOptions(api_key=os.environ["OPENBAY_API_KEY"], base_url=os.environ["OPENBAY_BASE_URL"]))
create_task_runner(None, client, sys.argv[1]).run_interactive_session(
    sys.argv[2], options=TaskExecutionOptions(auto_accept_plan=False, max_user_input_timeout=120))
"""


class Terminal:
    """The other end of the program's stdin and stdout."""

    def __init__(self, proc: subprocess.Popen):
        self.proc, self.seen, self._pos = proc, "", 0

    def expect(self, text: str, timeout: float = 120) -> str:
        """Read until `text` shows up after what earlier expects consumed; what came before it."""
        deadline = time.monotonic() + timeout
        while (at := self.seen.find(text, self._pos)) < 0:
            left = deadline - time.monotonic()
            assert left > 0 and self.proc.poll() is None, f"never saw {text!r}; output:\n{self.seen}"
            if select.select([self.proc.stdout], [], [], min(left, 1))[0]:
                self.seen += os.read(self.proc.stdout.fileno(), 65536).decode()
        before, self._pos = self.seen[self._pos:at], at + len(text)
        return before

    def send(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()


def test_an_interactive_session_through_its_prompts(agent_server, llm, abay, bsession, site):
    llm.set_script([call("plan", steps=["Search the web"]),
                    call("plan", steps=["Ask which city", "Open the weather page"]),
                    call("call_for_user", question="Which city?"),
                    call("go_to_url", url=site + "/weather"),
                    done("Shanghai is sunny"),
                    call("plan", steps=["Guess"]),
                    done("Beijing is cloudy")])
    env = {**os.environ, "OPENBAY_API_KEY": agent_server.admin_key, "OPENBAY_BASE_URL": agent_server.base_url}
    proc = subprocess.Popen([sys.executable, "-u", "-c", SCRIPT, bsession.session_id, "What is the weather?"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)
    term = Terminal(proc)
    try:
        assert "plan v1 (awaiting your approval):\n1. Search the web" in term.expect("plan> ")
        term.send("reject: ask me the city first")
        shown = term.expect("plan> ")
        assert "plan v2 (awaiting your approval):\n1. Ask which city\n2. Open the weather page" in shown
        term.send("accept")
        assert "? Which city?" in term.expect("answer> ")
        term.send("Shanghai")
        assert "-> go_to_url" in term.expect("== done: Shanghai is sunny")
        term.expect("next task (empty line to quit)> ")
        term.send("And Beijing?")
        assert "1. Guess" in term.expect("plan> ")
        term.send("Open the weather page; Read Beijing's row")
        shown = term.expect("== done: Beijing is cloudy")
        assert "plan v2 (edited by you):\n1. Open the weather page\n2. Read Beijing's row" in shown
        term.expect("next task (empty line to quit)> ")
        term.send("")
        term.expect("== session over")
        assert proc.wait(timeout=PATIENCE_S) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # the model heard the person; the conversation kept every word of theirs
    assert "ask me the city first" in str(llm.requests[1]["messages"])
    assert "the person answered: Shanghai" in str(llm.requests[3]["messages"])
    said = abay.session_api.get_messages(bsession.session_id, page_size=100,
                                         filter=MessageFilter(roles=["user"])).data
    assert [(m.type, m.content) for m in said] == [
        ("task", "What is the weather?"), ("user_input", "reject: ask me the city first"),
        ("user_input", "accept"), ("user_input", "Shanghai"), ("task", "And Beijing?"),
        ("user_input", "Open the weather page; Read Beijing's row")]


def test_ctrl_c_stops_the_running_task_and_ends_the_session(agent_server, llm, abay, bsession):
    llm.set_script([call("plan", steps=["Think hard"]), Turn(hold_s=120, tool_calls=[("wait", {"seconds": 0})])])
    env = {**os.environ, "OPENBAY_API_KEY": agent_server.admin_key, "OPENBAY_BASE_URL": agent_server.base_url}
    proc = subprocess.Popen([sys.executable, "-u", "-c", SCRIPT, bsession.session_id, "Think forever"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)
    term = Terminal(proc)
    try:
        term.expect("plan> ")
        term.send("accept")
        term.expect("plan v1 (accepted)")
        deadline = time.monotonic() + 60
        while len(llm.requests) < 2:  # the agent is now waiting for the model
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        term.expect("== interrupted")
        term.expect("== session over")
        assert proc.wait(timeout=PATIENCE_S) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    statuses = abay.session_api.get_messages(bsession.session_id, page_size=100,
                                             filter=MessageFilter(types=["status"])).data
    assert statuses[-1].content == "cancelled"
