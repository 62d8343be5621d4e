"""The triples the entity network is built from, read predicate by predicate, kept part by part.

``netgraph.build_network`` needs a few dozen predicates (types, labels, the roles of every record,
amounts, dates, quotes, sources...) of every record and entity; it joins them in Python.  Reading them
is most of the cost of a projection (every record is read once per predicate), so on a backend that
holds the graph as parts (a store, or the cache store of a graph folder: one part per file), each
part's triples are read from its own named graph and kept in the cache under the part's content hash.
After one file changes, only that part is read again; the others come from the cache.  Elsewhere
(an endpoint, a graph parsed in memory) the same scans run over the whole graph.

Values are plain text (IRIs and literals' lexical forms), never rdflib terms.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Iterable
from pathlib import Path
from typing import cast

from .backend import Backend
from .backend.sparqltext import iri_ref, values_block
from .derived import forget_others
from .errors import OutputError
from .vocab import PREFIXES

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# Bump when what a part's file holds changes, so files written by older code are not read.
_FORMAT = 2

# predicate IRI -> [subject, object] pairs, distinct, sorted (lists: as JSON reads them back)
Rows = dict[str, list[list[str]]]
Scanned = dict[str, list[tuple[str, str]]]


def expand(name: str) -> str:
    """A prefixed name (``cg:amount``) as its full IRI; a full IRI as it is."""
    prefix, sep, rest = name.partition(":")
    if sep and prefix in PREFIXES and not rest.startswith("//"):
        return PREFIXES[prefix] + rest
    return name


def read_rows(backend: Backend, predicates: Iterable[str], classes: Iterable[str]) -> Rows:
    """(subject, object) of every triple whose predicate is one of ``predicates`` (full IRIs), and
    under ``RDF_TYPE`` those whose class is one of ``classes``; distinct and sorted per predicate."""
    preds = sorted(set(predicates) - {RDF_TYPE})
    wanted = sorted(set(classes))
    parts = backend.part_hashes()
    cache_dir = backend.cache_dir()
    if not parts or cache_dir is None:
        return _distinct(_scan(backend, preds, wanted, None))
    digest = hashlib.sha256(json.dumps([_FORMAT, preds, wanted]).encode("utf-8")).hexdigest()[:12]
    folder = cache_dir / "netrows"
    kept: list[Rows] = []
    names: set[str] = set()
    for part, sha in sorted(parts.items()):
        key = hashlib.sha256(f"{part}\n{sha}".encode()).hexdigest()[:24]
        name = f"{key}-{digest}.json"
        names.add(name)
        rows = _load(folder / name)
        if rows is None:
            rows = _distinct(_scan(backend, preds, wanted, backend.part_graph_iri(part)))
            _save(folder / name, rows)
        kept.append(rows)
    forget_others(folder, "*.json", names)
    return _merge(kept)


def _scan(backend: Backend, preds: list[str], classes: list[str], graph: str | None) -> Scanned:
    def where(pattern: str) -> str:
        return f"GRAPH {iri_ref(graph)} {{ {pattern} }}" if graph else pattern

    out: Scanned = {}
    for p in preds:
        out[p] = _pairs(backend.select_text(f"SELECT ?s ?o WHERE {{ {where(f'?s {iri_ref(p)} ?o')} }}"))
    if classes:
        values = values_block(["o"], ([c] for c in classes))
        out[RDF_TYPE] = _pairs(
            backend.select_text(f"SELECT ?s ?o WHERE {{ {values} {where(f'?s {iri_ref(RDF_TYPE)} ?o')} }}")
        )
    return out


def _distinct(rows: Scanned) -> Rows:
    """Each predicate's rows distinct and sorted (a part as it is kept)."""
    return {p: [[s, o] for s, o in sorted(set(pairs))] for p, pairs in rows.items()}


def _merge(parts: list[Rows]) -> Rows:
    """The parts' rows together, distinct and sorted: one triple stated in two files is one triple
    of the graph.  Each part's rows are sorted already, so most predicates (held by one part) are
    taken as they are and the others merged in one pass."""
    out: Rows = {}
    for p in sorted({p for rows in parts for p in rows}):
        held = [rows[p] for rows in parts if rows.get(p)]
        if len(held) <= 1:
            out[p] = held[0] if held else []
            continue
        merged: list[list[str]] = []
        last = None
        for pair in heapq.merge(*held):
            if pair != last:
                merged.append(pair)
                last = pair
        out[p] = merged
    return out


def _pairs(rows: list[tuple[str | None, ...]]) -> list[tuple[str, str]]:
    return cast("list[tuple[str, str]]", rows)  # both variables of a triple pattern are always bound


def _load(path: Path) -> Rows | None:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None  # missing or damaged: read again
    return data if isinstance(data, dict) else None


def _save(path: Path, rows: Rows) -> None:
    from .fileio import write_atomically

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    except (OSError, OutputError):
        pass  # a read-only cache still answers, just without keeping this part
