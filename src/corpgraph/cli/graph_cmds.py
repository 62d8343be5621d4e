"""Commands on the graph itself: validate, stats, search, show."""

from __future__ import annotations

import click

from ..errors import NothingFound
from ..output import ROW_FORMATS, render_rows, to_json
from . import EXIT_ERROR, cli, emit, format_option, graph_options


@cli.command()
@graph_options
@format_option(("text", "json"), "text")
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
    from ..validate import validate_folder, validate_graph

    if source.store or source.endpoint:
        backend = source.open()
        report = validate_graph(backend.to_graph(), name=backend.location)
    else:
        report = validate_folder(source.graph_dir)
    if fmt == "json":
        emit(to_json(report.as_dict()))
    else:
        for p in report.problems:
            where = p.where() or p.focus
            field = f" [{p.field}]" if p.field else ""
            subject = f" {p.focus}" if p.check != "syntax" else ""
            click.echo(f"{where}:{subject}{field} {p.message} ({p.check}, {p.severity})")
        summary = (
            f"{report.graph}: {report.files} files, {report.triples:,} triples, {report.entities:,} entities,"
            f" {report.records:,} records"
        )
        if report.conforms:
            click.echo(f"valid: {summary}")
        else:
            n = sum(1 for p in report.problems if p.severity == "violation")
            click.echo(f"INVALID: {n} problem{'s' if n != 1 else ''} in {summary}")
    if not report.conforms:
        raise SystemExit(EXIT_ERROR)


@cli.command()
@graph_options
@format_option(("text", "json"), "text")
def stats(source, fmt: str) -> None:
    """Count what the graph holds: entities by class, records by kind and certainty, sources.

    \b
    Example:
      corpgraph stats
      corpgraph stats --format json | jq .records_by_kind
    """
    from ..describe import graph_stats, stats_text

    data = graph_stats(source.open())
    emit(to_json(data) if fmt == "json" else stats_text(data))


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
@format_option(("text", "json", "md"), "text")
def show(entity: str, family: bool, as_of: str | None, source, fmt: str) -> None:
    """Show an entity's card: type, aliases, identifiers and every relationship in and out,
    with amount, date, certainty, quoted evidence and sources.

    ENTITY is an IRI, a slug (aws, ent:aws), a label or an alias ("AWS",
    "Amazon Web Services"). An ambiguous name lists the candidates; an unknown
    name suggests close matches; both exit 1.

    \b
    Example:
      corpgraph show AWS
      corpgraph show "Citizens Financial Group" --format md > citizens.md
      corpgraph show "GEO Group" --family --as-of 2025
    """
    from ..describe import card_text, entity_card, family_card
    from ..resolve import resolve_entity

    backend = source.open()
    iri = resolve_entity(backend, entity)
    card = family_card(backend, iri, _as_of(as_of)) if family else entity_card(backend, iri)
    if fmt == "json":
        emit(to_json(card.as_dict()))
    else:
        emit(card_text(card, markdown=fmt == "md"))


def _as_of(text: str | None):
    from ..dates import parse_as_of

    if not text:
        return None
    try:
        return parse_as_of(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None
