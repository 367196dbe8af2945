"""A throwaway PostgreSQL cluster on loopback (Debian's postgresql), for store tests."""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile

from tests.helpers.server import free_port


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else None


def available() -> bool:
    return bool(_bin("initdb") and _bin("pg_ctl"))


@contextlib.contextmanager
def postgres_cluster():
    """Yields a postgresql:// URL of a fresh database; removes the cluster afterwards."""
    root = tempfile.mkdtemp(prefix="obpg-")
    os.chmod(root, 0o755)
    data = os.path.join(root, "data")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    shutil.chown(root, "postgres") if os.geteuid() == 0 else None
    port = free_port()
    subprocess.run([*as_postgres, _bin("initdb"), "-D", data, "-U", "openbay", "--auth=trust",
                    "-E", "UTF8"], check=True, capture_output=True)
    subprocess.run([*as_postgres, _bin("pg_ctl"), "-D", data, "-l", os.path.join(root, "log"), "-w",
                    "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                   check=True, capture_output=True)
    try:
        subprocess.run([*as_postgres, "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "openbay",
                        "openbay"], check=True, capture_output=True)
        yield f"postgresql://openbay@127.0.0.1:{port}/openbay"
    finally:
        subprocess.run([*as_postgres, _bin("pg_ctl"), "-D", data, "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
