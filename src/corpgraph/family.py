"""Corporate families: an entity's whole group through its ownership records (``cg:Ownership``,
owner -> subsidiary), up to the ultimate parent and down to every subsidiary, transitively.

Each member but the ultimate parent is in the family through one ownership record (the most certain
one joining it to its owner), kept with its certainty, so every view can say why a company counts as
part of the group.  With ``as_of``, only ownership records in force that day count: a subsidiary
sold in 2020 is not in the 2025 family.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field

import networkx as nx

from . import dates
from .vocab import local_name

OWNERSHIP = "Ownership"  # the relationship kind whose records make families


@dataclass(frozen=True)
class Member:
    entity: str
    label: str
    owner: str | None = None  # the member that owns it in the family (None: an ultimate parent)
    owner_label: str | None = None
    record: str | None = None  # the ownership record that puts it in the family
    certainty: str | None = None
    start: str | None = None
    end: str | None = None

    def why(self) -> str:
        """'owned by GEO Group (reported, record ...)' or 'ultimate parent'."""
        if self.owner is None:
            return "ultimate parent"
        span = ""
        if self.start or self.end:
            span = f", {self.start or '?'} to {self.end or 'present'}"
        return f"owned by {self.owner_label} ({self.certainty or 'certainty not stated'}{span}; record {self.record})"


@dataclass
class Family:
    entity: str  # the entity asked about
    members: list[Member]  # ultimate parents first, then subsidiaries by depth
    as_of: dt.date | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def entities(self) -> list[str]:
        return [m.entity for m in self.members]

    @property
    def roots(self) -> list[Member]:
        return [m for m in self.members if m.owner is None]

    def member(self, entity: str) -> Member | None:
        return next((m for m in self.members if m.entity == entity), None)

    def __len__(self) -> int:
        return len(self.members)


def _ownership(g: nx.MultiDiGraph, as_of: dt.date | None) -> dict[tuple[str, str], tuple[str, dict]]:
    """The most certain ownership record for each (owner, subsidiary) in force on ``as_of``."""
    best: dict[tuple[str, str], tuple[str, dict]] = {}
    for u, v, k, d in g.edges(keys=True, data=True):
        if d.get("kind") != OWNERSHIP:
            continue
        if as_of and not dates.in_force(as_of, d.get("start"), d.get("end"), d.get("date")):
            continue
        current = best.get((u, v))
        if current is None or (d.get("certainty_rank") or 0, k) > (
            current[1].get("certainty_rank") or 0,
            current[0],
        ):
            best[(u, v)] = (k, d)
    return best


def family_of(g: nx.MultiDiGraph, entity: str, *, as_of: dt.date | None = None) -> Family:
    """The corporate family of ``entity`` in the network ``g`` (``netgraph.project``)."""
    links = _ownership(g, as_of)
    owners: dict[str, list[str]] = {}
    owned: dict[str, list[str]] = {}
    for u, v in sorted(links):
        owners.setdefault(v, []).append(u)
        owned.setdefault(u, []).append(v)
    label = lambda n: str(g.nodes[n].get("label") or local_name(n)) if n in g else local_name(n)  # noqa: E731
    # up: every owner above the entity, to the top
    up, todo = {entity}, [entity]
    while todo:
        for parent in owners.get(todo.pop(), ()):
            if parent not in up:
                up.add(parent)
                todo.append(parent)
    roots = sorted((n for n in up if not owners.get(n)), key=label) or [entity]  # a cycle: start where asked
    members = [Member(r, label(r)) for r in roots]
    seen = set(roots)
    queue = deque(roots)
    while queue:  # down: every subsidiary, breadth first, each reached through its first owner met
        parent = queue.popleft()
        for child in sorted(owned.get(parent, ()), key=label):
            if child in seen:
                continue
            seen.add(child)
            rec, d = links[(parent, child)]
            members.append(
                Member(
                    child,
                    label(child),
                    parent,
                    label(parent),
                    rec,
                    d.get("certainty"),
                    d.get("start") or d.get("date"),
                    d.get("end"),
                )
            )
            queue.append(child)
    fam = Family(entity, members, as_of)
    if len(members) > 1 and as_of is None:
        ended = [m for m in members if m.end]
        if ended:
            fam.notes.append(
                f"{len(ended)} member{'s' if len(ended) != 1 else ''} joined through ownership that ended; "
                "give --as-of DATE for the family on a given day."
            )
    return fam
