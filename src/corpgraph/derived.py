"""Results derived from one graph version (the entity index, the counts of ``stats``, the answers of
queries), computed once per version instead of once per command.

Each is kept twice: on the backend object for the rest of the command, and as JSON (the big network
files: plain-data pickles, ``to_pickle``) in the backend's cache folder (``Backend.cache_dir()``: the
store of a graph folder or of ``--store``), in a file named after the graph version, so the next
command of the same version reads it instead of asking the engine again.  A file that cannot be read
is computed again; one that cannot be written is skipped (a read-only store still answers); deleting
them loses nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import re
import weakref
from collections.abc import Callable, Container, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from .backend import Backend, QueryOutcome
from .gcpause import no_cycle_collection

T = TypeVar("T")

# Bump when the shape of a kept result changes, so files written by older code are not read.
FORMAT = 1

_MEMO: weakref.WeakKeyDictionary[Backend, dict[str, tuple[str, Any]]] = weakref.WeakKeyDictionary()


def kept(
    backend: Backend,
    name: str,
    build: Callable[[], T],
    to_json: Callable[[T], Any] = lambda value: value,
    from_json: Callable[[Any], T] = lambda data: data,
) -> T:
    """``build()`` for the backend's graph version, or what an earlier call (or command) kept of it.

    ``to_json``/``from_json`` turn the result into plain JSON data and back."""
    if not backend.keeps_derived:
        return build()
    version = backend.version()
    memo = _MEMO.setdefault(backend, {})
    hit = memo.get(name)
    if hit is not None and hit[0] == version:
        return hit[1]
    path = _file(backend, name, version)
    value: T | None = None
    if path is not None and path.is_file():
        try:
            with no_cycle_collection():  # see gcpause: half the time of reading a big kept result
                value = from_json(json.loads(path.read_bytes()))
        except (ValueError, KeyError, TypeError, IndexError, OSError):
            value = None  # damaged or from other code: computed again below
    if value is None:
        value = build()
        if path is not None:
            _write(path, name, to_json(value))
    memo[name] = (version, value)
    return value


class _PlainUnpickler(pickle.Unpickler):
    """Reads back plain data only: containers, strings, numbers, booleans and Decimals.  Any other
    class named in the file (a damaged or planted cache) is refused, so reading a kept file can never
    run code, whoever wrote it."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("decimal", "Decimal"):
            return Decimal
        raise pickle.UnpicklingError(f"a kept file may not name {module}.{name}")


def to_pickle(data: Any) -> bytes:
    """Plain data (see ``from_pickle``) as bytes for a kept file.  For big results read by every
    command: pickle rebuilds dicts in C and keeps shared objects shared, where JSON needs a Python
    pass to rebuild Decimals and shared dicts (the network at a million triples: 0.6-0.9 s, not
    1.2-1.8 s)."""
    return pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)


def from_pickle(raw: bytes) -> Any:
    """The plain data ``to_pickle`` wrote.  Raises ``pickle.UnpicklingError`` (or ValueError, EOFError...)
    on a damaged file, and on one naming any class but Decimal."""
    with no_cycle_collection():
        return _PlainUnpickler(io.BytesIO(raw)).load()


def file_stamp(version: str) -> str:
    """A graph version as a file name: ``sha256-<hex>`` for a content stamp, else a digest of it (a
    store's fallback stamp names its path, which may hold any character)."""
    if re.fullmatch(r"sha256:[0-9a-f]+", version):
        return version.replace(":", "-")
    return "v-" + hashlib.sha256(version.encode("utf-8")).hexdigest()[:16]


def _file(backend: Backend, name: str, version: str) -> Path | None:
    folder = backend.cache_dir()
    if folder is None:
        return None
    return folder / f"{name}-{file_stamp(version)}-v{FORMAT}.json"


