"""Proposed matches between imported awards and hand-curated records of the same transaction.

The article says "Last April, the Trump administration awarded Palantir a new $30 million contract"
(a curated record: USD 30,000,000, 2025-04); USAspending lists award 70CTD022FR0000170 to PALANTIR
TECHNOLOGIES INC. with a modification of USD 29,898,236 dated 2025-04-11.  A match is proposed when

* the curated record is a ``cg:Contract`` with an amount and no ``cg:awardKey`` (written by hand
  or from the facts template, not imported from an award file);
* it has the same buyer and the same supplier entity as the imported award;
* one transaction of the award (or the award's amount) is within :data:`AMOUNT_TOLERANCE` of the
  curated amount, dated within :data:`DAYS_TOLERANCE` of the curated date (a month-precision date
  covers its whole month).

A match is a proposal: it waits in the decisions file for ``corpgraph review``.  Accepted, the
imported record says ``cg:sameTransactionAs`` the curated one, and the projection shows the two
together, counting the money once (:mod:`corpgraph.awards`).

Whatever the order of the imports: an award import compares its transactions with the curated
records already in the graph, and keeps them beside its part (``imports/<part>.moves.csv``, one row
per transaction: :data:`MOVES_HEADER`); a curated record imported later (``import csv``) is compared
with the transactions every such file holds (:func:`propose_for_curated`), and the proposal is the
same one, with the same id, whichever import made it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rdflib import URIRef

from .. import dates
from ..backend import Backend
from ..entity_resolution import ACCEPTED, PENDING, Decision, proposal_id
from ..output.numbers import money
from ..vocab import CG, SPARQL_PREFIXES
from .context import ImportContext

AMOUNT_TOLERANCE = Decimal("0.05")  # 5 % of the curated amount: "$30 million" for 29,898,236
DAYS_TOLERANCE = 62  # about two months either side of the curated date

_CURATED = (
    SPARQL_PREFIXES
    + """
SELECT ?rec ?buyer ?supplier ?amount ?date WHERE {
  ?rec a cg:Contract ; cg:buyer ?buyer ; cg:supplier ?supplier ; cg:amount ?amount .
  OPTIONAL { ?rec cg:date ?date }
  FILTER NOT EXISTS { ?rec cg:awardKey ?key }
}"""
)


@dataclass(frozen=True)
class Curated:
    record: str
    amount: Decimal
    first: dt.date | None
    last: dt.date | None
    date: str


class RecordMatcher:
    """The graph's hand-curated contracts by (buyer, supplier), to compare imported awards with."""

    def __init__(self, curated: dict[tuple[str, str], list[Curated]]):
        self.curated = curated

    @classmethod
    def from_backend(cls, backend: Backend) -> RecordMatcher:
        out: dict[tuple[str, str], list[Curated]] = {}
        for rec, buyer, supplier, amount, date in backend.select(_CURATED).rows:
            try:
                value = Decimal(str(amount))
                first, last = dates.span(str(date)) if date is not None else (None, None)
            except (ArithmeticError, ValueError):
                continue
            item = Curated(str(rec), value, first, last, str(date) if date is not None else "")
            out.setdefault((str(buyer), str(supplier)), []).append(item)
        return cls(out)

    def propose(
        self,
        ctx: ImportContext,
        record: URIRef,
        buyer: str,
        supplier: str,
        moves: list[tuple[str, Decimal, str]],
        subject: str,
        identifier: str,
    ) -> None:
        """Compare one imported record's moves (date, amount, what) with the curated records of the
        same buyer and supplier; record a proposal (or apply an accepted one) for each that agrees."""
        for cur in self.curated.get((buyer, supplier), ()):
            _propose(ctx, str(record), cur, moves, subject, identifier)


