"""Commands: load (bring a local store up to date with a graph folder, or push the folder to an endpoint)."""

from __future__ import annotations

import click

from ..output.numbers import plural
from . import cli, emit, graph_dir_option


@cli.command("load")
@graph_dir_option
@click.option("--store", metavar="PATH", help="Oxigraph store folder to create or refresh.")
@click.option(
    "--endpoint",
    metavar="URL",
    help="SPARQL 1.1 query URL to push the graph to (updates go to the matching update URL, "
    "or $CORPGRAPH_UPDATE_ENDPOINT).",
)
@click.option("--force", is_flag=True, help="Reload every file, even those unchanged since the last load.")
@click.option("--quiet", "-q", is_flag=True, help="No progress messages on stderr.")
def load_cmd(
    graph_dir: str | None, store: str | None, endpoint: str | None, force: bool, quiet: bool
) -> None:
    """Load a graph folder into a persistent store (--store) or a SPARQL endpoint (--endpoint); with
    neither, prepare the cache the other commands answer from (the folder indexed, the entity network
    and name index built), so the next command on a big folder answers at once.

    Each file becomes one named part, so later loads send only the files that changed and imports
    replace one part. Commands given the same --store reopen it without parsing the files again
    (and refresh it themselves when a file changed).

    \b
    Example:
      corpgraph load --graph big-graph/
      corpgraph load --graph big-graph/ --store ~/.cache/corpgraph/big.oxigraph
      corpgraph load --graph big-graph/ --endpoint http://127.0.0.1:7878/query
    """
    from ..backend import load_into

    if store and endpoint:
        raise click.UsageError("Give one of --store PATH or --endpoint URL to load the graph into, not both.")

    def progress(message: str) -> None:
        if not quiet:
            click.echo(message, err=True)

    report = load_into(graph_dir, store, endpoint, force=force, progress=progress)
    if report.target == "memory":
        emit(f"{report.location}: a small folder, parsed on each command; nothing to prepare")
        return
    sent = "sent" if report.target == "endpoint" else "loaded"
    what = f"{plural(len(report.loaded), 'file')} {sent}" if report.loaded else "already up to date"
    emit(
        f"{report.target} {report.location}: {what}; {plural(report.triples, 'triple')}; version {report.version}"
    )
