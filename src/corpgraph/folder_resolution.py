"""Resolving a folder's imports together: the same entities whatever order the files came in.

An import resolves its names one at a time against what the graph already holds
(:class:`corpgraph.entity_resolution.Resolver`), so on its own the first file to name a company
would decide where the others' spellings of it go: "BOOZ ALLEN HAMILTON INC" with a UEI and "Booz
Allen Hamilton" with a DUNS were one entity in one order of the files and two in the other.

So every import keeps the calls it made to the resolver beside its part, in order
(``imports/<part>.evidence.jsonl``: each name with its identifiers, type, place or agency code), and
each import into a folder resolves the folder's imports again, together, in one order fixed by the
parts themselves (:func:`resolution_order`: award files, which carry identifiers, first), whichever
order they were imported in:

* the imports before the new one in that order are replayed from their evidence, starting from the
  folder's other files (the bundled and hand-made graph, and imports that kept no evidence);
* the new import resolves its names while it runs, against them;
* the imports after it are replayed in turn.  One whose decisions come out different is rewritten
  (:meth:`FolderResolution.rewrites`): its records name the entities the new decisions name, its
  entities are written again from the new decisions, and its decisions file holds them.

The folder's entities, their IRIs and every merge decision are then a function of the files it
holds, not of the order they arrived in.  A person's review decisions apply in the replay as in a
first import (the decisions files are read for them first).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib.namespace import RDF, RDFS

from .entity_resolution import Resolver
from .errors import ImportFailed
from .importers.context import REC_BASE, Triples, fast_slug
from .importers.matches import MOVES_SUFFIX, moves_csv
from .importers.turtle import literal_text, text_triple
from .vocab import CG, ENT, local_name

EVIDENCE_SUFFIX = ".evidence.jsonl"
DECISIONS_SUFFIX = ".decisions.csv"

# the kinds of import in the order they are resolved: identifiers first, names alone after them
KIND_ORDER = ("usaspending", "tornapart", "facilities", "csv")

# what Resolver.entity_triples writes of an entity: dropped from a part and written again
ENTITY_PREDICATES = frozenset(
    {RDF.type, RDFS.label, CG.alias, CG.uei, CG.duns, CG.cage, CG.agencyCode, CG.detloc, CG.place}
)
_ENTITY_PREDICATES = frozenset(str(p) for p in ENTITY_PREDICATES)
_ENT = str(ENT)
_RECORD_MATCH = "record-match"  # a proposal about records, kept as it is (importers.matches)


# shapes of one kind in the order they are resolved (a facility list with DETLOC codes first)
SHAPE_ORDER = {"facilities": ("icefacs", "operators")}
_SHAPE_IN_HEADER = re.compile(r"\(([\w-]+)\)\.\s*$")


def resolution_order(part: str, shape: str = "") -> tuple[int, int, str]:
    """'imports/usaspending-x' (and the shape its importer found) -> its place among the folder's
    imports when they are resolved: by kind, then shape, then name."""
    name = part.rsplit("/", 1)[-1]
    kind = name.split("-", 1)[0]
    rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    shapes = SHAPE_ORDER.get(kind, ())
    return rank, shapes.index(shape) if shape in shapes else len(shapes), name


def shape_of_part(ttl: Path) -> str:
    """The shape a part's first line records ('# Imported by ... from "iceFacs.csv" (icefacs).')."""
    with ttl.open("rb") as fh:
        first = fh.readline(4096).decode("utf-8", "replace")
    m = _SHAPE_IN_HEADER.search(first)
    return m.group(1) if m else ""


def evidence_bytes(resolver: Resolver) -> bytes:
    return "".join(line + "\n" for line in resolver.log).encode("utf-8")


