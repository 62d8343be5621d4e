"""Paths between two entities (``corpgraph.paths.PathResult``) in every format.

``text`` and ``md`` read as numbered paths with one line per hop (its tie summarised) and its sources;
``--records`` lists every record of every hop; ``json`` is the whole result; ``table``, ``jsonl``,
``csv`` and ``tsv`` give one row per hop.  With ``--family`` each path names the members it starts
and ends at and why they are in the family.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..paths import labeller
from . import render_rows, to_json
from .escape import md, md_link, terminal
from .numbers import plural
from .sources import source_text, source_urls
from .ties import period_text, record_amount, tie_summary

if TYPE_CHECKING:
    import networkx as nx

    from ..paths import Hop, Path, PathResult


def hop_arrow(g: nx.MultiDiGraph, hop: Hop) -> str:
    """``—hosts→`` for a hop walked along its direction, ``←uses—`` against it, ``—partners with—``."""
    if hop.symmetric:
        return f"—{hop.label}—"
    return f"—{hop.label}→" if hop.forward else f"←{hop.label}—"


def path_line(g: nx.MultiDiGraph, path: Path) -> str:
    label = labeller(g)
    parts = [label(path.nodes[0])]
    for hop in path.hops:
        parts += [hop_arrow(g, hop), label(hop.target)]
    return " ".join(parts)


def hop_sentence(g: nx.MultiDiGraph, hop: Hop) -> str:
    """The hop as a sentence in its true direction, with its tie summarised: 'U.S. Immigration and
    Customs Enforcement contracts CoreCivic: 18 records, obligated FY2025 $305.8M, 2024-10 to 2025-09'."""
    label = labeller(g)
    text = f"{label(hop.subject)} {hop.label} {label(hop.object)}"
    summary = tie_summary(hop.data)
    return f"{text}: {summary}" if summary else text


def record_line(rec: str, d: dict) -> str:
    """One record of a tie: date, amount, award ID, certainty and sources."""
    bits = [d.get("date") or period_text(d.get("start"), d.get("end")) or "undated"]
    if d.get("amount") is not None or d.get("amount_text"):
        bits.append(record_amount(d))
    if d.get("award_id"):
        bits.append(f"award {d['award_id']}")
    bits.append(f"[{d.get('certainty')}]")
    return " ".join(bits) + f" <{rec}>"


def member_lines(g: nx.MultiDiGraph, result: PathResult, path: Path) -> list[str]:
    """With ``--family``: which member of which family each end of the path is, and why it counts
    ('starts at B.I. INCORPORATED, in the family of GEO Group: owned by ...'); nothing for an end
    that is the entity asked about."""
    label = labeller(g)
    out = []
    for word, end, asked in (
        ("starts", path.nodes[0], result.source),
        ("ends", path.nodes[-1], result.target),
    ):
        m = result.member(end)
        if m is not None and end != asked:
            out.append(f"{word} at {label(end)}, in the family of {label(asked)}: {m.why()}")
    return out


def _member_dict(result: PathResult, end: str, asked: str) -> dict | None:
    m = result.member(end)
    if m is None:
        return None
    return {
        "iri": m.entity,
        "label": m.label,
        "family_of": asked,
        "is_asked": end == asked,
        "why": m.why(),
        "owner": m.owner,
        "record": m.record,
        "certainty": m.certainty,
    }


SOURCES_SHOWN = 3  # sources listed per hop before "and N more" (``--records`` lists every record)


def _hop_records(g: nx.MultiDiGraph, hop: Hop) -> list[tuple[str, dict]]:
    records = g.graph.get("records") if "records" in g.graph else g
    return [(r, _record_data(records, hop, r)) for r in hop.records]


def _record_data(records: nx.MultiDiGraph, hop: Hop, rec: str) -> dict:
    u, v = (hop.source, hop.target) if hop.forward else (hop.target, hop.source)
    data = records.get_edge_data(u, v, rec) or records.get_edge_data(v, u, rec)
    return data or {}


