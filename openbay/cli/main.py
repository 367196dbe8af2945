"""`openbay`: serve, keys, session, exec, template and gc."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table

from openbay.protocol import CreateSessionParams
from openbay.sdk import OpenBayError
from openbay.sdk.calls import Request, value

from .common import CliError, _call, _client, _pairs, _print_json, err, out
from .gc import gc
from .templates import template


@click.group()
@click.option("--api-key", envvar="OPENBAY_API_KEY", help="default: OPENBAY_API_KEY, else the local admin key")
@click.option("--base-url", envvar="OPENBAY_BASE_URL", help="default: OPENBAY_BASE_URL, else the local server")
@click.pass_context
def cli(ctx: click.Context, api_key: str | None, base_url: str | None) -> None:
    """OpenBay: isolated sessions for AI agents."""
    ctx.obj = {"api_key": api_key, "base_url": base_url}


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8730, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the server (SQLite and sandboxes under OPENBAY_HOME, default ~/.openbay)."""
    from openbay.e2b import mount as mount_e2b  # serve and mcp are the commands that need these
    from openbay.mcp.http import mount as mount_mcp
    from openbay.server.config import Settings
    from openbay.server.main import serve as run_server

    settings = Settings.from_env(host=host, port=port)

    def announce(key: str, home: Path) -> None:
        if settings.bootstrap_key:  # the deployer chose it: no need to show it anywhere
            err.print("Admin API key from OPENBAY_BOOTSTRAP_KEY installed.")
            return
        # never printed: a terminal's scrollback or a log file would keep it
        err.print(f"[bold green]Admin API key written to {home / 'admin_key'}[/bold green] (mode 0600), "
                  "where the CLI and SDK find it.", highlight=False)

    err.print(f"OpenBay serving on http://{host}:{port} (state in {settings.home})")
    def extend(app) -> None:  # what lives above the server layer: the MCP endpoint, E2B's API
        mount_mcp(app)
        mount_e2b(app)

    run_server(settings, on_bootstrap_key=announce, extend=extend)


@cli.command()
@click.pass_context
def mcp(ctx: click.Context) -> None:
    """Serve OpenBay's MCP tools on stdin/stdout (for Claude Desktop, Cursor, any MCP client)."""
    from openbay.mcp.stdio import run as run_mcp

    try:
        run_mcp(api_key=ctx.obj.get("api_key"), base_url=ctx.obj.get("base_url"))
    except OpenBayError as e:
        raise CliError(str(e)) from None


@cli.group()
def keys() -> None:
    """API keys (needs an admin key)."""


@keys.command("create")
@click.option("--name", required=True, help="owner name; a new name makes a new owner")
@click.option("--admin", is_flag=True, help="the key may manage keys")
@click.pass_context
def keys_create(ctx: click.Context, name: str, admin: bool) -> None:
    """Create a key and print it (it is shown only this once)."""
    bay = _client(ctx)
    body = _call(bay._runner.run, value(Request("POST", "/v1/keys", json={"name": name, "admin": admin}),
                                 lambda b: b))
    err.print(f"key {body['key_id']} for owner {body['name']} ({body['owner_id']}):")
    click.echo(body["key"])


@keys.command("list")
@click.pass_context
def keys_list(ctx: click.Context) -> None:
    body = _call(_client(ctx)._runner.run, value(Request("GET", "/v1/keys"), lambda b: b))
    table = Table("key id", "name", "owner", "prefix", "admin", "created", "revoked")
    for k in body["keys"]:
        table.add_row(k["key_id"], k["name"], k["owner_id"], k["prefix"] + "…", str(k["admin"]),
                      k["created_at"][:19], (k["revoked_at"] or "")[:19])
    out.print(table)


@keys.command("revoke")
@click.argument("key_id")
@click.pass_context
def keys_revoke(ctx: click.Context, key_id: str) -> None:
    _call(_client(ctx)._runner.run, value(Request("DELETE", f"/v1/keys/{key_id}"), lambda b: b))
    err.print(f"revoked {key_id}")


