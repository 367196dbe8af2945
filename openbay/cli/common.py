"""What every `openbay` command shares: the client, error exits, output."""
from __future__ import annotations

import json

import click
from rich.console import Console

from openbay.sdk import OpenBay, OpenBayError

out = Console()
err = Console(stderr=True)


class CliError(click.ClickException):
    def show(self, file=None) -> None:
        err.print(f"[red]error:[/red] {self.message}", highlight=False)


def _pairs(items: tuple[str, ...], what: str) -> dict[str, str]:
    result = {}
    for item in items:
        key, sep, val = item.partition("=")
        if not sep or not key:
            raise CliError(f"{what} {item!r} must look like KEY=VALUE")
        result[key] = val
    return result


def _client(ctx: click.Context) -> OpenBay:
    try:
        return OpenBay(api_key=ctx.obj.get("api_key"), base_url=ctx.obj.get("base_url"))
    except OpenBayError as e:
        raise CliError(str(e)) from None


def _call(fn, *args, **kwargs):
    """Run an SDK call; turn its failure into a clean exit 1."""
    try:
        return fn(*args, **kwargs)
    except OpenBayError as e:
        raise CliError(str(e)) from None


def _print_json(obj) -> None:
    click.echo(json.dumps(obj, indent=2, default=str))
