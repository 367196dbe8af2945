"""session.command, file_system (fs) and code as AgentBay documents them."""
from openbay.agentbay import BinaryFileContentResult, BoolResult, CommandResult, FileContentResult
from tests.helpers.waiting import PATIENCE_S, wait_for


def test_command_run_cwd_envs_and_failures(ab_session):
    r = ab_session.command.execute_command("echo $GREETING; pwd", timeout_ms=10_000, cwd="/tmp",
                                           envs={"GREETING": "hello"})
    assert isinstance(r, CommandResult) and r.success and r.exit_code == 0
    assert r.stdout == "hello\n/tmp\n" and r.output == r.stdout and r.stderr == ""
    bad = ab_session.command.run("echo out; echo err >&2; exit 3")
    assert not bad.success and bad.exit_code == 3 and bad.stdout == "out\n" and bad.stderr == "err\n"
    assert bad.output == "out\nerr\n" and bad.error_message
    slow = ab_session.command.exec("sleep 5", timeout_ms=300)
    assert not slow.success and "timed out" in slow.error_message


def test_file_system_calls_and_names(ab_session, tmp_path):
    fs = ab_session.file_system
    assert ab_session.fs is fs and ab_session.filesystem is fs and ab_session.files is fs
    w = fs.write_file("/home/user/notes/a.txt", "line 1\n")
    assert isinstance(w, BoolResult) and w.success and w.data is True
    assert fs.write_file("/home/user/notes/a.txt", "line 2\n", mode="append").success
    text = fs.read_file("/home/user/notes/a.txt")
    assert isinstance(text, FileContentResult) and text.content == "line 1\nline 2\n"
    assert fs.read("/home/user/notes/a.txt").content == text.content
    fs.write_file("/home/user/notes/b.bin", "\x00\x01")
    blob = fs.read_file("/home/user/notes/b.bin", format="bytes")
    assert isinstance(blob, BinaryFileContentResult) and blob.content == b"\x00\x01" and blob.size == 2
    names = {e["name"]: e for e in fs.list_directory("/home/user/notes").entries}
    assert set(names) == {"a.txt", "b.bin"} and names["a.txt"]["isDirectory"] is False
    assert [e["name"] for e in fs.ls("/home/user/notes").entries] == sorted(names)
    info = fs.get_file_info("/home/user/notes/a.txt")
    assert info.success and info.file_info["size"] == 14 and not info.file_info["isDirectory"]
    assert fs.create_directory("/home/user/notes/sub").success
    assert fs.move_file("/home/user/notes/b.bin", "/home/user/notes/sub/c.bin").success
    assert fs.search_files("/home/user/notes", "*.bin").matches == ["/home/user/notes/sub/c.bin"]
    assert fs.edit_file("/home/user/notes/a.txt", [{"oldText": "x", "newText": "y"}] and
                        [{"old_text": "line 1", "new_text": "first"}]).success
    both = fs.read_multiple_files(["/home/user/notes/a.txt", "/home/user/notes/sub/c.bin"])
    assert both.success and both.contents["/home/user/notes/a.txt"] == "first\nline 2\n"
    assert fs.rm("/home/user/notes/sub/c.bin").success and fs.delete_file("/home/user/notes/a.txt").success
    missing = fs.read_file("/home/user/notes/a.txt")
    assert not missing.success and "not found" in missing.error_message

    local = tmp_path / "up.txt"
    local.write_text("uploaded")
    seen = []
    up = fs.upload_file(str(local), "/home/user/up.txt", progress_cb=seen.append)
    assert up.success and up.bytes_sent == 8 and seen[-1] == 8
    down = fs.download_file("/home/user/up.txt", str(tmp_path / "down.txt"))
    assert down.success and (tmp_path / "down.txt").read_text() == "uploaded"
    kept = fs.download_file("/home/user/up.txt", str(tmp_path / "down.txt"), overwrite=False)
    assert not kept.success and "exists" in kept.error_message


def test_watch_directory_thread(ab_session):
    import threading

    fs = ab_session.file_system
    fs.create_directory("/home/user/watched")
    seen, stop = [], threading.Event()
    thread = fs.watch_directory("/home/user/watched", seen.extend, interval=0.1, stop_event=stop)
    thread.start()
    assert thread.ready_event.wait(PATIENCE_S)  # its first look is taken: what follows is a change
    fs.write_file("/home/user/watched/new.txt", "x")
    wait_for(lambda: seen, what="the watch to report")
    stop.set()
    thread.join(PATIENCE_S)
    assert ("create", "/home/user/watched/new.txt") in [(e.event_type, e.path) for e in seen]
    assert not thread.is_alive()


def test_code_runs_python_and_javascript(ab_session):
    r = ab_session.code.run_code("x = 20\nx + 22", "python")
    assert r.success and r.result == "42" and r.error is None
    assert ab_session.code.run("print(x)", "PYTHON").logs.stdout == ["20\n"]
    js = ab_session.code.run_code("console.log('js'); 1 + 1", "js")
    assert js.success and js.result == "2" and js.logs.stdout == ["js\n"]
    err = ab_session.code.run_code("1/0", "python")
    assert not err.success and err.error.name == "ZeroDivisionError" and "ZeroDivisionError" in err.error_message
    other = ab_session.code.run_code("1", "cobol")
    assert not other.success and "python, javascript, r and java" in other.error_message
    # R and Java are kernels of the code image: a linux session says where they are
    missing = ab_session.code.run_code("1", "R")
    assert not missing.success and "not installed" in missing.error_message and "code image" in missing.error_message


def test_run_code_with_stream_beta_calls_back_while_the_cell_runs(ab_session):
    # the cell goes on only once the callback, given its first line, has written the file
    code = ("import os, time\nprint('first')\n"
            "while not os.path.exists('/tmp/ab-streamed'):\n    time.sleep(0.05)\nprint('second')")
    seen = []

    def on_stdout(text):
        seen.append(text)
        if text == "first\n":
            ab_session.file_system.write_file("/tmp/ab-streamed", "go")

    r = ab_session.code.run_code(code, "python", timeout_s=60, stream_beta=True, on_stdout=on_stdout)
    assert r.success and seen == ["first\n", "second\n"], (r, seen)
    assert r.logs.stdout == ["first\nsecond\n"]