@cli.group()
def session() -> None:
    """Sessions: create, list, info, delete."""


@session.command("create")
@click.option("--image", "image_id", default="linux", show_default=True)
@click.option("--label", "labels", multiple=True, help="KEY=VALUE, repeatable")
@click.option("--env", "envs", multiple=True, help="KEY=VALUE, repeatable")
@click.option("--timeout", "timeout_s", default=1800, show_default=True, help="idle lifetime, seconds")
@click.option("--no-network", is_flag=True, help="no network inside the sandbox")
@click.pass_context
def session_create(ctx, image_id, labels, envs, timeout_s, no_network) -> None:
    """Create a session and print its id."""
    try:
        params = CreateSessionParams(image_id=image_id, labels=_pairs(labels, "label"),
                                     envs=_pairs(envs, "env"), timeout_s=timeout_s,
                                     network="none" if no_network else "default")
    except ValueError as e:
        raise CliError(str(e)) from None
    with err.status(f"starting a {image_id} sandbox…"):
        result = _call(_client(ctx).create, params)
    click.echo(result.session.session_id)


@session.command("list")
@click.option("--label", "labels", multiple=True, help="KEY=VALUE filter, repeatable")
@click.option("--all", "show_all", is_flag=True, help="ended sessions too")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def session_list(ctx, labels, show_all, limit, as_json) -> None:
    bay = _client(ctx)
    rows, token = [], None
    while True:  # follow next_token up to --limit rows
        page = _call(bay.list, labels=_pairs(labels, "label"), limit=min(limit - len(rows), 100),
                     next_token=token, status="all" if show_all else None)
        rows += page.sessions
        token = page.next_token
        if not token or len(rows) >= limit:
            break
    if as_json:
        return _print_json([r.model_dump(mode="json") for r in rows])
    table = Table("session id", "image", "status", "labels", "created", "expires")
    for r in rows:
        table.add_row(r.session_id, r.image_id, r.status.value,
                      ",".join(f"{k}={v}" for k, v in r.labels.items()),
                      r.created_at.strftime("%Y-%m-%d %H:%M:%S"), r.expires_at.strftime("%H:%M:%S"))
    out.print(table)
    err.print(f"{len(rows)} of {page.total_count}")


def _session(ctx, session_id: str):
    return _call(_client(ctx).get, session_id).session


@session.command("info")
@click.argument("session_id")
@click.pass_context
def session_info(ctx, session_id: str) -> None:
    _print_json(_call(_session(ctx, session_id).info).model_dump(mode="json"))


@session.command("delete")
@click.argument("session_ids", nargs=-1, required=True)
@click.pass_context
def session_delete(ctx, session_ids: tuple[str, ...]) -> None:
    bay = _client(ctx)
    for sid in session_ids:
        _call(bay.delete, sid)
        err.print(f"deleted {sid}")


@cli.command(name="exec", context_settings={"ignore_unknown_options": True})
@click.argument("session_id")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@click.option("--timeout", "timeout_s", default=600.0, show_default=True, help="seconds")
@click.option("--cwd", default=None)
@click.pass_context
def exec_(ctx, session_id: str, command: tuple[str, ...], timeout_s: float, cwd: str | None) -> None:
    """Run a command in a session, streaming its output: openbay exec SESSION -- CMD ..."""
    import shlex
    line = command[0] if len(command) == 1 else shlex.join(command)
    s = _session(ctx, session_id)

    def write(stream):
        def emit(text: str) -> None:
            stream.write(text)
            stream.flush()
        return emit

    result = _call(s.command.execute_command, line, timeout_ms=int(timeout_s * 1000), cwd=cwd,
                   on_stdout=write(sys.stdout), on_stderr=write(sys.stderr))
    if result.error_message:
        err.print(f"[yellow]{result.error_message}[/yellow]", highlight=False)
    sys.exit(result.exit_code if 0 <= result.exit_code < 256 else 1)


cli.add_command(template)
cli.add_command(gc)


def main() -> None:
    cli(prog_name="openbay")


if __name__ == "__main__":
    main()
