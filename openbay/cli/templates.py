"""`openbay template`: build, import, list and delete an owner's own images."""
from __future__ import annotations

import shlex

import click
from rich.table import Table

from openbay.sdk.templates import TemplateBuildError

from .common import CliError, _call, _client, _pairs, _print_json, err, out


@click.group()
def template() -> None:
    """Your own images: built from one of OpenBay's, or imported from an OCI archive."""


@template.command("build")
@click.argument("name")
@click.option("--from", "from_image", default="linux", show_default=True, help="the image to start from")
@click.option("--apt", multiple=True, help="Debian package, repeatable")
@click.option("--pip", multiple=True, help="Python package, repeatable")
@click.option("--npm", multiple=True, help="npm package (installed globally), repeatable")
@click.option("--copy", "copies", multiple=True, help="LOCAL:DEST, a file or directory put at DEST, repeatable")
@click.option("--run", "runs", multiple=True, help="a shell command run as root, repeatable, in order")
@click.option("--env", "envs", multiple=True, help="KEY=VALUE every session of it gets, repeatable")
@click.option("--mcp", "mcps", multiple=True, help="NAME=COMMAND, an MCP server (stdio) its sessions run, repeatable")
@click.pass_context
def template_build(ctx, name, from_image, apt, pip, npm, copies, runs, envs, mcps) -> None:
    """Build NAME, showing the build log as it runs."""
    pairs = []
    for item in copies:
        local, sep, dest = item.rpartition(":")
        if not sep or not local or not dest.startswith("/"):
            raise CliError(f"--copy {item!r} must look like LOCAL:/absolute/dest")
        pairs.append((local, dest))
    bay = _client(ctx)
    try:
        servers = {k: shlex.split(v) for k, v in _pairs(mcps, "--mcp").items()}
        info = bay.template.build(name, from_image=from_image, apt=apt, pip=pip, npm=npm, copy=pairs, run=runs,
                                  env=_pairs(envs, "--env"), mcp_servers=servers,
                                  on_log=lambda line: err.print(line, highlight=False, markup=False))
    except TemplateBuildError as e:
        raise CliError(f"build failed: {e.message.splitlines()[0]}") from None
    except FileNotFoundError as e:
        raise CliError(str(e)) from None
    out.print(f"built [bold]{info.name}[/bold] ({info.size_bytes / 2**20:.0f} MiB, {info.layers} layers)")


@template.command("import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option("--name", required=True, help="the template's name")
@click.pass_context
def template_import(ctx, archive, name) -> None:
    """Import an OCI image archive (docker save, podman save, skopeo copy oci-archive:)."""
    info = _call(_client(ctx).template.import_archive, archive, name)
    out.print(f"imported [bold]{info.name}[/bold] ({info.size_bytes / 2**20:.0f} MiB)")


@template.command("list")
@click.pass_context
def template_list(ctx) -> None:
    table = Table("name", "from", "kind", "size", "description")
    for t in _call(_client(ctx).template.list):
        table.add_row(t.name, "(built-in)" if t.builtin else (t.parent or ""), t.kind,
                      f"{t.size_bytes / 2**20:.0f} MiB", t.description)
    out.print(table)


@template.command("info")
@click.argument("name")
@click.pass_context
def template_info(ctx, name) -> None:
    _print_json(_call(_client(ctx).template.get, name).model_dump())


@template.command("delete")
@click.argument("name")
@click.pass_context
def template_delete(ctx, name) -> None:
    _call(_client(ctx).template.delete, name)
    out.print(f"deleted {name}")
