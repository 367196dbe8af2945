"""`python -m tests.kubernetes.fake_apiserver DIR [--port N] [--namespace NS]... [--history N] [--agent-sandbox]`:
the fake cluster in the foreground; prints `ready KUBECONFIG` once it answers; SIGTERM stops it
and every pod's sandbox."""
import argparse
import asyncio
import signal
import socket
import sys
from pathlib import Path

from .server import serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="fake_apiserver")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--namespace", action="append", default=[])
    parser.add_argument("--history", type=int, default=1000, help="changes kept for watches that resume")
    parser.add_argument("--agent-sandbox", action="store_true", help="serve agent-sandbox's custom resources")
    args = parser.parse_args()
    if not args.port:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            args.port = s.getsockname()[1]
    args.directory.mkdir(parents=True, exist_ok=True)

    async def run() -> None:
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await serve(args.directory, args.port, args.namespace or ["openbay-sessions"], args.agent_sandbox,
                    lambda path: print(f"ready {path}", flush=True), stop, args.history)
    asyncio.run(run())
    sys.exit(0)


if __name__ == "__main__":
    main()