def read_evidence(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _read_rows(path: Path) -> list[list[str]]:
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return [row for row in csv.reader(fh)][1:]


@dataclass
class Rewrite:
    """An earlier import whose decisions changed: its files' new contents and its new triples."""

    part: str
    files: list[tuple[Path, bytes]]
    triples: Triples
    turtle: bytes
    moved: int  # entities of the part whose records now name another entity
    unsplit: list[str] = field(default_factory=list)  # entities the new decisions would split


class FolderResolution:
    """The folder's imports other than ``part`` that kept their evidence, in resolution order."""

    def __init__(self, folder: Path, part: str, shape: str = ""):
        self.folder, self.part = folder, part
        imports = folder / "imports"
        order = {}
        for log in sorted(imports.glob("*" + EVIDENCE_SUFFIX)) if imports.is_dir() else []:
            name = "imports/" + log.name.removesuffix(EVIDENCE_SUFFIX)
            ttl = folder / f"{name}.ttl"
            if name != part and ttl.is_file():
                order[name] = resolution_order(name, shape_of_part(ttl))
        key = resolution_order(part, shape)
        self.before = sorted((p for p in order if order[p] < key), key=order.__getitem__)
        self.after = sorted((p for p in order if order[p] > key), key=order.__getitem__)
        self._replayed: dict[str, Resolver] = {}

    @property
    def part_files(self) -> list[Path]:
        """The Turtle files of the imports replayed: left out of the graph the replay starts from."""
        return [self.folder / f"{p}.ttl" for p in [*self.before, *self.after]]

    def _replay(self, resolver: Resolver, parts: Iterable[str]) -> Resolver:
        for p in parts:
            path = self.folder / f"{p}{EVIDENCE_SUFFIX}"
            try:
                resolver.replay(read_evidence(path))
            except (ValueError, TypeError, OSError) as exc:  # a JSON error is a ValueError
                raise ImportFailed(
                    f"{path}: cannot resolve that import again from its evidence ({exc}); import its "
                    "file again, or remove the part's files, then import this file again."
                ) from None
            self._replayed[p] = resolver
            resolver = resolver.successor()
        return resolver

    def resolver_before(self, start: Resolver) -> Resolver:
        """The resolver the new import runs with: ``start`` (the folder without the replayed
        imports) after the imports that come before it."""
        return self._replay(start, self.before)

    def rewrites(self, resolver: Resolver) -> list[Rewrite]:
        """After the new import ran with ``resolver``: the imports after it replayed, and every
        replayed import whose decisions differ from its files, rewritten."""
        self._replay(resolver.successor(), self.after)
        out = []
        for p in [*self.before, *self.after]:
            rw = self._rewrite(p, self._replayed[p])
            if rw is not None:
                out.append(rw)
        return out

    def _rewrite(self, part: str, res: Resolver) -> Rewrite | None:
        base = self.folder / part
        decisions = base.with_name(base.name + DECISIONS_SUFFIX)
        old_rows = _read_rows(decisions)
        kept = [r for r in old_rows if len(r) > 4 and r[4] == _RECORD_MATCH]
        new_rows = sorted([*res.decision_rows(), *kept])
        # old entity -> the entities the new decisions send its names to
        targets: dict[str, set[str]] = {}
        for r in old_rows:
            if len(r) < 3 or r[4] == _RECORD_MATCH:
                continue
            d = res.decisions.get((r[0], r[1]))
            if d is not None:
                targets.setdefault(r[2], set()).add(d.iri)
        unsplit = sorted(old for old, new in targets.items() if len(new) > 1)
        rename = {old: min(new) for old, new in targets.items() if new != {old}}
        ttl = base.with_name(base.name + ".ttl")
        entities = Triples()
        res.entity_triples(entities)
        if not rename and new_rows == old_rows and digest_of_part(ttl) == entity_digest(entities):
            return None
        raw = ttl.read_bytes()
        from .review import _with_header

        as_object = {f"<{old}>": f"<{new}>" for old, new in rename.items()}
        kept_triples = [
            (rename.get(s, s), p, as_object.get(o, o))
            for s, p, o in _text_triples(ttl)
            if not (p in _ENTITY_PREDICATES and s.startswith(_ENT))  # written again, from the new decisions
        ]
        triples = _ownerships_renamed(kept_triples, base.name) if rename else Triples()
        if not rename:
            triples.update_text(kept_triples)
        for s, pairs in entities.by_subject().items():
            triples.add_statements(s, pairs)
        turtle = _with_header(raw, triples)
        files = [(decisions, _decisions_bytes(new_rows)), (ttl, turtle)]
        moves = base.with_name(base.name + MOVES_SUFFIX)
        if moves.is_file() and rename:
            rows = [tuple(rename.get(c, c) for c in r) for r in _read_rows(moves)]
            files.append((moves, moves_csv(rows)))
        return Rewrite(part, files, triples, turtle, len(rename), unsplit)


def entity_digest(triples: Triples | Iterable[tuple]) -> str:
    """A digest of a part's entity triples (those Resolver.entity_triples writes: an entity's type,
    label, aliases, identifiers and place), kept in the part's first lines (:data:`DIGEST_LINE`): a
    replay that gives the same ones leaves the part as it is.  ``triples``: an import's text
    triples, or rdflib triples."""
    if isinstance(triples, Triples):  # only the entities' subjects are looked at
        wanted = _ENTITY_PREDICATES
        lines = sorted(
            f"{s} {p} {o}"
            for s, pairs in triples.by_subject().items()
            if s.startswith(_ENT)
            for p, o in pairs
            if p in wanted
        )
    else:
        text = (text_triple(t) for t in triples)
        lines = sorted(f"{s} {p} {o}" for s, p, o in text if p in _ENTITY_PREDICATES and s.startswith(_ENT))
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:32]