def _write(path: Path, name: str, data: Any) -> None:
    replace_kept(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")), f"{name}-*.json")


def replace_kept(path: Path, data: bytes | str, earlier: str) -> None:
    """Keep a result at ``path`` and remove the files beside it matching ``earlier`` (the same result
    for other graph versions).  A read-only or full cache only loses the keeping: nothing is raised."""
    from .errors import OutputError
    from .fileio import write_atomically

    try:
        write_atomically(path, data)
    except (OSError, OutputError):
        return
    forget_others(path.parent, earlier, {path.name})


def forget_others(folder: Path, pattern: str, keep: Container[str | None]) -> None:
    """Remove the files of ``folder`` matching ``pattern`` whose names are not in ``keep`` (results
    kept for parts or versions that are gone); a folder that cannot be changed is left as it is."""
    try:
        for old in folder.glob(pattern):
            if old.name not in keep:
                old.unlink(missing_ok=True)
    except OSError:
        pass


# -- results kept per request ----------------------------------------------------------------------

KEPT_PER_KIND = 64  # results kept per kind and graph version; the least recently written go first


def kept_for(
    backend: Backend,
    kind: str,
    request: Any,
    build: Callable[[], T],
    to_json: Callable[[T], Any],
    from_json: Callable[[Any], T],
) -> T:
    """``build()``'s result for one request (``request``: plain JSON data naming it, e.g. an entity and
    the options asked for), or what an earlier command of the same graph version kept for the same
    request, in ``<cache>/<kind>-<version>/``: the answer to the same question is read back instead of
    computed again.  Nothing is kept where the backend keeps no cache."""
    folder = backend.cache_dir() if backend.keeps_derived else None
    if folder is None:
        return build()
    key = hashlib.sha256(json.dumps([FORMAT, request]).encode("utf-8")).hexdigest()[:32]
    path = folder / f"{kind}-{file_stamp(backend.version())}" / f"{key}.json"
    if path.is_file():
        try:
            return from_json(json.loads(path.read_bytes()))
        except (ValueError, KeyError, TypeError, IndexError, OSError):
            pass  # damaged or from other code: computed again below
    value = build()
    _write_kept(path, kind, to_json(value), KEPT_PER_KIND)
    return value


def _write_kept(path: Path, kind: str, data: Any, keep: int) -> None:
    """Write one kept result; drop the results of other graph versions and the oldest past ``keep``."""
    import shutil

    from .errors import OutputError
    from .fileio import write_atomically

    try:
        for old in path.parent.parent.glob(f"{kind}-*"):
            if old != path.parent and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)  # results of other graph versions
        write_atomically(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        kept_files = sorted(path.parent.glob("*.json"), key=lambda f: f.stat().st_mtime_ns)
        for old in kept_files[:-keep]:
            old.unlink(missing_ok=True)
    except (OSError, OutputError):
        pass  # a read-only store still answers, just without keeping this


# -- answers of queries -----------------------------------------------------------------------------

ANSWERS_KEPT = 64  # answers kept per graph version; the least recently written go first


def kept_answer(
    backend: Backend,
    sparql: str,
    bindings: Mapping[str, Node],
    max_rows: int | None,
    run: Callable[[], QueryOutcome],
) -> QueryOutcome:
    """``run()``'s answer to a SELECT or ASK query, or the answer an earlier command of the same graph
    version got to the same text, bindings and row limit (kept in ``<cache>/answers-<version>/``).

    CONSTRUCT and DESCRIBE answers are not kept; nor is anything where the backend keeps no cache."""
    folder = backend.cache_dir() if backend.keeps_derived else None
    if folder is None:
        return run()
    stamp = file_stamp(backend.version())
    key = hashlib.sha256(
        json.dumps(
            [FORMAT, sparql, sorted((k, _term_json(v)) for k, v in bindings.items()), max_rows]
        ).encode("utf-8")
    ).hexdigest()[:32]
    path = folder / f"answers-{stamp}" / f"{key}.json"
    if path.is_file():
        try:
            return _answer_from_json(json.loads(path.read_bytes()))
        except (ValueError, KeyError, TypeError, IndexError, OSError):
            pass  # damaged: asked again below
    outcome = run()
    if outcome.kind in ("SELECT", "ASK"):
        _write_answer(path, outcome)
    return outcome


def _write_answer(path: Path, outcome: QueryOutcome) -> None:
    data = {
        "kind": outcome.kind,
        "variables": outcome.variables,
        "rows": [[None if t is None else _term_json(t) for t in row] for row in outcome.rows],
        "boolean": outcome.boolean,
        "total": outcome.total,
    }
    _write_kept(path, "answers", data, ANSWERS_KEPT)


def _term_json(term: Node) -> list[str | None]:
    if isinstance(term, URIRef):
        return ["u", str(term)]
    if isinstance(term, BNode):
        return ["b", str(term)]
    if isinstance(term, Literal):
        return ["l", str(term), str(term.datatype) if term.datatype is not None else None, term.language]
    raise TypeError(f"cannot keep the term {term!r}")


def _term_from_json(data: list) -> Node:
    if data[0] == "u":
        return URIRef(data[1])
    if data[0] == "b":
        return BNode(data[1])
    if data[0] == "l":
        if data[3]:
            return Literal(data[1], lang=data[3])
        return Literal(data[1], datatype=URIRef(data[2])) if data[2] else Literal(data[1])
    raise ValueError(f"not a kept term: {data!r}")


def _answer_from_json(data: dict) -> QueryOutcome:
    made: dict[tuple, Node] = {}  # values recur down a column, and a Literal is slow to make

    def term(t: list) -> Node:
        key = tuple(t)
        found = made.get(key)
        if found is None:
            found = made[key] = _term_from_json(t)
        return found

    return QueryOutcome(
        data["kind"],
        list(data["variables"]),
        [tuple(None if t is None else term(t) for t in row) for row in data["rows"]],
        boolean=data["boolean"],
        total=data["total"],
    )
