"""Decisions that wait for a person: list them with their evidence, accept or reject them.

Every import writes its name decisions beside its part, as ``imports/<part>.decisions.csv``
(:data:`corpgraph.entity_resolution.DECISION_HEADER`).  A row with an ``id`` is a proposal: a rule
found a likely match but would not act alone (the same name in another legal form, a facility of a
near name in the same state, an imported record that may be a hand-curated one).  Its ``status``
is ``pending`` until a person decides:

* ``accept ID`` and ``reject ID`` write the status into that decisions file and take effect at
  once (:func:`apply`): an accepted merge moves every triple of the entity the import made for the
  name onto the candidate in every imported part (its label becomes an alias, its identifiers
  follow it), and its decisions rows now name the candidate; an accepted record match links the
  imported record to the curated one (``cg:sameTransactionAs``).  A rejected proposal changes no
  triple: the two were kept apart while it waited.  Every file that changes is written together,
  under the folder's import lock, so the folder holds either the old graph or the new one.
* every later import of the same file reads the decision back (``importing.read_reviewed``) and
  applies it again: an accepted proposal merges (or links) the two, a rejected one keeps them
  apart and is not asked again.  Importing again with no new decision writes the same bytes.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import RDF, RDFS

from . import store
from .backend.storelock import FolderBusy, folder_write_lock
from .entity_resolution import ACCEPTED, DECISION_HEADER, PENDING, REJECTED
from .errors import CorpgraphError
from .fileio import write_together
from .importers.matches import MOVES_SUFFIX, moves_csv
from .vocab import CG, local_name


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
    seen: set[str] = set()  # one question asked by two imports (a record match) is listed once
    for path in decision_files(graph_dir):
        for row in _rows(path):
            if not row.get("id") or (row.get("status") != PENDING and not decided) or row["id"] in seen:
                continue
            seen.add(row["id"])
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
    """Record ``accepted`` or ``rejected`` for a proposal in the decisions files that hold it and
    apply it to the graph folder at once (see the module doc); returns it."""
    if status not in (ACCEPTED, REJECTED):
        raise ValueError(status)
    folder = store.resolve_graph_dir(graph_dir)
    try:
        with folder_write_lock(folder, 120.0):
            changes = _decided_files(folder, proposal, status)
            if changes is None:
                known = [p.id for p in proposals(folder)]
                hint = (
                    f" Pending: {', '.join(known[:10])}{' ...' if len(known) > 10 else ''}." if known else ""
                )
                raise UnknownProposal(
                    f"No proposal {proposal!r} in the decisions files of the graph folder.{hint}"
                )
            write_together(changes)  # all files, or (a full disk, a read-only folder) none of them
    except FolderBusy:
        raise CorpgraphError(
            f"An import into {folder} is still running after 120 s; decide when it has finished."
        ) from None
    return next(p for p in proposals(folder, decided=True) if p.id == proposal)


def _decided_files(folder: Path, proposal: str, status: str) -> list[tuple[Path, bytes]] | None:
    """The new contents of every file the decision changes, or None when no file holds the proposal."""
    files = {path: _rows(path) for path in decision_files(folder)}
    hits = [(path, r) for path, rows in files.items() for r in rows if r.get("id") == proposal]
    if not hits:
        return None
    changed_csv = {path for path, _r in hits}
    already = all(r.get("status") == ACCEPTED for _p, r in hits)
    for _path, r in hits:
        r["status"] = status
    parts: dict[Path, bytes] = {}
    if status == ACCEPTED and not already:
        first = hits[0][1]
        if first.get("rule") == "record-match":
            part = hits[0][0].with_name(hits[0][0].name.removesuffix(".decisions.csv") + ".ttl")
            parts = _link_records(part, first["entity"], first["candidate"])
        else:
            entity, candidate = first["entity"], first["candidate"]
            if entity and candidate and entity != candidate:
                parts = _merge_entity(folder, entity, candidate)
                label = _label_of(folder, candidate)
                for path, rows in files.items():
                    for r in rows:
                        if r.get("entity") == entity:
                            r["entity"], r["label"] = candidate, label or r.get("label", "")
                            changed_csv.add(path)
    out = [(path, _csv_bytes(files[path])) for path in sorted(changed_csv)]
    return out + sorted(parts.items())


def _csv_bytes(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=DECISION_HEADER, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


# what the entity an import made for a name says of itself and the candidate already says, or must
# not say twice: its type and its facility place are the candidate's own; its label becomes an alias
_DROPPED = frozenset({str(RDF.type), str(CG.place)})


def _merge_entity(folder: Path, entity: str, candidate: str) -> dict[Path, bytes]:
    """Every imported part that mentions ``entity``, with ``candidate`` in its place."""
    old, new = URIRef(entity), URIRef(candidate)
    out: dict[Path, bytes] = {}
    for part in sorted((folder / "imports").glob("*.ttl")):
        raw = part.read_bytes()
        if local_name(entity).encode("utf-8") not in raw:  # cheap: most parts never name it
            continue
        triples = list(_parse(part))
        if not any(old in (s, o) for s, _p, o in triples):
            continue
        moved = []
        for s, p, o in triples:
            if s == old:
                if str(p) in _DROPPED:
                    continue
                if p == RDFS.label:
                    p = CG.alias
                s = new
            if o == old:
                o = new
            moved.append((s, p, o))
        out[part] = _with_header(raw, moved)
    for kept in sorted((folder / "imports").glob("*" + MOVES_SUFFIX)):  # award transactions kept
        with kept.open(newline="", encoding="utf-8") as fh:
            rows = [tuple(r) for r in csv.reader(fh)][1:]
        if any(entity in r for r in rows):
            out[kept] = moves_csv([tuple(candidate if c == entity else c for c in r) for r in rows])
    return out


def _link_records(part: Path, record: str, curated: str) -> dict[Path, bytes]:
    """The part holding an imported record, with the record linked to the curated one."""
    if not part.is_file():
        return {}
    raw = part.read_bytes()
    triples = set(_parse(part))
    link = (URIRef(record), CG.sameTransactionAs, URIRef(curated))
    if link in triples:
        return {}
    return {part: _with_header(raw, [*triples, link])}


def _parse(path: Path):
    import pyoxigraph

    from .backend.oxigraph_store import from_ox

    cache: dict = {}
    with path.open("rb") as fh:
        for q in pyoxigraph.parse(fh, format=pyoxigraph.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()):
            yield from_ox(q.subject, cache), from_ox(q.predicate, cache), from_ox(q.object, cache)


def _with_header(raw: bytes, triples) -> bytes:
    """The part rewritten in the importer's own form, keeping its opening comment lines (the digest
    of its entities, folder_resolution.DIGEST_LINE, made again for the new triples)."""
    from .folder_resolution import DIGEST_LINE, entity_digest
    from .importers.context import Triples
    from .importers.turtle import write_turtle

    if not isinstance(triples, Triples):  # an import's text triples are written as they are
        triples = set(triples)
    head = []
    for line in raw.decode("utf-8").splitlines(keepends=True):
        if not line.startswith("#"):
            break
        head.append(f"{DIGEST_LINE}{entity_digest(triples)}\n" if line.startswith(DIGEST_LINE) else line)
    return ("".join(head) + ("\n" if head else "") + write_turtle(triples)).encode("utf-8")


def _label_of(folder: Path, iri: str) -> str:
    """The candidate's label, read from the folder's files that name it."""
    target = URIRef(iri)
    for path in store.data_files(folder):
        if local_name(iri).encode("utf-8") not in path.read_bytes():
            continue
        for s, p, o in _parse(path):
            if s == target and p == RDFS.label:
                return str(o)
    return ""


def to_dict(p: Proposal) -> dict[str, str]:
    return {**asdict(p), "import": p.import_file}
