"""Commands on the graph itself: validate, stats, search, show."""

from __future__ import annotations

import click

from ..errors import NothingFound
from ..output import ROW_FORMATS, TEXT_FORMATS, render_rows
from . import EXIT_ERROR, cli, emit, format_option, graph_options


@cli.command()
@graph_options
@format_option(TEXT_FORMATS, "text")
def validate(source, fmt: str) -> None:
    """Check the graph against its shapes and rules.

    Runs the SHACL shapes of graph/shapes.ttl (every relationship has a source and a
    certainty, amounts are decimals with a currency and amount kind, dates are typed,
    entities have labels, participants have the right class) and the checks SHACL
    cannot make cheaply: references to entities that do not exist, one IRI with two
    labels, records without a quote, unknown cg: terms. Malformed Turtle is reported
    as FILE:LINE:COLUMN.

    \b
    Exit codes: 0 valid, 1 invalid (each failing record is named), 4 cannot run.

    \b
    Example:
      corpgraph validate
      corpgraph validate --graph my-graph/ --format json
    """
    from ..output.validation import format_report
    from ..validate import validate_folder, validate_graph

    if source.store or source.endpoint:
        backend = source.open()
        report = validate_graph(backend.to_graph(), name=backend.location)
    else:
        report = validate_folder(source.graph_dir)
    emit(format_report(report, fmt))
    if not report.conforms:
        raise SystemExit(EXIT_ERROR)


@cli.command()
@graph_options
@format_option(("text", "json", "md"), "text")
def stats(source, fmt: str) -> None:
    """Count what the graph holds: entities by class, records by kind and certainty, sources.

    \b
    Example:
      corpgraph stats
      corpgraph stats --format json | jq .records_by_kind
    """
    from ..describe import graph_stats
    from ..output.card import format_stats

    emit(format_stats(graph_stats(source.open()), fmt))


@cli.command()
@click.argument("text")
@click.option("--limit", "-n", default=20, show_default=True, help="Show at most this many matches.")
@graph_options
@format_option(ROW_FORMATS, "table")
def search(text: str, limit: int, source, fmt: str) -> None:
    """Find entities by name or alias, case- and accent-insensitive, best matches first.

    Exact names rank first, then names starting with TEXT, names with a word starting
    with TEXT, names containing it, and finally similar spellings.

    \b
    Example:
      corpgraph search palantir
      corpgraph search "homeland" --format json
    """
    from ..resolve import EntityIndex

    hits = EntityIndex.from_backend(source.open()).search(text, limit=limit)
    rows = [(h.label, h.type, h.matched if h.matched != h.label else "", h.score, h.iri) for h in hits]
    if hits or fmt != "table":  # machine formats still get valid (empty) data
        emit(render_rows(("label", "type", "matched", "score", "iri"), rows, fmt))
    if not hits:
        raise NothingFound(f"No entity matches {text!r}.")


@cli.command()
@click.argument("entity")
@click.option(
    "--family",
    is_flag=True,
    help="Add the entity's corporate family (ultimate parent and all subsidiaries, through ownership records).",
)
@click.option(
    "--as-of", metavar="DATE", help="With --family: ownership in force on this date (YYYY[-MM[-DD]])."
)
@graph_options
@format_option(TEXT_FORMATS, "text")
def show(entity: str, family: bool, as_of: str | None, source, fmt: str) -> None:
    """Show an entity's card: type, aliases, identifiers and every relationship in and out,
    with amount, date, certainty, quoted evidence and sources.

    ENTITY is an IRI, a slug (aws, ent:aws), a label or an alias ("AWS",
    "Amazon Web Services"). An ambiguous name lists the candidates; an unknown
    name suggests close matches; both exit 1. text and md read as a card; table,
    jsonl, csv and tsv give one row per relationship.

    \b
    Example:
      corpgraph show AWS
      corpgraph show "Citizens Financial Group" --format md > citizens.md
      corpgraph show "GEO Group" --family --as-of 2025
    """
    from ..describe import entity_card, family_card
    from ..output.card import format_card
    from ..resolve import resolve_entity

    backend = source.open()
    iri = resolve_entity(backend, entity)
    sentences = fmt in ("md", "json")  # the other views print no record's sentence
    card = (
        family_card(backend, iri, _as_of(as_of), sentences=sentences)
        if family
        else entity_card(backend, iri, sentences=sentences)
    )
    emit(format_card(card, fmt))


def _as_of(text: str | None):
    from ..dates import parse_as_of

    if not text:
        return None
    try:
        return parse_as_of(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None
