"""The SDK's signatures hold: mypy on openbay/sdk is clean, and a program using both
clients type-checks with the types a reader expects."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

USE = '''
from openbay import AsyncOpenBay, CommandResult, ExecutionResult, OpenBay, SessionInfo
from openbay.sdk import AsyncSession, Session, TaskExecution


def blocking(bay: OpenBay) -> None:
    s: Session = bay.create().session
    out: CommandResult = s.command.execute_command("ls", timeout_ms=5)
    ex: TaskExecution = s.agent.browser.execute_task("x", True)
    done: ExecutionResult = ex.wait(10)
    info: SessionInfo = s.info()


async def awaited(bay: AsyncOpenBay) -> None:
    s: AsyncSession = (await bay.create()).session
    out: CommandResult = await s.command.execute_command("ls", timeout_ms=5)
    done: ExecutionResult = await (await s.agent.browser.execute_task("x")).wait(10)
    info: SessionInfo = await s.info()
'''


def _mypy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mypy", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_mypy_is_clean_on_the_sdk_and_a_program_using_both_clients(tmp_path):
    good = tmp_path / "use.py"
    good.write_text(USE)
    r = _mypy("openbay/sdk", str(good))
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_forgotten_await_is_a_type_error(tmp_path):
    bad = tmp_path / "misuse.py"
    bad.write_text(USE + '''

async def forgot_await(bay: AsyncOpenBay) -> None:
    out: CommandResult = (await bay.create()).session.command.execute_command("ls")
''')
    r = _mypy(str(bad))
    assert r.returncode == 1 and "Coroutine" in r.stdout, r.stdout
