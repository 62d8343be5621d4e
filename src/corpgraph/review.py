"""Decisions that wait for a person: list them with their evidence, accept or reject them.

Every import writes its name decisions beside its part, as ``imports/<part>.decisions.csv``
(:data:`corpgraph.entity_resolution.DECISION_HEADER`).  A row with an ``id`` is a proposal: a rule
found a likely match but would not act alone (the same name in another legal form, a facility of a
near name in the same state, an imported record that may be a hand-curated one).  Its ``status``
is ``pending`` until a person decides:

* ``accept ID`` and ``reject ID`` write the status into that decisions file (atomically);
* the next import of the same file reads it back (``importing.read_reviewed``) and applies it: an
  accepted proposal merges (or links) the two, a rejected one keeps them apart and is not asked
  again.  Importing again with no new decision writes the same bytes.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from . import store
from .entity_resolution import ACCEPTED, DECISION_HEADER, PENDING, REJECTED
from .errors import CorpgraphError


class UnknownProposal(CorpgraphError):
    """No decisions file of the graph folder holds a proposal with that id."""


@dataclass(frozen=True)
class Proposal:
    id: str
    status: str
    rule: str
    source_name: str
    identifier: str
    entity: str  # where the name (or record) went meanwhile
    label: str
    candidate: str  # the entity (or record) it may be
    evidence: str
    decisions_file: str

    @property
    def import_file(self) -> str:
        """'usaspending-x' -> the part the proposal belongs to (import that file again to apply it)."""
        return Path(self.decisions_file).name.removesuffix(".decisions.csv")


def decision_files(graph_dir: str | os.PathLike[str] | None) -> list[Path]:
    folder = store.resolve_graph_dir(graph_dir)
    return sorted((folder / "imports").glob("*.decisions.csv"))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def proposals(graph_dir: str | os.PathLike[str] | None = None, *, decided: bool = False) -> list[Proposal]:
    """The pending proposals of every import of the folder (with ``decided``, the reviewed ones too)."""
    out: list[Proposal] = []
    for path in decision_files(graph_dir):
        for row in _rows(path):
            if not row.get("id") or (row.get("status") != PENDING and not decided):
                continue
            out.append(
                Proposal(
                    row["id"],
                    row.get("status", ""),
                    row.get("rule", ""),
                    row.get("source_name", ""),
                    row.get("identifier", ""),
                    row.get("entity", ""),
                    row.get("label", ""),
                    row.get("candidate", ""),
                    row.get("detail", ""),
                    str(path),
                )
            )
    return sorted(out, key=lambda p: (p.status != PENDING, p.rule, p.source_name, p.id))


def decide(graph_dir: str | os.PathLike[str] | None, proposal: str, status: str) -> Proposal:
    """Record ``accepted`` or ``rejected`` for a proposal in its decisions file; returns it."""
    if status not in (ACCEPTED, REJECTED):
        raise ValueError(status)
    for path in decision_files(graph_dir):
        rows = _rows(path)
        hit = [r for r in rows if r.get("id") == proposal]
        if not hit:
            continue
        for r in hit:
            r["status"] = status
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=DECISION_HEADER, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
        store.write_atomically(path, buf.getvalue().encode("utf-8"))
        return next(p for p in proposals(graph_dir, decided=True) if p.id == proposal)
    known = [p.id for p in proposals(graph_dir)]
    hint = f" Pending: {', '.join(known[:10])}{' ...' if len(known) > 10 else ''}." if known else ""
    raise UnknownProposal(f"No proposal {proposal!r} in the decisions files of the graph folder.{hint}")


def to_dict(p: Proposal) -> dict[str, str]:
    return {**asdict(p), "import": p.import_file}


def render_text(items: list[Proposal]) -> str:
    if not items:
        return "No decisions wait for review.\n"
    lines = [f"{len(items)} decision{'s' if len(items) != 1 else ''} to review:"]
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
        "then import the file again: the decision is applied on every import.",
    ]
    return "\n".join(lines) + "\n"