def render_text(g: nx.MultiDiGraph, result: PathResult, *, records: bool = False) -> str:
    label = labeller(g)
    ends = "the corporate families of " if result.family else ""
    lines = [
        f"{plural(len(result.paths), 'path')} from {ends}{label(result.source)} "
        f"to {'those of ' if ends else ''}{label(result.target)} (up to {plural(result.max_hops, 'hop')}"
        + ("" if result.soft else "; soft ties left out, --soft adds them")
        + ")"
    ]
    if result.note:
        lines.append("Note: " + result.note)
    for i, p in enumerate(result.paths, 1):
        lines.append("")
        lines.append(f"{i}. [{plural(p.length, 'hop')}, least certain: {p.min_certainty}] " + path_line(g, p))
        lines += [f"   {line}" for line in member_lines(g, result, p)]
        for hop in p.hops:
            lines.append(f"   - {hop_sentence(g, hop)} [{hop.certainty}]")
            if hop.count == 1:  # the notes of a tie of many records are listed with them (--records)
                for note in hop.data.get("notes") or ():
                    lines.append(f"     note: {note}")
            for other in hop.also:
                lines.append(f"     also: {hop_sentence(g, other)} [{other.certainty}]")
            if records:
                for rec, d in _hop_records(g, hop):
                    lines.append(f"     record: {record_line(rec, d)}")
                    if d.get("note"):
                        lines.append(f"       note: {d['note']}")
                    for s in d.get("sources") or []:
                        lines.append(f"       source: {source_text(s)}")
                continue
            srcs = hop.data.get("sources") or []
            for s in srcs[:SOURCES_SHOWN]:
                lines.append(f"     source: {source_text(s)}")
            if len(srcs) > SOURCES_SHOWN:
                lines.append(
                    f"     ... and {plural(len(srcs) - SOURCES_SHOWN, 'more source')} (--records lists every record)"
                )
    return terminal("\n".join(lines) + "\n")


def render_md(g: nx.MultiDiGraph, result: PathResult, *, records: bool = False) -> str:
    label = labeller(g)
    esc = md

    def src_links(srcs) -> str:
        return "; ".join(
            md_link(s.get("title") or s.get("iri"), s.get("url")) if s.get("url") else md(source_text(s))
            for s in srcs
        )

    lines = [f"## Paths from {esc(label(result.source))} to {esc(label(result.target))}", ""]
    if result.note:
        lines += [f"> {esc(result.note)}", ""]
    for i, p in enumerate(result.paths, 1):
        lines.append(
            f"{i}. **{esc(path_line(g, p))}** ({plural(p.length, 'hop')}, least certain: {esc(p.min_certainty)})"
        )
        lines += [f"    - *{esc(line)}*" for line in member_lines(g, result, p)]
        for hop in p.hops:
            srcs = hop.data.get("sources") or []
            more = f" and {len(srcs) - SOURCES_SHOWN} more" if len(srcs) > SOURCES_SHOWN else ""
            lines.append(
                f"    - {esc(hop_sentence(g, hop))} — *{esc(hop.certainty)}* — {src_links(srcs[:SOURCES_SHOWN])}{more}"
            )
            for other in hop.also:
                lines.append(f"        - also: {esc(hop_sentence(g, other))} — *{esc(other.certainty)}*")
            if records:
                for rec, d in _hop_records(g, hop):
                    lines.append(
                        f"        - {esc(record_line(rec, d))} — {src_links(d.get('sources') or [])}"
                    )
    return "\n".join(lines) + "\n"


