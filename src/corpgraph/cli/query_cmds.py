"""Commands that ask the graph: query, queries, paths, money."""

from __future__ import annotations

import click

from ..certainty import CERTAINTY_ORDER
from ..output import QUERY_FORMATS, TEXT_FORMATS, render_rows, to_json
from . import cli, emit, format_option, graph_options


@cli.command()
@click.argument("query", required=False, metavar="[NAME|FILE.rq]")
@click.option("-e", "--expr", metavar="SPARQL", help="Run this SPARQL text instead of a named query or file.")
@click.option(
    "-p",
    "--param",
    "params",
    nargs=2,
    multiple=True,
    metavar="NAME VALUE",
    help="Bind a query parameter (repeatable). Entity parameters take a name, alias or IRI.",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(QUERY_FORMATS),
    default=None,
    help="Output format. SELECT/ASK: table (default), json (SPARQL 1.1 results JSON), jsonl, csv, "
    "tsv, md. CONSTRUCT/DESCRIBE: turtle (default) or json-ld.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Keep at most N rows of a SELECT (default: the first 100 in a table, 10,000 in other "
    "formats); the rest are counted, and stderr says 'showing N of M rows'.",
)
@click.option("--all", "all_rows", is_flag=True, help="Keep every row of a SELECT, however many.")
@graph_options
def query(
    query: str | None,
    expr: str | None,
    params: tuple[tuple[str, str], ...],
    fmt: str | None,
    limit: int | None,
    all_rows: bool,
    source,
) -> None:
    """Run a SPARQL query: a named query of the library, a .rq file, or inline text with -e.

    Queries are read-only and offline: SPARQL Update, SERVICE and FROM / FROM NAMED are
    refused before any engine sees the query (exit 1). A query that does not parse is
    reported with its line and column. Parameters are bound, never pasted into the text.
    Common prefixes (cg:, ent:, rec:, src:, rdfs:, schema:, dcterms: ...) need no declaration.

    \b
    Example:
      corpgraph query contractors-of --param agency ICE
      corpgraph query paid-by -p agency DHS --format csv
      corpgraph query -e 'SELECT ?e ?l WHERE { ?e a cg:System ; rdfs:label ?l }'
      corpgraph query my-question.rq --format md
    """
    from ..output.answers import default_format, format_answer
    from ..query import DEFAULT_ROW_LIMIT, TABLE_PAGE_ROWS, load_query, run_query

    if bool(expr) == bool(query):
        raise click.UsageError("Give a query NAME or FILE, or inline SPARQL with -e, but not both.")
    if all_rows and limit is not None:
        raise click.UsageError("Give --limit N or --all, not both.")
    target = expr if expr else load_query(str(query))
    # a table is read on a screen: its first page, unless asked for more; data formats keep more
    default_limit = TABLE_PAGE_ROWS if fmt in (None, "table") else DEFAULT_ROW_LIMIT
    max_rows = None if all_rows else (default_limit if limit is None else limit)
    answer = run_query(source.open(), target, dict(params), max_rows=max_rows)
    if fmt is None:
        fmt = default_format(answer.kind)
    emit(format_answer(answer, fmt))
    if answer.outcome.truncated:
        click.echo(
            f"showing {len(answer.outcome.rows):,} of {answer.outcome.total:,} rows "
            "(--limit N for another number, --all for every row)",
            err=True,
        )


@cli.command()
@format_option(TEXT_FORMATS, "text")
def queries(fmt: str) -> None:
    """List the named queries of the library: name, title, description, parameters and defaults.

    \b
    Example:
      corpgraph queries
      corpgraph queries --format json
    """
    from ..query import list_queries

    library = list_queries()
    if fmt == "json":
        emit(
            to_json(
                [
                    {
                        "name": q.name,
                        "title": q.title,
                        "description": q.description,
                        "params": [
                            {
                                "name": p.name,
                                "type": p.type,
                                "default": p.default,
                                "description": p.description,
                            }
                            for p in q.params
                        ],
                        "examples": q.examples,
                    }
                    for q in library
                ]
            )
        )
        return
    rows = [
        [
            q.name,
            q.title,
            ", ".join(
                f"{p.name} ({p.type}{', default ' + repr(p.default) if p.default is not None else ''})"
                for p in q.params
            ),
        ]
        for q in library
    ]
    if fmt != "text":
        emit(render_rows(["name", "title", "parameters"], rows, fmt))
        return
    lines = []
    for q in library:
        lines.append(f"{q.name}: {q.title}")
        if q.description:
            lines.append(f"    {q.description}")
        for p in q.params:
            default = f" [default: {p.default}]" if p.default is not None else " [optional]"
            lines.append(f"    --param {p.name} ({p.type}){default} {p.description}")
        for ex in q.examples:
            lines.append(f"    e.g. {ex}")
        lines.append("")
    emit("\n".join(lines))


