"""`openbay gc`: list, and with --yes remove, the sandboxes of this machine no server owns."""
from __future__ import annotations

import asyncio

import click

from .common import CliError, err, out


@click.command()
@click.option("--yes", is_flag=True, help="remove what is listed (without it, only list)")
def gc(yes: bool) -> None:
    """Sandboxes whose server's state folder is gone (and that server with it): their containers,
    network namespaces, firewall chains, mounts, cgroups and kept disks. A sandbox root of a
    server that still has its state folder, or still runs, is never touched."""
    from openbay.server.orphans import candidate_roots, find_orphans, remove  # the machine's, not a server's

    try:
        orphans = find_orphans()
        unknown = candidate_roots(owned=False)
    except PermissionError as e:
        raise CliError(f"{e}: run as the user the servers run as (root)") from None
    if unknown:
        err.print(f"{len(unknown)} sandbox roots record no owner (made before owners were recorded), left alone: "
                  + " ".join(map(str, unknown)), highlight=False)
    if not orphans:
        out.print("No orphaned sandboxes.")
        return
    for o in orphans:
        out.print(f"[bold]{o.root}[/bold] (owned by {', '.join(o.state_dirs)}: gone)", highlight=False)
        for label, items in (("sandboxes", o.sandboxes), ("network namespaces", o.network_namespaces),
                             ("firewall chains", o.firewall_chains), ("mounts", o.mounts),
                             ("cgroups", o.cgroups), ("kept disks", o.kept_disks)):
            if items:
                out.print(f"  {label}: {' '.join(items)}", highlight=False)
    if not yes:
        err.print(f"{len(orphans)} orphaned sandbox roots; `openbay gc --yes` removes them.")
        return
    for o in orphans:
        asyncio.run(remove(o))
        out.print(f"removed {o.root}", highlight=False)
