"""The default backend: a graph folder, answered from an indexed copy that corpgraph keeps itself.

With no ``--store`` or ``--endpoint``, a command reads the graph folder through Oxigraph:

* a small folder (data files under ``SMALL_FOLDER_BYTES`` in all, such as the bundled graph) is parsed
  into an in-memory Oxigraph store on each command: a few milliseconds, less than opening a store on
  disk, and nothing is written anywhere;
* a bigger folder is answered from a persistent Oxigraph store in the cache folder
  (``$CORPGRAPH_CACHE``, else ``$XDG_CACHE_HOME/corpgraph``, else ``~/.cache/corpgraph``), one store
  per folder, named after the folder's resolved path.  It is the ``--store`` machinery
  (:class:`OxigraphBackend`): opened read-only when no file changed, refreshed part by part when one
  did, crash-safe, and locked against writers while it is read.  Results derived per graph version
  (the entity network) are kept inside it.

The Turtle folder stays the graph of record: deleting the cache loses nothing.  A cache that cannot be
used (a read-only or full disk, another command refreshing it at this moment) is skipped with a note
on stderr, and the folder is parsed in memory instead.  ``CORPGRAPH_CACHE=off`` forces the plain rdflib
path (:class:`MemoryBackend`) for tests and debugging.
"""

from __future__ import annotations

import hashlib
import os
import sys
import traceback
from pathlib import Path

import pyoxigraph as ox

from .. import store as graph_store
from ..errors import BackendError, GraphLoadError
from . import Backend
from .oxigraph_store import BULK_LOAD_BYTES, OxigraphBackend, part_iri, part_name

ENV_CACHE = "CORPGRAPH_CACHE"
OFF = ("off", "0", "no", "false", "none")
SMALL_FOLDER_BYTES = 1 << 20  # below this, parsing into memory beats opening a store (measured in bench/)


class CachedFolder(OxigraphBackend):
    """A graph folder answered from its store in the cache folder; reports the folder as its location."""

    name = "cache"


class ParsedFolder(OxigraphBackend):
    """A graph folder parsed into an in-memory Oxigraph store for one command."""

    name = "memory"

    def cache_dir(self) -> Path | None:
        return None

    def close(self) -> None:
        # Nothing on disk to release, so no garbage collection is forced (it costs more than the
        # whole command in a process with a large heap).
        self._store = None


def cache_root() -> Path | None:
    """The cache folder, or None when caching is off (``CORPGRAPH_CACHE=off``)."""
    env = os.environ.get(ENV_CACHE)
    if env is not None and env.strip().lower() in OFF:
        return None
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "corpgraph"


def store_path_for(folder: Path, root: Path) -> Path:
    """The cache store of a graph folder: ``<root>/stores/<folder name>-<12 hex of its resolved path>``."""
    resolved = folder.resolve()
    key = hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    return root / "stores" / f"{resolved.name or 'root'}-{key}"


def derived_file(folder: Path, name: str) -> Path | None:
    """Where to keep a result derived from a graph folder (name it after the graph version), or None
    when caching is off.  ``<root>/derived/<folder key>/<name>``; deleting it loses nothing."""
    root = cache_root()
    if root is None:
        return None
    key = store_path_for(folder, root).name
    return root / "derived" / key / name


def open_folder(graph_dir: str | os.PathLike[str] | None = None, *, parts: bool = False) -> Backend:
    """The default backend for a graph folder (see the module doc); ``parts``: a folder parsed in
    memory keeps each file in its named graph too, as the cache store does (for validation, which
    names the file of each problem)."""
    root = cache_root()
    if root is None:
        from .memory import MemoryBackend

        return MemoryBackend.from_folder(graph_dir)
    folder = graph_store.resolve_graph_dir(graph_dir).resolve()
    files = graph_store.data_files(folder)
    if sum(f.stat().st_size for f in files) < SMALL_FOLDER_BYTES:
        return parse_folder(folder, files, parts=parts)
    path = store_path_for(folder, root)
    try:
        path.mkdir(parents=True, exist_ok=True)
        backend = CachedFolder.open(path, graph_dir=folder, progress=_first_line_only())
    except (BackendError, OSError) as exc:
        traceback.clear_frames(exc.__traceback__)  # their locals would keep the store open
        reason = str(exc) if isinstance(exc, BackendError) else (exc.strerror or str(exc))
        _note(f"the cache {path} cannot be used now ({reason}); parsing {folder} instead.")
        return parse_folder(folder, files, parts=parts)
    backend.location = str(folder)
    return backend


def parse_folder(
    folder: Path,
    files: list[Path] | None = None,
    *,
    kind: type[ParsedFolder] | None = None,
    parts: bool = False,
) -> ParsedFolder:
    """Every data file of the folder parsed into one in-memory Oxigraph store (the union, as rdflib has it);
    ``kind``: a subclass of ParsedFolder to make (one that keeps derived results somewhere); ``parts``:
    each file also in its named graph (``part_iri``), as in the cache store."""
    mem = ox.Store()
    for f in files if files is not None else graph_store.data_files(folder):
        load = mem.bulk_load if f.stat().st_size > BULK_LOAD_BYTES else mem.load
        try:
            if parts:
                iri = part_iri(part_name(f.relative_to(folder).as_posix()))
                load(
                    path=str(f),
                    format=ox.RdfFormat.TURTLE,
                    base_iri=f.resolve().as_uri(),
                    to_graph=ox.NamedNode(iri),
                )
                mem.update(f"ADD GRAPH <{iri}> TO DEFAULT")  # the same blank nodes in both
                continue
            load(path=str(f), format=ox.RdfFormat.TURTLE, base_iri=f.resolve().as_uri())
        except SyntaxError as exc:
            graph_store.parse_turtle_file(f)  # raises GraphLoadError with file, line and column
            raise GraphLoadError(str(f), str(exc)) from None
        except OSError as exc:
            raise GraphLoadError(str(f), exc.strerror or str(exc)) from None
    triples = (
        len(mem) if not parts else sum(1 for _ in mem.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    )
    state = {"version": graph_store.graph_version(folder), "triples": triples}
    return (kind or ParsedFolder)(mem, folder, folder, state)


def _first_line_only():
    """Progress for a cache refresh: one line on stderr when files are (re)loaded, not one per file."""
    told: list[str] = []

    def say(message: str) -> None:
        if not told:
            told.append(message)
            _note(f"indexing the graph folder into the cache: {message}")

    return say


def _note(message: str) -> None:
    print(f"corpgraph: {message}", file=sys.stderr, flush=True)
