"""Host-side views of one sandbox, for tests: its processes (by the cgroup that names it)
and the TCP ports listening in its own network namespace."""
import os


def _in_sandbox(pid: str, session_id: str) -> bool:
    try:
        with open(f"/proc/{pid}/cgroup") as f:
            return any(line.rstrip().endswith("/" + session_id) for line in f)
    except OSError:
        return False


def sandbox_pids(session_id: str, name: str | None = None) -> list[int]:
    """Host pids of the sandbox's processes (those called `name`, when given)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if not _in_sandbox(pid, session_id):
            continue
        if name is not None:
            try:
                with open(f"/proc/{pid}/comm") as f:
                    if not f.read().strip().startswith(name[:15]):
                        continue
            except OSError:
                continue
        found.append(int(pid))
    return found


def listening_tcp_ports(session_id: str) -> list[str]:
    """Local addresses of TCP sockets listening inside the sandbox's network namespace."""
    pids = sandbox_pids(session_id)
    found = []
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pids[0]}/net/{table}") as f:
                found += [cols[1] for cols in (line.split() for line in list(f)[1:]) if cols[3] == "0A"]
        except (OSError, IndexError):
            pass
    return found
