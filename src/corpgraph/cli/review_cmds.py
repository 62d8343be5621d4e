"""Command: ``corpgraph review`` -- the decisions imports leave to a person, and recording them."""

from __future__ import annotations

import click

from ..output import TEXT_FORMATS
from . import cli, emit, format_option, graph_dir_option


@cli.group("review", invoke_without_command=True)
@click.option("--all", "decided", is_flag=True, help="List the proposals already accepted or rejected too.")
@format_option(TEXT_FORMATS, "text")
@graph_dir_option
@click.pass_context
def review(ctx: click.Context, decided: bool, fmt: str, graph_dir: str | None) -> None:
    """List the decisions imports left for a person, with the evidence for each.

    \b
    A proposal is a match a rule found but would not make alone:
      legal-form         the same name in another legal form (ACME LLC, ACME INC),
                         or a national bank beside a holding company's name
      facility-name      a facility of a near name in the same state as another
      record-match       an imported award that may be a hand-curated record
    Accept or reject each by its id; the decision is written to the import's
    decisions file, takes effect in the graph folder at once (all changed files
    written together), and is applied again every time that file is imported.

    \b
    Example:
      corpgraph review --graph my-graph
      corpgraph review accept p1a2b3c4d5 --graph my-graph
    """
    if ctx.invoked_subcommand is not None:
        return
    from .. import review as lib
    from ..output.review import format_proposals

    emit(format_proposals(lib.proposals(graph_dir, decided=decided), fmt))


def _decide(graph_dir: str | None, proposal: str, status: str, fmt: str) -> None:
    from .. import review as lib
    from ..output import to_json

    p = lib.decide(graph_dir, proposal, status)
    if fmt == "json":
        emit(to_json(lib.to_dict(p)))
        return
    effect = (
        "the two stay apart, and imports stop asking"
        if status == "rejected"
        else "the two are linked as one transaction"
        if p.rule == "record-match"
        else f"every record of {p.source_name!r} now names <{p.candidate}>"
    )
    emit(
        f"{p.id}: {status} ({p.rule}: {p.source_name!r} -> <{p.candidate}>), recorded in {p.decisions_file}.\n"
        f"It takes effect now: {effect}; every later import of the file applies it again."
    )


@review.command("accept")
@click.argument("proposal")
@format_option(("text", "json"), "text")
@graph_dir_option
def accept(proposal: str, fmt: str, graph_dir: str | None) -> None:
    """Accept PROPOSAL: the two are one (entities merged, records linked), at once."""
    _decide(graph_dir, proposal, "accepted", fmt)


@review.command("reject")
@click.argument("proposal")
@format_option(("text", "json"), "text")
@graph_dir_option
def reject(proposal: str, fmt: str, graph_dir: str | None) -> None:
    """Reject PROPOSAL: the two stay apart, and imports stop asking."""
    _decide(graph_dir, proposal, "rejected", fmt)
