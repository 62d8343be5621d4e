"""The timeline of a selection (``corpgraph.timeline``) as a CSV of dated records and as a print figure.

``timeline-csv``: one row per record (start, end, precision, kind, from, to, amount and its kind,
certainty, sources, record IRI, and the sentence).  Cells pass ``output.escape.spreadsheet_cell``.

``timeline-svg`` / ``timeline-png``: statements and pledges above, deeds below, on one time axis.  A
record's bar spans what its date means (a month-dated record its month, a year-dated one its year; a
day is a dot), so precision shows; an undated record is a hollow diamond at its source's date.  The
figure is Graphviz DOT with every position fixed, drawn by ``export.figure.draw`` (as the network
figure is), so SVG and PNG show the same picture.  Data strings reach DOT only inside HTML-like labels
through the package's HTML escaper.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from ..backend import Backend
from ..errors import ExportError
from ..output.escape import spreadsheet_cell
from ..output.numbers import money
from ..output.sentences import date_words
from ..render import DENIED_COLOUR, WEAK_CERTAINTY
from ..subgraph import Subgraph
from ..timeline import DID, LANE_LABELS, SAID, TimelineEntry, timeline
from .common import SEP
from .figure import _h, _short, draw

COLUMNS = (
    "start",
    "end",
    "precision",
    "first_day",
    "last_day",
    "reported_by",
    "lane",
    "kind",
    "from",
    "to",
    "amount",
    "currency",
    "amount_kind",
    "certainty",
    "sources",
    "record",
    "sentence",
)
TIMELINE_LIMIT = 400  # rows a print figure can hold and still be read


def rows(entries: list[TimelineEntry]) -> list[dict[str, object]]:
    return [
        {
            "start": e.start or "",
            "end": e.end or "",
            "precision": e.precision,
            "first_day": e.first_day,
            "last_day": e.last_day,
            "reported_by": e.reported_by or "",
            "lane": e.lane,
            "kind": e.kind,
            "from": SEP.join(e.frm),
            "to": SEP.join(e.to),
            "amount": "" if e.amount is None else e.amount,
            "currency": e.currency or "",
            "amount_kind": e.amount_kind or "",
            "certainty": e.certainty or "",
            "sources": SEP.join(e.sources),
            "record": e.record,
            "sentence": e.sentence,
        }
        for e in entries
    ]


def to_timeline_csv(sub: Subgraph, backend: Backend) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows(timeline(sub, backend)):
        w.writerow({k: spreadsheet_cell(str(v)) for k, v in r.items()})
    return buf.getvalue().encode("utf-8")


# -- the print figure -------------------------------------------------------------------------------

AXIS_WIDTH = 900.0  # points
ROW = 15.0
LABEL_WIDTH = 560.0
LEFT = 20.0


def _x(day: dt.date, first: dt.date, last: dt.date) -> float:
    total = max((last - first).days, 1)
    return LEFT + AXIS_WIDTH * (day - first).days / total


def build_timeline_dot(sub: Subgraph, entries: list[TimelineEntry], title: str | None = None) -> str:
    """The figure as DOT text with pinned positions (points, y upwards as Graphviz has it)."""
    if not entries:
        raise ExportError(
            "the selection has no dated records (and no sources with a date): no timeline to draw"
        )
    if len(entries) > TIMELINE_LIMIT:
        raise ExportError(
            f"the selection has {len(entries):,} records: too many for a print timeline (at most "
            f"{TIMELINE_LIMIT:,}). Narrow it with --focus/--depth, --kinds or --as-of, or export timeline-csv."
        )
    firsts = [dt.date.fromisoformat(e.first_day) for e in entries]
    lasts = [dt.date.fromisoformat(e.last_day) + dt.timedelta(days=1) for e in entries]
    first = dt.date(min(firsts).year, 1, 1)
    last = dt.date(max(lasts).year + (0 if max(lasts) == dt.date(max(lasts).year, 1, 1) else 1), 1, 1)
    lanes = [(lane, [e for e in entries if e.lane == lane]) for lane in (SAID, DID)]
    lanes = [(lane, es) for lane, es in lanes if es]
    n_rows = len(entries) + 2 * len(lanes)
    top = n_rows * ROW + 30
    out = [
        "digraph timeline {",
        '  graph [pad="0.3", outputorder="edgesfirst", fontname="Helvetica"];',
        '  node [fontname="Helvetica", fontsize="9", margin="0"];',
        '  edge [dir="none", arrowhead="none"];',
    ]
    n = 0

    def node(attrs: str) -> str:
        nonlocal n
        n += 1
        out.append(f"  n{n} [{attrs}];")
        return f"n{n}"

    # the axis: a dotted line and a label for every year
    for year in range(first.year, last.year + 1):
        x = _x(dt.date(year, 1, 1), first, last)
        a = node(f'shape="point", width="0.01", style="invis", pos="{x:.1f},{top:.1f}!"')
        b = node(f'shape="point", width="0.01", style="invis", pos="{x:.1f},0!"')
        out.append(f'  {a} -> {b} [style="dotted", color="#bbbbbb"];')
        node(f'shape="plaintext", label="{year}", fontsize="10", pos="{x:.1f},{top + 12:.1f}!"')
    y = top - ROW
    for lane, es in lanes:
        node(
            f'shape="plaintext", label=<<B>{_h(LANE_LABELS[lane])}</B>>, fontsize="11", '
            f'pos="{LEFT + 150:.1f},{y:.1f}!"'
        )
        y -= ROW
        for e in es:
            x1 = _x(dt.date.fromisoformat(e.first_day), first, last)
            x2 = _x(dt.date.fromisoformat(e.last_day) + dt.timedelta(days=1), first, last)
            colour = DENIED_COLOUR if e.certainty == "denied" else ("#d62728" if lane == SAID else "#1f77b4")
            style = "dashed" if e.certainty in WEAK_CERTAINTY else "filled"
            if not e.dated:  # placed at its source's date, hollow
                node(
                    f'shape="diamond", width="0.13", height="0.13", fixedsize="true", label="", '
                    f'color="{colour}", style="{"dashed" if style == "dashed" else "solid"}", '
                    f'pos="{(x1 + x2) / 2:.1f},{y:.1f}!"'
                )
            elif e.precision == "day":
                node(
                    f'shape="circle", width="0.1", fixedsize="true", label="", style="{style}", '
                    f'color="{colour}", fillcolor="{colour}", pos="{x1:.1f},{y:.1f}!"'
                )
            else:
                width = max(x2 - x1, 2.0)
                node(
                    f'shape="box", width="{width / 72:.3f}", height="0.11", fixedsize="true", label="", '
                    f'style="{style}", color="{colour}", fillcolor="{colour}", pos="{(x1 + x2) / 2:.1f},{y:.1f}!"'
                )
            text = _label(e)
            right = x2 + 6 + LABEL_WIDTH <= LEFT + AXIS_WIDTH + 40
            cx = x2 + 6 + LABEL_WIDTH / 2 if right else x1 - 6 - LABEL_WIDTH / 2
            align = "LEFT" if right else "RIGHT"
            node(
                f'shape="plaintext", label=<<TABLE BORDER="0" CELLPADDING="0" CELLSPACING="0"><TR>'
                f'<TD WIDTH="{LABEL_WIDTH:.0f}" HEIGHT="11" FIXEDSIZE="TRUE" ALIGN="{align}">{_h(text)}</TD>'
                f'</TR></TABLE>>, tooltip="{_h(e.record)}", pos="{cx:.1f},{y:.1f}!"'
            )
            y -= ROW
        y -= ROW
    node(f'shape="plaintext", label={_caption(sub, title)}, pos="{LEFT + AXIS_WIDTH / 2:.1f},{y - 40:.1f}!"')
    out.append("}")
    return "\n".join(out) + "\n"


def _label(e: TimelineEntry) -> str:
    text = e.sentence or f"{', '.join(e.frm)} {e.kind_label} {', '.join(e.to)}"
    if not e.dated:
        text = f"(undated; reported {date_words(e.reported_by or '')}) {text}"
    if e.amount is not None and not e.sentence:
        text += f" {money(e.amount, e.currency)}"
    return _short(text, 105)


def _caption(sub: Subgraph, title: str | None) -> str:
    prov = sub.provenance()
    title = title or f"Timeline: {prov['selection']}"
    lines = [
        f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="15"><B>{_h(title)}</B></FONT></TD></TR>',
        '<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="10">Each bar spans what its date means: a record dated to a '
        "month spans the month, one dated to a year the year; a dot is a day. Hollow diamonds: no date "
        "given, placed at the date of the source. Dashed: likely or alleged; red outline: denied.</FONT></TD></TR>",
    ]
    sources = sub.sources()
    src_text = "; ".join(s.get("title") or s["iri"] for s in sources[:3])
    if len(sources) > 3:
        src_text += f"; and {len(sources) - 3} more"
    lines.append(
        f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="#444444">{_h(prov["credit"])}. '
        f"Sources: {_h(src_text or 'none')}.</FONT></TD></TR>"
    )
    lines.append(
        f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="#444444">Graph version {_h(prov["graph_version"])}'
        f" · selection: {_h(prov['selection'])} · {_h(prov['generator'])}</FONT></TD></TR>"
    )
    return '<<TABLE BORDER="0" CELLSPACING="2" CELLPADDING="1">' + "".join(lines) + "</TABLE>>"


def _figure(sub: Subgraph, backend: Backend, fmt: str, title: str | None) -> bytes:
    return draw(build_timeline_dot(sub, timeline(sub, backend), title).encode("utf-8"), fmt)


def to_timeline_svg(sub: Subgraph, backend: Backend, title: str | None = None) -> bytes:
    return _figure(sub, backend, "svg", title)


def to_timeline_png(sub: Subgraph, backend: Backend, title: str | None = None) -> bytes:
    return _figure(sub, backend, "png", title)


__all__ = ["COLUMNS", "build_timeline_dot", "to_timeline_csv", "to_timeline_png", "to_timeline_svg"]
