"""Commands: map (an interactive offline HTML map) and export (data files, figures, fact lists).

Both take the same selection options: the whole graph by default, or --focus/--depth, --family,
--path, --query, narrowed by --kinds, --min-certainty and --as-of.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from ..certainty import CERTAINTY_ORDER
from ..export import EXPORTERS
from . import cli, graph_options


def selection_options(fn: Callable) -> Callable:
    """The subgraph selection shared by map and export."""

    @click.option(
        "--focus",
        multiple=True,
        metavar="ENTITY",
        help="Keep this entity and its neighbourhood (repeatable).",
    )
    @click.option(
        "--family",
        multiple=True,
        metavar="ENTITY",
        help="Keep this entity's whole corporate family (ultimate parent and every subsidiary, through "
        "ownership records in force on --as-of) and its neighbourhood, members marked (repeatable).",
    )
    @click.option(
        "--depth",
        type=click.IntRange(0, 10),
        default=1,
        show_default=True,
        help="Hops around each --focus entity (and each --family member).",
    )
    @click.option(
        "--path",
        nargs=2,
        metavar="A B",
        default=None,
        help="Keep the paths between two entities (as `corpgraph paths` finds them), highlighted.",
    )
    @click.option(
        "--max-hops", type=click.IntRange(1, 8), default=4, show_default=True, help="Longest --path."
    )
    @click.option(
        "--query",
        "query_name",
        metavar="FILE_OR_NAME",
        help="Keep what a query returns: a CONSTRUCT, or a SELECT of entities or records.",
    )
    @click.option(
        "--param",
        "-p",
        "params",
        nargs=2,
        multiple=True,
        metavar="NAME VALUE",
        help="A parameter of --query (repeatable).",
    )
    @click.option(
        "--kinds",
        multiple=True,
        metavar="KIND[,KIND]",
        help="Only these relationship kinds, e.g. Contract,CreditFacility (repeatable).",
    )
    @click.option(
        "--min-certainty",
        type=click.Choice(CERTAINTY_ORDER),
        default=None,
        help="Only claims at least this certain.",
    )
    @click.option(
        "--as-of", metavar="DATE", help="Only relationships in force on this date (YYYY[-MM[-DD]])."
    )
    @functools.wraps(fn)
    def wrapper(
        *args: Any,
        focus,
        family,
        depth,
        path,
        max_hops,
        query_name,
        params,
        kinds,
        min_certainty,
        as_of,
        **kwargs: Any,
    ) -> Any:
        from ..dates import parse_as_of

        try:
            day = parse_as_of(as_of) if as_of else None
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--as-of") from None
        selection = dict(
            focus=tuple(focus),
            family=tuple(family),
            depth=depth,
            path=tuple(path) if path else None,
            max_hops=max_hops,
            query=query_name,
            query_params=dict(params),
            kinds=tuple(k.strip() for group in kinds for k in group.split(",") if k.strip()),
            min_certainty=min_certainty,
            as_of=day,
        )
        if params and not query_name:
            raise click.UsageError("--param needs --query")
        return fn(*args, selection=selection, **kwargs)

    return wrapper


@cli.command("map")
@selection_options
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False),
    metavar="FILE.html",
    help="Where to write the map.",
)
@click.option("--title", help="Title over the map (default: the selection).")
@click.option("--caption", help="Caption under the title (default: counts and how to read the map).")
@click.option("--credit", help="Credit line at the foot of the map.")
@click.option(
    "--size-by",
    default="money",
    show_default=True,
    metavar="KIND",
    help="What node size and line width show: one amount kind (obligated, creditLine...; 'money' picks "
    "obligations when present, else the commonest kind; kinds are never added) or 'degree'.",
)
@click.option("--embed", is_flag=True, help="Lay the page out to fill an iframe.")
@click.option(
    "--story",
    "story_file",
    metavar="FILE.md",
    help="Step readers through the map: a story file of '## ' steps, each highlighting entities and "
    "records (see templates/story-aws-ice.md).",
)
@click.option(
    "--layout",
    "layout_file",
    metavar="FILE.json",
    help="Draw entities where a saved layout puts them (the map's Save layout button), so a "
    "published map keeps its shape between graph versions; new entities settle around them.",
)
@click.option(
    "--timeline",
    "with_timeline",
    is_flag=True,
    help="Add a timeline of the map's records (statements above deeds, dates as precise as recorded); "
    "click a record to see it on the map.",
)
@graph_options
def map_command(
    source, selection, output, title, caption, credit, size_by, embed, story_file, layout_file, with_timeline
) -> None:
    """Write an interactive map of the graph, or part of it, as one offline HTML file.

    The page needs no network: open it from disk, mail it, or embed it in an iframe. Colours and
    shapes show entity types, dashed lines weak claims (likely, alleged, denied). One line per tie
    (all records of one kind between two entities); click it for the sortable list of its records.
    Node size and line width show one amount kind (--size-by), named in the legend. Hover or click
    for amounts per kind, dates, certainty, quotes, notes and sources.

    \b
    Example:
      corpgraph map -o map.html
      corpgraph map --focus ICE --depth 2 --min-certainty reported -o ice.html
      corpgraph map --path "Citizens Financial Group" "GEO Group" -o path.html
      corpgraph map --focus ICE --size-by obligated -o ice-obligations.html
      corpgraph map --story templates/story-aws-ice.md -o aws-ice-story.html
      corpgraph map --focus ICE --layout ice-layout.json -o ice.html
      corpgraph map --focus Amazon --timeline -o amazon-timeline.html
    """
    from ..render import read_layout, write_map
    from ..subgraph import select_subgraph

    layout = read_layout(layout_file) if layout_file else None  # a bad file fails before any work
    backend = source.open()
    sub = select_subgraph(backend, **selection)
    story: dict = {}
    if story_file:  # resolved before anything is written: a bad story leaves no map behind
        from ..story import read_story, story_document

        story["story"] = story_document(read_story(story_file), sub, backend)
    if with_timeline:
        from ..timeline import timeline, timeline_document

        story["timeline"] = timeline_document(timeline(sub, backend))
    write_map(
        sub,
        output,
        title=title,
        caption=caption,
        credit=credit,
        size_by=size_by,
        embed=embed,
        layout=layout,
        **story,
    )
    for note in sub.notes:
        click.echo(f"Note: {note}", err=True)
    click.echo(
        f"Wrote {output}: {sub.counts()} ({sub.selection.describe()}; graph version {sub.version}).", err=True
    )


@cli.command("export")
@selection_options
@click.option(
    "--format", "-f", "fmt", type=click.Choice(tuple(EXPORTERS)), required=True, help="Export format."
)
@click.option(
    "--output",
    "-o",
    default="-",
    show_default=True,
    metavar="PATH",
    help="File to write; a folder or .zip for csv; '-' for stdout (text formats).",
)
@click.option("--title", help="Title of the figure, fact list or map.")
@click.option(
    "--size-by",
    default="money",
    show_default=True,
    metavar="KIND",
    help="gexf, svg, png, html: what node size shows (an amount kind, 'money' or 'degree'; see map).",
)
@click.option(
    "--per-record",
    is_flag=True,
    help="graphml, gexf: one edge per record instead of one per tie (all records of one kind between two entities).",
)
@click.option(
    "--layout",
    "layout_file",
    metavar="FILE.json",
    help="html: draw entities where a saved layout puts them (see map --layout).",
)
@graph_options
def export_command(source, selection, fmt, output, title, size_by, per_record, layout_file) -> None:
    """Export the graph, or part of it, for publication or other tools.

    \b
    Formats:
      ttl, jsonld, nt  the records, sources, entities and ontology terms, as RDF
      graphml, gexf    for Gephi and Cytoscape: one edge per tie with its record count, date
                       range, totals per amount kind, certainty, sources (--per-record: one per record)
      csv              nodes.csv and edges.csv (with sources) in a folder or a .zip
      svg, png         a print-ready figure with legend and credit (Graphviz)
      md               an article-ready fact list: a sentence per record, a footnote per source,
                       quotes, money table
      txt              the same fact list as plain text, for email
      timeline-csv     the selection's records in time order, one row each, dates at their precision
      timeline-svg, timeline-png
                       a print timeline: statements above deeds on one time axis
      html             the interactive map, laid out for an iframe

    Every format names the graph version and the selection it came from.

    \b
    Example:
      corpgraph export -f md --focus "GEO Group" -o geo-facts.md
      corpgraph export -f csv --kinds Contract -o contracts.zip
      corpgraph export -f ttl --path AWS ICE > aws-ice.ttl
    """
    from ..export import export_subgraph
    from ..subgraph import select_subgraph

    if layout_file and fmt != "html":
        raise click.UsageError("--layout applies to --format html")
    layout = None
    if layout_file:  # a bad file fails before any work
        from ..render import read_layout

        layout = read_layout(layout_file)
    backend = source.open()
    sub = select_subgraph(backend, **selection)
    options: dict[str, Any] = {"title": title} if title and EXPORTERS[fmt].titled else {}
    if layout:
        options["layout"] = layout
    if fmt in ("gexf", "svg", "png", "html") and size_by != "money":
        options["size_by"] = size_by
    if per_record:
        if fmt not in ("graphml", "gexf"):
            raise click.UsageError("--per-record applies to --format graphml and gexf")
        options["per_record"] = True
    where = export_subgraph(sub, backend, fmt, output, **options)
    for note in sub.notes:
        click.echo(f"Note: {note}", err=True)
    if where != "-":
        click.echo(
            f"Wrote {where} ({fmt}): {sub.counts()} "
            f"({sub.selection.describe()}; graph version {sub.version}).",
            err=True,
        )