def _propose(
    ctx: ImportContext,
    record: str,
    cur: Curated,
    moves: Iterable[tuple[str, Decimal, str]],
    subject: str,
    identifier: str,
) -> None:
    """The proposal (or, accepted, the link) between one imported award and one curated record, when
    a move of the award agrees with the curated amount and date."""
    hit = next((m for m in moves if _agrees(cur, m[0], m[1])), None)
    if hit is None:
        return
    day, amount, what = hit
    gap = abs(amount - cur.amount) / cur.amount * 100 if cur.amount else Decimal(0)
    evidence = (
        f"same buyer and supplier; {what} of {money(amount, 'USD')} on {day or 'no date'} against "
        f"{money(cur.amount, 'USD')} on {cur.date or 'no date'} ({gap:.1f}% apart; tolerance "
        f"{AMOUNT_TOLERANCE * 100:.0f}% and {DAYS_TOLERANCE} days)"
    )
    pid = proposal_id("record-match", subject, identifier, cur.record)
    status = ctx.resolver.reviewed.get(pid, PENDING)
    decision = Decision(
        subject, identifier, record, subject, "record-match", evidence, False, status, cur.record
    )
    ctx.resolver.decisions.setdefault((subject, f"{identifier}|{cur.record}"), decision)
    if status == ACCEPTED:
        ctx.graph.add((URIRef(record), CG.sameTransactionAs, URIRef(cur.record)))


# -- the transactions kept beside an award import's part --------------------------------------------

MOVES_HEADER = ("record", "award_key", "subject", "buyer", "supplier", "date", "amount", "what")
MOVES_SUFFIX = ".moves.csv"


def keep_moves(
    ctx: ImportContext,
    record: str,
    key: str,
    subject: str,
    buyer: str,
    supplier: str,
    moves: Iterable[tuple[str, Decimal, str]],
) -> None:
    """Keep an award's transactions for the curated records imported later (see the module doc)."""
    for day, amount, what in moves:
        ctx.moves.append((record, key, subject, buyer, supplier, day, str(amount), what))


def moves_csv(moves: list[tuple[str, ...]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(MOVES_HEADER)
    w.writerows(sorted(moves))
    return buf.getvalue().encode("utf-8")


def propose_for_curated(
    ctx: ImportContext, record: str, buyer: str, supplier: str, amount: Decimal, date: str | None
) -> None:
    """Compare a curated contract being imported with the transactions of every award import of the
    graph folder (their ``*.moves.csv``); record a proposal (or apply an accepted one) for each award
    that agrees.  Nothing to compare with when the graph has no folder."""
    folder = ctx.backend.folder if ctx.backend is not None else None
    if folder is None or not amount:
        return
    try:
        first, last = dates.span(date) if date else (None, None)
    except ValueError:
        return
    cur = Curated(record, amount, first, last, date or "")
    for award, (subject, key, moves) in _awards_of(Path(folder), buyer, supplier).items():
        _propose(ctx, award, cur, moves, subject, key)


def _awards_of(folder: Path, buyer: str, supplier: str) -> dict[str, tuple[str, str, list]]:
    """award record -> (subject, award key, [(date, amount, what)]) for one buyer and supplier."""
    out: dict[str, tuple[str, str, list]] = {}
    for path in sorted((folder / "imports").glob("*" + MOVES_SUFFIX)):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row.get("buyer") != buyer or row.get("supplier") != supplier:
                    continue
                try:
                    value = Decimal(row["amount"])
                except (ArithmeticError, KeyError):
                    continue
                item = out.setdefault(row["record"], (row["subject"], row["award_key"], []))
                item[2].append((row.get("date") or "", value, row.get("what") or "transaction"))
    return out


def _agrees(cur: Curated, day: str, amount: Decimal) -> bool:
    if not cur.amount or abs(amount - cur.amount) > AMOUNT_TOLERANCE * abs(cur.amount):
        return False
    if cur.first is None or not day:
        return cur.first is None and not day
    when = dt.date.fromisoformat(day[:10])
    slack = dt.timedelta(days=DAYS_TOLERANCE)
    return cur.first - slack <= when <= (cur.last or cur.first) + slack
