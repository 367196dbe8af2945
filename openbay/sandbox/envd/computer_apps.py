"""Computer ops on applications: installed ones (.desktop entries), start one by command,
list the running ones (those that own a window, and those started here), stop them.
Standard library only (runs inside the sandbox).
"""
import glob
import os
import re
import shlex
import shutil
import signal

from computer import COMPUTER, answer_errors
from computer_windows import list_windows, process_name
from supervisor import Supervised

APP_DIRS = ("/usr/share/applications", os.path.expanduser("~/.local/share/applications"))
MAX_STARTED = 64
_FIELD_CODE = re.compile(r"\s*%[fFuUdDnNickvm]")
_PNAME = re.compile(r"^[A-Za-z0-9_.+-]{1,64}$")
STARTED: dict[int, Supervised] = {}
HIDDEN_APPS = {"x11vnc"}


def read_desktop_entry(path: str) -> dict | None:
    """Name and command of a visible application entry, or None."""
    fields, section = {}, ""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if line.startswith("["):
                    section = line
                elif section == "[Desktop Entry]" and "=" in line:
                    key, _, value = line.partition("=")
                    fields.setdefault(key.strip(), value.strip())
    except OSError:
        return None
    if fields.get("Type") != "Application" or "Exec" not in fields:
        return None
    if fields.get("NoDisplay", "").lower() == "true" or fields.get("Hidden", "").lower() == "true":
        return None
    return {"name": fields.get("Name", os.path.basename(path)),
            "start_cmd": _FIELD_CODE.sub("", fields["Exec"]).strip(),
            "work_directory": fields.get("Path", ""),
            "desktop_file": path}


def installed_apps() -> list[dict]:
    """Entries whose program is installed; not the VNC server's own entry, which would
    listen on a TCP port of the shared host network (the live view needs none)."""
    apps = []
    for directory in APP_DIRS:
        for path in sorted(glob.glob(os.path.join(directory, "*.desktop"))):
            entry = read_desktop_entry(path)
            if entry and _runnable(entry["start_cmd"]):
                apps.append(entry)
    return apps


def _runnable(command: str) -> bool:
    try:
        program = shlex.split(command)[0]
    except (ValueError, IndexError):
        return False
    return bool(shutil.which(program)) and os.path.basename(program) not in HIDDEN_APPS


def process_info(pid: int) -> dict | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None
    return {"pid": pid, "pname": process_name(pid), "cmdline": cmdline}


async def start_app(req: dict) -> list[dict]:
    command = req.get("start_cmd")
    if not isinstance(command, str) or not command.strip() or len(command) > 4096:
        raise ValueError("start_cmd must be a non-empty command of at most 4096 characters")
    cwd = req.get("work_directory") or os.environ.get("HOME", "/")
    if not os.path.isdir(cwd):
        raise ValueError(f"work_directory {cwd!r} does not exist")
    await COMPUTER.ensure_running()
    for pid in [p for p, s in STARTED.items() if not s.running]:
        del STARTED[pid]
    if len(STARTED) >= MAX_STARTED:
        raise ValueError(f"at most {MAX_STARTED} apps started at once; stop some first")
    app = Supervised(shlex.split(command)[0] if command.strip() else "app")
    # through bash, as a user types it; exec so the app itself is the group leader
    await app.start(["/bin/bash", "-c", "exec " + command], env=COMPUTER.env(), cwd=cwd, keep_log=False)
    STARTED[app.pid] = app
    # /proc may still show bash before its exec: report what was asked for
    return [{"pid": app.pid, "pname": os.path.basename(app.name), "cmdline": command}]


async def running_apps() -> list[dict]:
    """Processes that own a window, then those started here that have none (yet)."""
    seen, out = set(), []
    own = COMPUTER.own_pids()
    for window in await list_windows():
        pid = window["pid"]
        if pid and pid not in seen and pid not in own:
            info = process_info(pid)
            if info:
                seen.add(pid)
                out.append(info)
    for pid, app in list(STARTED.items()):
        if app.running and pid not in seen:
            info = process_info(pid)
            if info:
                out.append(info)
    return out


async def stop_apps(req: dict) -> list[int]:
    own = COMPUTER.own_pids()
    if "pid" in req:
        pid = req["pid"]
        if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 1:
            raise ValueError("pid must be a process id above 1")
        targets = [pid]
    else:
        pname = req.get("pname")
        if not isinstance(pname, str) or not _PNAME.match(pname):
            raise ValueError("give pid, or pname as a simple process name")
        targets = [int(d) for d in os.listdir("/proc") if d.isdigit() and process_name(int(d)) == pname]
    targets = [p for p in targets if p not in own]
    if not targets:
        raise LookupError("no such app is running")
    for pid in targets:
        app = STARTED.pop(pid, None)
        if app is not None:
            await app.stop()
            continue
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    return targets


@answer_errors
async def handle_apps(req: dict, reader, reply) -> None:
    action = req.get("action", "installed")
    if action == "installed":
        await reply.json({"apps": installed_apps()})
    elif action == "start":
        await reply.json({"processes": await start_app(req)})
    elif action == "running":
        await reply.json({"processes": await running_apps()})
    elif action == "stop":
        try:
            await reply.json({"stopped": await stop_apps(req)})
        except LookupError as e:
            await reply.json({"error": "not_found", "message": str(e)})
    else:
        raise ValueError(f"unknown apps action {action!r}")


HANDLERS = {"desktop_apps": handle_apps}