def to_dict(g: nx.MultiDiGraph, result: PathResult, *, records: bool = False) -> dict:
    label = labeller(g)

    def record_dict(rec: str, d: dict) -> dict:
        keep = ("kind", "certainty", "amount", "currency", "amount_kind", "amount_qualifier", "amount_text")
        out = {"record": rec, **{k: d.get(k) for k in keep}}
        out.update(
            award_id=d.get("award_id"),
            date=d.get("date"),
            start=d.get("start"),
            end=d.get("end"),
            note=d.get("note"),
            quote=d.get("quote") or [],
            sources=d.get("sources") or [],
        )
        return out

    def hop_dict(h: Hop, with_also: bool = True) -> dict:
        d = h.data
        out = {
            "from": h.source,
            "from_label": label(h.source),
            "to": h.target,
            "to_label": label(h.target),
            "label": h.label,
            "forward": h.forward,
            "symmetric": h.symmetric,
            "subject": h.subject,
            "object": h.object,
            "text": hop_sentence(g, h),
            "kind": d.get("kind"),
            "certainty": h.certainty,
            "certainty_rank": h.certainty_rank,
            "certainties": d.get("certainties") or {},
            "count": h.count,
            "first": d.get("first"),
            "last": d.get("last"),
            "totals": d.get("totals") or [],
            "notes": d.get("notes") or [],
            "record_iris": h.records,
            "sources": d.get("sources") or [],
        }
        if records:
            out["records"] = [record_dict(r, rd) for r, rd in _hop_records(g, h)]
        if with_also:
            out["also"] = [hop_dict(o, False) for o in h.also]
        return out

    return {
        "source": {"iri": result.source, "label": label(result.source)},
        "target": {"iri": result.target, "label": label(result.target)},
        "max_hops": result.max_hops,
        "soft": result.soft,
        "truncated": result.truncated,
        "note": result.note,
        "family": result.family,
        "paths": [
            {
                "rank": i,
                "length": p.length,
                "min_certainty": p.min_certainty,
                "text": path_line(g, p),
                "nodes": list(p.nodes),
                "hops": [hop_dict(h) for h in p.hops],
                **(
                    {
                        "from_member": _member_dict(result, p.nodes[0], result.source),
                        "to_member": _member_dict(result, p.nodes[-1], result.target),
                    }
                    if result.family
                    else {}
                ),
            }
            for i, p in enumerate(result.paths, 1)
        ],
    }


HOP_HEADERS = (
    "path",
    "hop",
    "from_label",
    "arrow",
    "to_label",
    "certainty",
    "records",
    "summary",
    "record_iris",
    "sources",
)


FAMILY_HEADERS = ("from_member", "to_member")  # with --family: the path's two ends, by label


def hop_rows(g: nx.MultiDiGraph, result: PathResult) -> list[list[Any]]:
    """One row per hop of every path, in path order (with ``--family``, then the path's two ends)."""
    label = labeller(g)
    return [
        [
            i,
            j,
            label(h.source),
            hop_arrow(g, h),
            label(h.target),
            h.certainty or "",
            h.count,
            tie_summary(h.data),
            " ".join(h.records),
            source_urls(h.data.get("sources") or []),
            *((label(p.nodes[0]), label(p.nodes[-1])) if result.family else ()),
        ]
        for i, p in enumerate(result.paths, 1)
        for j, h in enumerate(p.hops, 1)
    ]


def format_paths(g: nx.MultiDiGraph, result: PathResult, fmt: str = "text", *, records: bool = False) -> str:
    """The paths in ``fmt``; ``records`` lists every record of every hop (text, md, json)."""
    if fmt == "json":
        return to_json(to_dict(g, result, records=records))
    if fmt == "md":
        return render_md(g, result, records=records)
    if fmt == "text":
        return render_text(g, result, records=records)
    headers = (*HOP_HEADERS, *FAMILY_HEADERS) if result.family else HOP_HEADERS
    return render_rows(headers, hop_rows(g, result), fmt)


__all__ = ["format_paths", "hop_arrow", "hop_rows", "hop_sentence", "path_line", "record_line", "to_dict"]
