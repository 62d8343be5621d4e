"""A timeline of a selection's records: when each contract, credit line, bond deal, pledge, statement
or event happened, at the precision its date was recorded (``2025-07`` is the month of July 2025, not
its first day: it spans 2025-07-01 to 2025-07-31).

Statements and pledges (what organizations *said*) and everything else (what they *did*) go on one
time axis, in two lanes.  A record without a date is kept, not guessed: it is placed at the date of
its earliest source ("undated; reported by January 2026") and marked as undated, so Amazon's
humanitarian statement and AWS's hosting of ICM and HART, which the article dates only by its own
publication, still stand beside the dated deeds.

One list of ``TimelineEntry`` feeds ``export -f timeline-csv``, the print figure (``export -f
timeline-svg`` / ``timeline-png``) and the ``timeline`` key of the map document (``map --timeline``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import dates
from .vocab import CG, local_name

if TYPE_CHECKING:
    from .backend import Backend
    from .subgraph import Subgraph

SAID, DID = "said", "did"  # the two lanes
LANE_LABELS = {SAID: "What they said (statements, pledges)", DID: "What they did"}


@dataclass
class TimelineEntry:
    record: str
    kind: str  # local name of the relationship kind
    kind_label: str
    lane: str  # SAID or DID
    start: str | None  # as recorded: "2025-07", "2019", "2025-04-11", "FY2025"; None when undated
    end: str | None
    precision: str  # day, month, year ("month/year" for a range of two precisions), fiscal year, or undated
    first_day: str  # ISO day: the first day the dates could mean (the source's, when undated)
    last_day: str
    reported_by: str | None  # the earliest date of the record's sources
    frm: list[str] = field(default_factory=list)  # labels of the edge's start
    to: list[str] = field(default_factory=list)
    frm_iris: list[str] = field(default_factory=list)
    to_iris: list[str] = field(default_factory=list)
    amount: Decimal | None = None
    currency: str | None = None
    amount_kind: str | None = None
    certainty: str | None = None
    sources: list[str] = field(default_factory=list)  # URLs, or IRIs of sources without one
    sentence: str = ""

    @property
    def dated(self) -> bool:
        return self.start is not None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["amount"] = None if self.amount is None else str(self.amount)
        d["dated"] = self.dated
        return d


def _precision(text: str) -> str:
    s = text.strip()
    if len(s) >= 10:
        return "day"
    return "month" if len(s) == 7 else "year"


def _span_precision(start: str, end: str) -> str:
    a, b = _precision(start), _precision(end)
    return a if a == b else f"{a}/{b}"


def _when(d: dict) -> tuple[str | None, str | None]:
    if d.get("date"):
        return d["date"], d["date"]
    if d.get("start") or d.get("end"):
        return d.get("start") or d.get("end"), d.get("end")
    if d.get("as_of"):  # an award's running total or value, stated as of that date
        return d["as_of"], d["as_of"]
    return None, None


def _fiscal_year(d: dict) -> tuple[dt.date, dt.date] | None:
    """The days of the US federal fiscal year of an amount summed per fiscal year (FY2025 runs from
    2024-10-01 to 2025-09-30)."""
    try:
        year = int(str(d.get("fiscal_year") or "")[:4])
    except ValueError:
        return None
    return dt.date(year - 1, 10, 1), dt.date(year, 9, 30)


def _earliest_source(sources: list[dict]) -> str | None:
    issued = []
    for s in sources:
        try:
            issued.append((dates.span(s["issued"])[0], str(s["issued"])))
        except (KeyError, TypeError, ValueError):
            continue
    return min(issued)[1] if issued else None


def timeline(sub: Subgraph, backend: Backend | None = None, *, undated: bool = True) -> list[TimelineEntry]:
    """The selection's records in time order (first day, last day, record).  With ``backend``, each
    entry carries its copy-ready sentence.  ``undated=False`` leaves out records without a date."""
    g = sub.net
    onto = sub.ontology
    by_record: dict[str, TimelineEntry] = {}
    for u, v, key, d in g.edges(keys=True, data=True):
        entry = by_record.get(key)
        if entry is None:
            entry = _entry(key, d, onto)
            if entry is None or (not undated and not entry.dated):
                continue
            by_record[key] = entry
        for iris, labels, node in ((entry.frm_iris, entry.frm, u), (entry.to_iris, entry.to, v)):
            if node not in iris:
                iris.append(node)
                labels.append(str(g.nodes[node].get("label") or node))
    if backend is not None:
        from .facts import fact_records
        from .output.sentences import sentence

        if onto is None:
            from .ontology import read_ontology

            onto = read_ontology(backend)
        for entry in _records_drawn_as_no_edge(sub, backend, onto, set(by_record)):
            if undated or entry.dated:
                by_record[entry.record] = entry
        records = fact_records(backend, by_record, onto)
        for e in by_record.values():
            if e.record in records:
                e.sentence = sentence(records[e.record], onto)
    return sorted(by_record.values(), key=lambda e: (e.first_day, e.last_day, not e.dated, e.record))


def _records_drawn_as_no_edge(
    sub: Subgraph, backend: Backend, onto: Any, known: set[str]
) -> list[TimelineEntry]:
    """Records of a drawn kind that involve the selection's entities but lack one end of their edge,
    so that they are not on the map: a statement about nothing in particular (Amazon's webpage on
    refugees, AT&T's human rights policy), an event with no participant recorded (a killing)."""
    from .backend.sparqltext import values_block
    from .facts import fact_records
    from .vocab import SPARQL_PREFIXES

    entities = sorted(sub.net.nodes)
    if not entities:
        return []
    found: dict[str, list[tuple[str, str]]] = {}
    for i in range(0, len(entities), 400):
        rows = backend.select(
            SPARQL_PREFIXES
            + "SELECT ?rec ?role ?e WHERE { "
            + values_block(["e"], ([e] for e in entities[i : i + 400]))
            + " ?rec ?role ?e . ?role a cg:RoleProperty . }"
        ).rows
        for rec_term, role_term, ent in rows:
            if str(rec_term) not in known:
                found.setdefault(str(rec_term), []).append((str(role_term), str(ent)))
    if not found:
        return []
    records = fact_records(backend, found, onto)
    sources = _sources_of(backend, list(found))
    labels = {n: str(d.get("label") or n) for n, d in sub.net.nodes(data=True)}
    out = []
    for rec, roles in sorted(found.items()):
        fr = records.get(rec)
        rule = onto.rules.get(fr.kind) if fr else None
        if fr is None or rule is None:
            continue  # figures and requests for comment are drawn as no edge by design
        if local_name(rule.from_role) in fr.roles and local_name(rule.to_role) in fr.roles:
            continue  # an edge, to an entity outside the selection
        d = {
            "kind": local_name(fr.kind),
            "kind_label": onto.kind_labels.get(fr.kind, local_name(fr.kind)),
            "date": fr.first("date"),
            "start": fr.first("startDate"),
            "end": fr.first("endDate"),
            "amount": fr.first("amount"),
            "currency": fr.first("currency"),
            "amount_kind": fr.first("amountKind"),
            "fiscal_year": fr.first("fiscalYear"),
            "as_of": fr.first("asOf"),
            "certainty": fr.certainty,
            "sources": sources.get(rec, []),
        }
        entry = _entry(
            rec,
            {k: (str(v) if k in ("date", "start", "end", "as_of") and v else v) for k, v in d.items()},
            onto,
        )
        if entry is None:
            continue
        for role, iri in roles:
            if role == rule.from_role and iri not in entry.frm_iris:
                entry.frm_iris.append(iri)
                entry.frm.append(labels.get(iri, iri))
            elif role == rule.to_role and iri not in entry.to_iris:
                entry.to_iris.append(iri)
                entry.to.append(labels.get(iri, iri))
        if not entry.frm_iris and not entry.to_iris:  # the selection's entity takes a side role only
            entry.frm_iris = [iri for _, iri in roles]
            entry.frm = [labels.get(iri, iri) for _, iri in roles]
        out.append(entry)
    return out


def _sources_of(backend: Backend, records: list[str]) -> dict[str, list[dict]]:
    from .backend.sparqltext import values_block
    from .vocab import SPARQL_PREFIXES

    out: dict[str, list[dict]] = {}
    for i in range(0, len(records), 400):
        rows = backend.select(
            SPARQL_PREFIXES
            + "SELECT ?rec ?s ?url ?issued WHERE { "
            + values_block(["rec"], ([r] for r in records[i : i + 400]))
            + " ?rec cg:source ?s . OPTIONAL { ?s schema:url ?url } OPTIONAL { ?s dcterms:issued ?issued } }"
        ).rows
        for rec, src, url, issued in rows:
            out.setdefault(str(rec), []).append(
                {
                    "iri": str(src),
                    "url": None if url is None else str(url),
                    "issued": None if issued is None else str(issued),
                }
            )
    return out


def _entry(key: str, d: dict, onto: Any) -> TimelineEntry | None:
    start, end = _when(d)
    sources = d.get("sources") or []
    reported = _earliest_source(sources)
    fy = _fiscal_year(d) if start is None or d.get("as_of") == start else None
    if fy is not None:  # obligations summed over a fiscal year: they happened across that year
        (first, last), precision = fy, "fiscal year"
        start = end = f"FY{fy[1].year}"
    elif start is not None:
        try:
            first, last = dates.span(start)[0], dates.span(end or start)[1]
        except ValueError:
            return None
        precision = _span_precision(start, end) if end and end != start else _precision(start)
    elif reported:
        first, last = dates.span(reported)
        precision = "undated"
    else:
        return None  # neither a date nor a dated source: nothing to place it by
    kind = d.get("kind") or ""
    kind_iri = str(CG._NS) + kind
    said = bool(onto) and any(onto.is_a(kind_iri, str(c)) for c in (CG.Statement, CG.Pledge))
    return TimelineEntry(
        record=key,
        kind=kind,
        kind_label=str(d.get("kind_label") or kind),
        lane=SAID if said else DID,
        start=start,
        end=end,
        precision=precision,
        first_day=first.isoformat(),
        last_day=max(first, last).isoformat(),
        reported_by=reported,
        amount=d.get("amount"),
        currency=d.get("currency"),
        amount_kind=d.get("amount_kind"),
        certainty=d.get("certainty"),
        sources=sorted({str(s.get("url") or s.get("iri")) for s in sources}),
    )


def timeline_document(entries: list[TimelineEntry]) -> dict[str, Any]:
    """The ``timeline`` key of a map document: entries as JSON-ready dicts, the lanes and the span."""
    days = [dt.date.fromisoformat(e.first_day) for e in entries] + [
        dt.date.fromisoformat(e.last_day) for e in entries
    ]
    return {
        "lanes": [{"id": k, "label": v} for k, v in LANE_LABELS.items()],
        "first_day": min(days).isoformat() if days else None,
        "last_day": max(days).isoformat() if days else None,
        "entries": [e.as_dict() for e in entries],
    }


__all__ = ["DID", "LANE_LABELS", "SAID", "TimelineEntry", "timeline", "timeline_document"]
