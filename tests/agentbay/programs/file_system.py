"""Written the way AgentBay's example common-features/basics/file_system/
file_system_comprehensive_example.py is (its calls one by one), with the file transfer and
watch_directory calls of file_transfer_example.py and watch_directory_example.py; only the
import names OpenBay. Every check that fails prints a ❌ line."""
import os
import tempfile
import threading

from openbay.agentbay import AgentBay, CreateSessionParams


def check(ok, what):
    print(("✅ " if ok else "❌ ") + what)


def main():
    agent_bay = AgentBay(api_key=os.getenv("AGENTBAY_API_KEY"))
    session_result = agent_bay.create(CreateSessionParams(image_id="linux_latest"))
    session = session_result.session
    print(f"Session created with ID: {session.session_id}")
    try:
        fs = session.file_system
        test_content = "This is a test file content.\nIt has multiple lines.\nThis is the third line."
        check(fs.write_file("/tmp/test_file.txt", test_content, "overwrite").success, "write_file")
        check(fs.read_file("/tmp/test_file.txt").content == test_content, "read_file gives it back")
        check(fs.write_file("/tmp/test_file.txt", "\nThis is an appended line.", "append").success, "append")
        check(fs.read_file("/tmp/test_file.txt").content.endswith("appended line."), "the appended line is there")
        check(fs.create_directory("/tmp/test_directory").success, "create_directory")
        result = fs.list_directory("/tmp")
        for entry in result.entries:
            entry_type = "Directory" if entry.is_directory else "File"
            print(f"  - {entry.name} ({entry_type})")
        kinds = {e.name: e.is_directory for e in result.entries}
        check(kinds.get("test_directory") is True and kinds.get("test_file.txt") is False,
              "list_directory entries are objects with name and is_directory")
        info = fs.get_file_info("/tmp/test_file.txt")
        for key, value in info.file_info.items():
            print(f"  - {key}: {value}")
        check(info.success and info.is_file and not info.is_directory and info.size > 0, "get_file_info")
        edits = [{"oldText": "This is the third line.", "newText": "This line has been edited."}]
        check(fs.edit_file("/tmp/test_file.txt", edits).success, "edit_file")
        edited = fs.read_file("/tmp/test_file.txt").content
        check(fs.move_file("/tmp/test_file.txt", "/tmp/test_directory/moved_file.txt").success, "move_file")
        check(fs.read_file("/tmp/test_directory/moved_file.txt").content == edited, "content preserved after move")
        for name, text in (("report_january.txt", "SEARCHABLE"), ("report_february.txt", "no"),
                           ("summary_2025.txt", "SEARCHABLE"), ("data_file.csv", "csv")):
            fs.write_file(f"/tmp/test_directory/{name}", text, "overwrite")
        found = fs.search_files("/tmp/test_directory", "*report*")
        check(sorted(os.path.basename(m) for m in found.matches) == ["report_february.txt", "report_january.txt"],
              f"search_files *report*: {found.matches}")
        paths = [f"/tmp/test_directory/{n}" for n in ("report_january.txt", "summary_2025.txt")]
        many = fs.read_multiple_files(paths)
        check(many.success and many.contents == {p: "SEARCHABLE" for p in paths}, "read_multiple_files")
        large_content = ("This is a line of test content for large file testing. " * 20) * 500
        check(fs.write_file("/tmp/large_file_default.txt", large_content).success, "write a 560 KB file")
        check(fs.read_file("/tmp/large_file_default.txt").content == large_content, "read it back whole")

        # file_transfer_example.py: upload_file / download_file through the file system
        with tempfile.TemporaryDirectory() as tmp:
            local = os.path.join(tmp, "upload.bin")
            with open(local, "wb") as f:
                f.write(os.urandom(300_000))
            up = fs.upload_file(local, "/tmp/upload.bin")
            check(up.success and up.bytes_sent == 300_000, f"upload_file: {up.error_message}")
            back = os.path.join(tmp, "download.bin")
            down = fs.download_file("/tmp/upload.bin", back)
            check(down.success and open(back, "rb").read() == open(local, "rb").read(), "download_file")

        # watch_directory_example.py: a thread that reports changes until stop_event is set
        fs.create_directory("/tmp/watch_test")
        events, seen = [], threading.Event()

        def on_change(batch):
            events.extend(batch)
            if any(e.event_type == "create" for e in batch):
                seen.set()

        stop_event = threading.Event()
        watcher = fs.watch_directory("/tmp/watch_test", on_change, 1.0, stop_event)
        watcher.start()
        for i in range(60):  # a new file each second until the watcher, whenever it starts, sees one
            fs.write_file(f"/tmp/watch_test/new-{i}.txt", "a change")
            if seen.wait(1):
                break
        stop_event.set()
        watcher.join(10)
        check(any(e.event_type == "create" and "/tmp/watch_test/new-" in e.path for e in events),
              f"watch_directory saw a new file: {events[:3]}")
    finally:
        delete_result = agent_bay.delete(session)
        print(f"Session deleted successfully. Request ID: {delete_result.request_id}")
    print("✅ File system example completed")


if __name__ == "__main__":
    main()
