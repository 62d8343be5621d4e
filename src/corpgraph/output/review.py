"""The proposals imports leave for a person (``corpgraph.review.Proposal``) in every format: ``text``
(each proposal with its evidence, then how to decide), ``json``, and one row per proposal for table,
jsonl, csv, tsv and md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import render_rows, to_json
from .escape import terminal
from .numbers import plural

if TYPE_CHECKING:
    from ..review import Proposal

PROPOSAL_HEADERS = (
    "id",
    "status",
    "rule",
    "source_name",
    "identifier",
    "entity",
    "label",
    "candidate",
    "evidence",
    "import",
)


def render_text(items: list[Proposal]) -> str:
    from ..review import PENDING

    if not items:
        return "No decisions wait for review.\n"
    lines = [f"{plural(len(items), 'decision')} to review:"]
    for p in items:
        mark = "" if p.status == PENDING else f" [{p.status}]"
        lines.append("")
        lines.append(f"{p.id}{mark}  {p.rule}: {p.source_name!r} ({p.import_file})")
        lines.append(f"    now:         {p.label} <{p.entity}>")
        lines.append(f"    may be:      <{p.candidate}>")
        lines.append(f"    evidence:    {p.evidence}")
    lines += [
        "",
        "Decide with: corpgraph review accept ID  or  corpgraph review reject ID;",
        "the decision takes effect at once, and every later import of the file applies it again.",
    ]
    return terminal("\n".join(lines) + "\n")


def format_proposals(items: list[Proposal], fmt: str = "text") -> str:
    from ..review import to_dict

    if fmt == "text":
        return render_text(items)
    dicts = [to_dict(p) for p in items]
    if fmt == "json":
        return to_json(dicts)
    return render_rows(PROPOSAL_HEADERS, [[d[h] for h in PROPOSAL_HEADERS] for d in dicts], fmt)


__all__ = ["PROPOSAL_HEADERS", "format_proposals"]
