"""envd's `process.Process` service (spec/envd/process/process.proto) on the process table."""
from __future__ import annotations

import asyncio

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from .processes import START_READER, Event, Process, ProcessTable
from .proto import process_pb2 as pb
from .rpc import current, service_app

KEEPALIVE_HEADER = "keepalive-ping-interval"


def forget_ended(state, live: dict) -> None:
    """Drop what the adapter kept for sessions that have ended (their processes, watchers, contexts)."""
    for kept in (state.e2b_processes, state.e2b_watchers, state.e2b_contexts, state.e2b_chart_hooks):
        for session_id in [s for s in kept if s not in live]:
            gone = kept.pop(session_id)
            if isinstance(gone, ProcessTable):
                gone.close()


async def _table(target) -> ProcessTable:
    sandbox = await target.sandbox()
    tables: dict = target.app.state.e2b_processes
    table = tables.get(target.session_id)
    if table is None or table.envd is not sandbox.envd:  # a new sandbox under this id (restarted server)
        forget_ended(target.app.state, target.services.sessions.live)
        table = tables[target.session_id] = ProcessTable(sandbox.envd)
    return table


async def _find(selector: pb.ProcessSelector) -> tuple[ProcessTable, Process]:
    table = await _table(current.get())
    which = selector.WhichOneof("selector")
    proc = table.find(tag=selector.tag) if which == "tag" else table.find(pid=selector.pid)
    if proc is None or proc.ended:  # envd forgets a process once it has ended
        name = f"tag {selector.tag!r}" if which == "tag" else f"pid {selector.pid}"
        raise ConnectError(Code.NOT_FOUND, f"process with {name} not found")
    return table, proc


def _event(ev: Event) -> pb.ProcessEvent:
    if ev.kind == "end":
        end = pb.ProcessEvent.EndEvent(exit_code=ev.exit_code, exited=ev.exit_code >= 0,
                                       status=f"exit status {ev.exit_code}")
        if ev.error:
            end.error = ev.error
        return pb.ProcessEvent(end=end)
    return pb.ProcessEvent(data=pb.ProcessEvent.DataEvent(**{ev.kind: ev.data}))


async def _events(proc: Process, reader, ctx):
    """The process's events as E2B streams them, with keepalives while it is quiet."""
    interval = ctx.request_headers.get(KEEPALIVE_HEADER, "")
    interval_s = float(interval) if interval.isdigit() and int(interval) > 0 else None
    follow = proc.follow(reader)
    pending = None
    try:
        while True:
            pending = pending or asyncio.ensure_future(anext(follow))
            done, _ = await asyncio.wait([pending], timeout=interval_s)
            if not done:
                yield pb.ProcessEvent(keepalive=pb.ProcessEvent.KeepAlive())
                continue
            try:
                ev = pending.result()
            except StopAsyncIteration:
                return
            pending = None
            yield _event(ev)
    finally:
        if pending is not None:
            pending.cancel()
        await follow.aclose()


def _config(proc: Process) -> pb.ProcessConfig:
    config = pb.ProcessConfig(cmd=proc.cmd, args=proc.args, envs=proc.envs)
    if proc.cwd:
        config.cwd = proc.cwd
    return config


async def start(req: pb.StartRequest, ctx):
    table = await _table(current.get())
    cfg = req.process
    pty = None
    if req.HasField("pty"):
        pty = (req.pty.size.cols or 80, req.pty.size.rows or 24)
    proc = await table.start(cfg.cmd, list(cfg.args), dict(cfg.envs), cfg.cwd if cfg.HasField("cwd") else "",
                             tag=req.tag if req.HasField("tag") else None,
                             stdin=req.stdin if req.HasField("stdin") else False, pty=pty, timeout_ms=None)
    try:  # the Start stream's place is held from the process's first event
        yield pb.StartResponse(event=pb.ProcessEvent(start=pb.ProcessEvent.StartEvent(pid=proc.pid)))
        async for event in _events(proc, START_READER, ctx):
            yield pb.StartResponse(event=event)
    finally:
        proc.release(START_READER)


async def connect(req: pb.ConnectRequest, ctx):
    _, proc = await _find(req.process)
    reader = proc.watch()  # from now on, as E2B's connect streams
    try:
        yield pb.ConnectResponse(event=pb.ProcessEvent(start=pb.ProcessEvent.StartEvent(pid=proc.pid)))
        async for event in _events(proc, reader, ctx):
            yield pb.ConnectResponse(event=event)
    finally:
        proc.release(reader)


async def list_processes(req: pb.ListRequest, ctx) -> pb.ListResponse:
    table = await _table(current.get())
    return pb.ListResponse(processes=[
        pb.ProcessInfo(config=_config(p), pid=p.pid, **({"tag": p.tag} if p.tag else {}))
        for p in table.running()])


async def send_input(req: pb.SendInputRequest, ctx) -> pb.SendInputResponse:
    table, proc = await _find(req.process)
    which = req.input.WhichOneof("input")
    await table.write_stdin(proc, getattr(req.input, which) if which else b"")
    return pb.SendInputResponse()


async def stream_input(requests, ctx) -> pb.StreamInputResponse:
    table = proc = None
    async for req in requests:
        which = req.WhichOneof("event")
        if which == "start":
            table, proc = await _find(req.start.process)
        elif which == "data":
            if proc is None:
                raise ConnectError(Code.INVALID_ARGUMENT, "the input stream starts with the process it is for")
            kind = req.data.input.WhichOneof("input")
            await table.write_stdin(proc, getattr(req.data.input, kind) if kind else b"")
    return pb.StreamInputResponse()


async def send_signal(req: pb.SendSignalRequest, ctx) -> pb.SendSignalResponse:
    table, proc = await _find(req.process)
    names = {pb.SIGNAL_SIGKILL: "KILL", pb.SIGNAL_SIGTERM: "TERM"}
    if req.signal not in names:
        raise ConnectError(Code.INVALID_ARGUMENT, "the signal is SIGTERM or SIGKILL")
    await table.signal(proc, names[req.signal])
    return pb.SendSignalResponse()


async def close_stdin(req: pb.CloseStdinRequest, ctx) -> pb.CloseStdinResponse:
    table, proc = await _find(req.process)
    await table.close_stdin(proc)
    return pb.CloseStdinResponse()


async def update(req: pb.UpdateRequest, ctx) -> pb.UpdateResponse:
    table, proc = await _find(req.process)
    if req.HasField("pty"):
        await table.resize(proc, req.pty.size.cols, req.pty.size.rows)
    return pb.UpdateResponse()


def process_app():
    return service_app(pb.DESCRIPTOR.services_by_name["Process"], {
        "List": list_processes, "Connect": connect, "Start": start, "Update": update,
        "StreamInput": stream_input, "SendInput": send_input, "SendSignal": send_signal,
        "CloseStdin": close_stdin})