@cli.command()
@click.argument("entity_a", metavar="A")
@click.argument("entity_b", metavar="B")
@click.option(
    "--max-hops", default=4, show_default=True, type=click.IntRange(1, 8), help="Longest path, in hops."
)
@click.option("--via", multiple=True, metavar="ENTITY", help="Only paths through this entity (repeatable).")
@click.option(
    "--avoid", multiple=True, metavar="ENTITY", help="Only paths that avoid this entity (repeatable)."
)
@click.option(
    "--kinds",
    metavar="KIND[,KIND...]",
    help="Only these relationship kinds, e.g. hosting,contract,'credit facility'.",
)
@click.option(
    "--max-paths",
    default=20,
    show_default=True,
    type=click.IntRange(1, 10000),
    help="Show at most this many paths (a note says when results were cut).",
)
@click.option(
    "--as-of", metavar="DATE", help="Only relationships in force on this date (YYYY, YYYY-MM or YYYY-MM-DD)."
)
@click.option("--min-certainty", type=click.Choice(CERTAINTY_ORDER), help="Skip hops less certain than this.")
@click.option(
    "--time-budget",
    default=2.0,
    show_default=True,
    type=float,
    help="Stop searching after this many seconds.",
)
@click.option(
    "--soft",
    "--all-kinds",
    "soft",
    is_flag=True,
    help="Also walk soft ties (statements, pledges, sector membership, events; cg:softTie in the ontology).",
)
@click.option(
    "--records", is_flag=True, help="List every record of every hop (date, amount, award ID, sources)."
)
@click.option(
    "--family",
    is_flag=True,
    help="Paths from any member of A's corporate family to any member of B's (ownership records; "
    "--as-of applies to them), each path naming its member and why it is in the family.",
)
@graph_options
@format_option(TEXT_FORMATS, "text")
def paths(
    entity_a: str,
    entity_b: str,
    max_hops: int,
    via: tuple[str, ...],
    avoid: tuple[str, ...],
    kinds: str | None,
    max_paths: int,
    as_of: str | None,
    min_certainty: str | None,
    time_budget: float,
    soft: bool,
    records: bool,
    family: bool,
    source,
    fmt: str,
) -> None:
    """Show the distinct sourced paths between two entities, fewest hops and most certain first.

    Relationships are followed in either direction; each hop shows its true direction
    (AWS —hosts→ ICM ←uses— ICE), its certainty and its sources. Paths never run through
    classes, literals or shared sources: only through relationship records. A hop is a tie:
    all records of one kind between two entities, summarised (number of records, totals per
    amount kind, date range); --records lists them. Business and money ties are walked;
    --soft adds statements, pledges, sector membership and events; --kinds picks kinds.
    --family starts and ends at any member of either end's corporate family.

    \b
    Exit codes: 0 paths found, 3 no path within the limits, 1 unknown entity.

    \b
    Example:
      corpgraph paths AWS ICE
      corpgraph paths Citizens "GEO Group" --max-hops 2 --format md
      corpgraph paths AWS ICE --avoid Palantir --min-certainty reported
      corpgraph paths CoreCivic ICE --max-hops 1 --records
      corpgraph paths "GEO Group" ICE --family --max-hops 1
    """
    from ..dates import parse_as_of
    from ..output.paths import format_paths
    from ..paths import paths_between

    day = None
    if as_of:
        try:
            day = parse_as_of(as_of)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--as-of") from None
    kind_list = [k.strip() for k in kinds.split(",") if k.strip()] if kinds else None
    g, result = paths_between(
        source.open(),
        entity_a,
        entity_b,
        via=via,
        avoid=avoid,
        kinds=kind_list,
        max_hops=max_hops,
        min_certainty=min_certainty,
        as_of=day,
        max_paths=max_paths,
        time_budget=time_budget,
        soft=soft,
        family=family,
    )
    if result.note and fmt not in ("text", "md"):  # the prose views carry the note themselves
        click.echo("Note: " + result.note, err=True)
    emit(format_paths(g, result, fmt, records=records))


@cli.command()
@click.argument("entity")
@click.option(
    "--with-subagencies",
    is_flag=True,
    help="Add the money of the agencies below it (cg:Subdivision records), each flow marked.",
)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    metavar="KIND",
    help="Only this kind of amount, e.g. creditLine or 'contract value' (repeatable).",
)
@click.option(
    "--family",
    is_flag=True,
    help="Add the money of its corporate family (parent and subsidiaries through ownership records), each flow marked.",
)
@click.option(
    "--as-of", metavar="DATE", help="With --family: ownership in force on this date (YYYY[-MM[-DD]])."
)
@graph_options
@format_option(TEXT_FORMATS, "text")
def money(
    entity: str,
    with_subagencies: bool,
    kinds: tuple[str, ...],
    family: bool,
    as_of: str | None,
    source,
    fmt: str,
) -> None:
    """Show the money flowing to and from an entity, by counterparty and kind, with sources.

    Totals are per kind of amount (contract value, obligated, credit line, bond issue,
    payment...) and never add different kinds together. Years are US federal fiscal
    years for USD money paid by government bodies, else calendar years. A system's
    cost is reported for the system, never as income of the company that hosts it.
    table, jsonl, csv and tsv give one row per record.

    \b
    Example:
      corpgraph money "AT&T"
      corpgraph money DHS --with-subagencies --format md
      corpgraph money Citizens --format csv
      corpgraph money "Citizens Bank" --family
    """
    from ..dates import parse_as_of
    from ..money import money_of
    from ..output.money import format_money

    try:
        day = parse_as_of(as_of) if as_of else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None
    report = money_of(
        source.open(),
        entity,
        with_units=with_subagencies,
        kinds=list(kinds) or None,
        with_family=family,
        as_of=day,
    )
    emit(format_money(report, fmt))
