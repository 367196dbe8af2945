"""Many clients at once: 100 concurrent clients (10 owners, 20 sessions) run 20 commands each
against one `openbay serve`, and every one of the 2000 commands answers right."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from openbay import CreateSessionParams, NotFoundError, OpenBay, OpenBayError
from tests.helpers.server import process_server
from tests.helpers.waiting import PATIENCE_S

CLIENTS, COMMANDS, OWNERS, SESSIONS_PER_OWNER = 100, 20, 10, 2


def test_100_concurrent_clients_times_20_commands_without_an_error(tmp_path):
    with process_server(tmp_path) as (server, _):
        keys = [server.new_owner_key(f"owner{i}") for i in range(OWNERS)]
        sessions = []  # (key, session id)
        for key in keys:
            with OpenBay(api_key=key, base_url=server.base_url) as bay:
                for _ in range(SESSIONS_PER_OWNER):
                    r = bay.create(CreateSessionParams(labels={"chaos": "clients"}))
                    sessions.append((key, r.session.session_id))
        start = threading.Barrier(CLIENTS)

        def client(n: int) -> list[str]:
            key, session_id = sessions[n % len(sessions)]
            errors = []
            with OpenBay(api_key=key, base_url=server.base_url) as bay:
                session = bay.get(session_id).session
                start.wait(PATIENCE_S)
                for j in range(COMMANDS):
                    try:
                        r = session.command.execute_command(f"echo c{n}-{j}")
                    except OpenBayError as e:
                        errors.append(f"client {n} command {j}: {e}")
                        continue
                    if r.exit_code != 0 or r.output != f"c{n}-{j}\n":
                        errors.append(f"client {n} command {j}: exit {r.exit_code} {r.error_message or r.output!r}")
            return errors

        with ThreadPoolExecutor(CLIENTS) as pool:
            errors = [e for found in pool.map(client, range(CLIENTS)) for e in found]
        assert errors == []
        for key, session_id in sessions:
            with OpenBay(api_key=key, base_url=server.base_url) as bay:
                bay.delete(session_id)
                with pytest.raises(NotFoundError):
                    bay.get(session_id)
