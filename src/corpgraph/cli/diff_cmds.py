"""Command: diff (what changed between two versions of the graph, for the editor)."""

from __future__ import annotations

import click

from ..errors import EXIT_CANNOT_RUN, EXIT_USAGE, CorpgraphError
from ..output.diff import DIFF_FORMATS
from . import cli, emit, format_option, graph_dir_option

EXIT_SAME, EXIT_DIFFERENT, EXIT_TROUBLE = 0, 1, EXIT_USAGE  # as diff(1): 0 same, 1 different, 2 trouble


class DiffTrouble(CorpgraphError):
    """An error in a diff's data or request: exit 2, as diff(1) does, since 1 means 'changed'."""

    exit_code = EXIT_TROUBLE


@cli.command("diff")
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option(
    "--since",
    metavar="FILE",
    help="Compare from the graph version a published map or export names (its version stamp), "
    "found among the git revisions of the graph folder; OLD is then not given.",
)
@click.option("--no-money", is_flag=True, help="Leave out the money totals that moved (faster).")
@graph_dir_option
@format_option(DIFF_FORMATS, "text")
def diff_command(old, new, since, no_money, graph_dir, fmt) -> None:
    """Show what changed between two versions of the graph: records, entities and sources added,
    removed and changed (field by field, with both values and the sources), and the money totals
    that moved per entity and amount kind (kinds are never added together).

    OLD and NEW are each a graph folder, a store (store:PATH, or a store folder), or a git revision
    of the graph folder: git:REV (the --graph folder as it was in REV: git:HEAD, git:HEAD~3, git:v1.0)
    or git:REV:PATH (the folder PATH of the repository of the current directory). Revisions are read
    from git's objects into a temporary folder: the work tree is never touched. NEW defaults to the
    graph folder in use.

    --since FILE reads the graph version a map or export was made from (corpgraph-map.html, a
    Markdown fact list, a CSV .zip...), finds the revision of the graph folder with that version and
    compares it with NEW: does the published piece need an update?

    \b
    Exit codes follow diff(1): 0 nothing changed, 1 something changed,
    2 trouble (bad input: an unknown revision, malformed Turtle, a file that
    names no version; or a usage error), 4 cannot run (a missing folder or store, no git).

    \b
    Example:
      corpgraph diff git:HEAD                 # what the work tree changed since the last commit
      corpgraph diff git:v1.0 git:HEAD --format md
      corpgraph diff old-graph/ new-graph/ --format json
      corpgraph diff --since corpgraph-map.html
    """
    from ..graphdiff import diff_snapshots, find_version, open_snapshot, version_stamp
    from ..output.diff import format_diff
    from ..store import resolve_graph_dir

    if since and new:
        raise click.UsageError("with --since give at most one folder or revision (NEW)")
    if since:
        new = old
    elif not old:
        raise click.UsageError("give OLD (and NEW, or the graph folder in use is compared), or --since FILE")
    try:
        if since:
            stamp = version_stamp(since)
            found = find_version(graph_dir, stamp)
            if found.is_current:
                click.echo(
                    f"{since} was made from graph version {stamp}: the graph folder as it is now.", err=True
                )
                old = str(resolve_graph_dir(graph_dir))
            else:
                click.echo(f"{since} was made from graph version {stamp}: revision {found.commit}.", err=True)
                old = f"git:{found.commit}"
        new = new or str(resolve_graph_dir(graph_dir))
        with open_snapshot(old, graph_dir) as before, open_snapshot(new, graph_dir) as after:
            result = diff_snapshots(before, after, with_money=not no_money)
    except CorpgraphError as exc:
        if exc.exit_code == EXIT_CANNOT_RUN:
            raise
        raise DiffTrouble(str(exc)) from exc
    emit(format_diff(result, fmt))
    if since:
        from ..output.diff import counts_line

        verdict = f"may need an update: {counts_line(result)}" if result.changed else "needs no update."
        click.echo(f"{since} {verdict}", err=True)
    raise SystemExit(EXIT_DIFFERENT if result.changed else EXIT_SAME)