DIGEST_LINE = "# Entities digest: "


def digest_of_part(ttl: Path) -> str:
    with ttl.open("rb") as fh:
        for _ in range(8):
            line = fh.readline(4096).decode("utf-8", "replace")
            if not line.startswith("#"):
                break
            if line.startswith(DIGEST_LINE):
                return line[len(DIGEST_LINE) :].strip()
    return ""


# ownership records are named after their two entities (importers.context.Ownerships)
_OWNERSHIP_TAGS = ("own", "likely-own")


def _ownerships_renamed(triples: list[tuple[str, str, str]], slug: str) -> Triples:
    """The (text) triples with each ownership record named again after its (renamed) owner and
    subsidiary, as the importer names it; a record whose two sides are now one entity is dropped, as
    the importer drops a parent that is the recipient itself."""
    prefixes = tuple(f"{REC_BASE}{slug}-{tag}-" for tag in _OWNERSHIP_TAGS)
    sides: dict[str, dict[str, str]] = {}
    owner_p, sub_p = str(CG.owner), str(CG.subsidiary)
    for s, p, o in triples:
        if (p == owner_p or p == sub_p) and s.startswith(prefixes):
            sides.setdefault(s, {})[p] = o
    named: dict[str, str | None] = {}
    for rec, found in sides.items():
        owner, sub = found.get(owner_p), found.get(sub_p)
        if owner is None or sub is None:
            continue
        if owner == sub:
            named[rec] = None
            continue
        tag = next(t for t, pre in zip(_OWNERSHIP_TAGS, prefixes, strict=True) if rec.startswith(pre))
        ends = [fast_slug(local_name(side.strip("<>"))) for side in (owner, sub)]
        named[rec] = REC_BASE + "-".join([slug, tag, *ends])
    out = Triples()
    out.update_text(
        (s, p, o) if s not in named else (named[s], p, o)  # type: ignore[misc]
        for s, p, o in triples
        if named.get(s, s) is not None
    )
    return out


def _text_triples(ttl: Path) -> list[tuple[str, str, str]]:
    """A part's triples in the importers' text form (importers.turtle), read by Oxigraph."""
    import pyoxigraph as ox

    def term(t) -> str:
        if isinstance(t, ox.NamedNode):
            return f"<{t.value}>"
        if isinstance(t, ox.BlankNode):
            return f"_:{t.value}"
        return literal_text(t.value, t.datatype.value if t.datatype else None, t.language)

    out = []
    with ttl.open("rb") as fh:
        for q in ox.parse(fh, format=ox.RdfFormat.TURTLE, base_iri=ttl.resolve().as_uri()):
            s = q.subject
            subject = s.value if isinstance(s, ox.NamedNode) else f"_:{s.value}"
            out.append((subject, q.predicate.value, term(q.object)))
    return out


def _decisions_bytes(rows: list[list[str]]) -> bytes:
    import io

    from .entity_resolution import DECISION_HEADER

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(DECISION_HEADER)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")
