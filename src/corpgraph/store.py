"""The graph of record on disk: find the graph folder, parse its Turtle files, write files atomically.

A graph folder holds ``*.ttl`` files (searched recursively: imports go to ``imports/``).  The
bundled graph is the repository's ``graph/`` in a checkout, or ``corpgraph/_bundled/graph`` inside
an installed wheel.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph

from .errors import GraphLoadError, GraphNotFound
from .fileio import write_atomically  # noqa: F401  (re-exported: the one atomic writer lives in fileio)
from .vocab import PREFIXES

ENV_GRAPH = "CORPGRAPH_GRAPH"

# rdflib logs a full traceback for every ill-typed literal it parses ("abc"^^xsd:decimal); the
# literal stays as written and `validate` reports it with its file and line, so keep stderr clean.
logging.getLogger("rdflib.term").setLevel(logging.ERROR)
_PACKAGE_DIR = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    """A folder shipped with corpgraph: inside the wheel, or at the top of a source checkout."""
    installed = _PACKAGE_DIR / "_bundled" / name
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parents[1] / name


def bundled_graph_dir() -> Path:
    return _bundled("graph")


def bundled_queries_dir() -> Path:
    return _bundled("queries")


def is_installed_package_path(path: Path) -> bool:
    """True for a folder inside the installed package (never a place to write imports into)."""
    return (_PACKAGE_DIR / "_bundled") in Path(path).resolve().parents or Path(path).resolve() == (
        _PACKAGE_DIR / "_bundled"
    )


def resolve_graph_dir(graph_dir: str | os.PathLike[str] | None = None) -> Path:
    """The graph folder in use: the argument, else $CORPGRAPH_GRAPH, else the bundled graph."""
    chosen = graph_dir or os.environ.get(ENV_GRAPH) or bundled_graph_dir()
    path = Path(chosen).expanduser()
    if not path.is_dir():
        raise GraphNotFound(
            f"Graph folder {str(path)!r} does not exist. Pass --graph DIR or set {ENV_GRAPH}."
        )
    return path


# What a graph folder may hold: a bounded walk (``--graph /`` is refused, not walked for hours) and
# files read only when they are regular files inside the folder, of a bounded size.
MAX_FILE_BYTES = 4 << 30
MAX_FOLDER_ENTRIES = 50_000
MAX_FOLDER_DEPTH = 16
MAX_PREFIXES = 2_000  # prefix declarations in one file (rdflib binds each in linear time: 20,000 took 250 s)


def graph_files(graph_dir: Path) -> list[Path]:
    """Every Turtle file of a graph folder, in a stable order; the ontology and shapes first.

    Hidden files and folders are skipped and symlinked folders are not followed.  A ``.ttl`` that is
    not a regular file (a FIFO, a device, a folder), a symlink leading outside the folder, a file over
    ``MAX_FILE_BYTES``, or a folder with more than ``MAX_FOLDER_ENTRIES`` entries is a GraphLoadError.
    """
    root = Path(graph_dir)
    real_root = root.resolve()
    candidates: list[Path] = []
    entries = 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if len(rel_dir.parts) >= MAX_FOLDER_DEPTH:
            dirnames[:] = []
        entries += len(dirnames) + len(filenames)
        if entries > MAX_FOLDER_ENTRIES:
            raise GraphLoadError(
                str(root),
                f"more than {MAX_FOLDER_ENTRIES:,} files and folders: this is not a graph folder "
                "(pass --graph DIR with the folder of .ttl files)",
            )
        candidates.extend(
            root / rel_dir / name for name in filenames if name.endswith(".ttl") and not name.startswith(".")
        )
    # Files are checked once the whole walk is known to be bounded, so a folder too big to be a graph
    # folder is reported as such, not by the first odd file found while walking it.
    files = [_checked_file(path, real_root) for path in candidates]
    if not files:
        raise GraphNotFound(f"Graph folder {str(graph_dir)!r} holds no .ttl files.")
    first = {"ontology.ttl": 0, "shapes.ttl": 1}
    return sorted(files, key=lambda p: (first.get(p.name, 2) if p.parent == graph_dir else 3, str(p)))


def _checked_file(path: Path, real_root: Path) -> Path:
    """``path`` when it is a regular file inside the graph folder, of a bounded size."""
    try:
        st = path.stat()
        real = path.resolve()
    except OSError as exc:
        raise GraphLoadError(str(path), exc.strerror or str(exc)) from None
    if real != real_root and real_root not in real.parents:
        raise GraphLoadError(
            str(path), f"a symlink to {real}, outside the graph folder: corpgraph does not follow it"
        )
    return _regular_file(path, st)


def _regular_file(path: Path, st: os.stat_result | None = None) -> Path:
    try:
        st = st or path.stat()
    except OSError as exc:
        raise GraphLoadError(str(path), exc.strerror or str(exc)) from None
    if not stat.S_ISREG(st.st_mode):
        raise GraphLoadError(
            str(path), "not a regular file (a FIFO, a device or a folder): move it out of the graph folder"
        )
    if st.st_size > MAX_FILE_BYTES:
        raise GraphLoadError(
            str(path), f"{st.st_size:,} bytes, more than the {MAX_FILE_BYTES:,} a graph file may hold"
        )
    return path


def data_files(graph_dir: Path) -> list[Path]:
    """The files whose triples make up the graph: everything but the SHACL shapes."""
    return [p for p in graph_files(graph_dir) if not (p.parent == graph_dir and p.name == "shapes.ttl")]


def new_graph() -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    return g


def parse_turtle_file(path: Path, into: Graph | None = None) -> Graph:
    """Parse one Turtle file; a syntax error or a bad IRI becomes GraphLoadError with file, line and column.

    Oxigraph's parser reads the file first: it is strict where rdflib is lenient (rdflib accepts an
    IRI holding a space, and decodes ``\\u003E`` inside ``<...>`` into ``>``, which would let a
    graph file smuggle SPARQL into every query that names that IRI), and it gives the column.
    """
    g = into if into is not None else new_graph()
    text = check_turtle_file(path)
    try:
        g.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except Exception as exc:  # rdflib raises several types; all mean "cannot parse"
        raise _locate_syntax_error(path, text, exc) from None
    return g


def check_turtle_file(path: Path) -> str:
    """The text of a Turtle file that Oxigraph's strict parser reads; otherwise GraphLoadError with
    file, line and column (the checks of ``parse_turtle_file`` before rdflib parses the text)."""
    _regular_file(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise GraphLoadError(str(path), exc.strerror or str(exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise GraphLoadError(str(path), f"not UTF-8 ({exc.reason} at byte {exc.start})", line) from None
    _strict_check(path, raw)
    return text


_PREFIX_LINE = re.compile(rb"(?mi)^[ \t]*@?prefix[ \t]")


def _strict_check(path: Path, raw: bytes) -> None:
    """GraphLoadError at the first place Oxigraph's parser refuses (bad syntax, an invalid IRI)."""
    import pyoxigraph

    prefixes = len(_PREFIX_LINE.findall(raw))
    if prefixes > MAX_PREFIXES:
        raise GraphLoadError(
            str(path),
            f"{prefixes:,} prefix declarations, more than the {MAX_PREFIXES:,} a graph file may hold",
        )
    try:
        for _ in pyoxigraph.parse(raw, format=pyoxigraph.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()):
            pass
    except SyntaxError as ox:
        line, col = _oxigraph_position(ox)
        msg = ox.msg.split(": ", 1)[-1] if line else ox.msg
        raise GraphLoadError(str(path), " ".join(msg.split()), line, col) from None


def _locate_syntax_error(path: Path, text: str, exc: Exception) -> GraphLoadError:
    """rdflib reports a line but no column; Oxigraph's parser gives both, so ask it for the position."""
    try:
        _strict_check(path, text.encode("utf-8"))
    except GraphLoadError as located:
        return located
    line = getattr(exc, "lines", None)
    message = getattr(exc, "message", None) or str(exc)
    return GraphLoadError(
        str(path), " ".join(str(message).split()), (line + 1) if isinstance(line, int) else None
    )


def _oxigraph_position(err: SyntaxError) -> tuple[int | None, int | None]:
    # pyoxigraph sets lineno/offset (1-based) on its SyntaxError
    line = getattr(err, "lineno", None)
    col = getattr(err, "offset", None)
    return (int(line) if line else None, int(col) if col else None)


def load_graph(graph_dir: str | os.PathLike[str] | None = None, *, with_shapes: bool = False) -> Graph:
    """Parse every data file of the graph folder into one rdflib Graph (shapes left out unless asked)."""
    folder = resolve_graph_dir(graph_dir)
    g = new_graph()
    for path in graph_files(folder) if with_shapes else data_files(folder):
        parse_turtle_file(path, into=g)
    return g


def load_shapes(graph_dir: str | os.PathLike[str] | None = None) -> Graph:
    """The SHACL shapes of a graph folder, or the bundled shapes when the folder has none."""
    folder = resolve_graph_dir(graph_dir)
    path = folder / "shapes.ttl"
    if not path.is_file():
        path = bundled_graph_dir() / "shapes.ttl"
    return parse_turtle_file(path)


def graph_version(graph_dir: str | os.PathLike[str] | None = None) -> str:
    """A stamp that changes whenever any file of the graph changes: 'sha256:' + 12 hex digits."""
    folder = resolve_graph_dir(graph_dir)
    return version_of(
        {path.relative_to(folder).as_posix(): path.read_bytes() for path in graph_files(folder)}
    )


def version_of(files: dict[str, bytes]) -> str:
    """The version stamp of a graph folder given as {POSIX path in the folder: bytes} (every .ttl file,
    the shapes included): the files in ``graph_files`` order, each path and content hashed."""
    first = {"ontology.ttl": 0, "shapes.ttl": 1}
    h = hashlib.sha256()
    for rel in sorted(files, key=lambda r: (first.get(r, 2) if "/" not in r else 3, r)):
        h.update(rel.encode())
        h.update(b"\0")
        h.update(files[rel])
    return "sha256:" + h.hexdigest()[:12]


def count_triples(files: Iterable[Path]) -> int:
    g = new_graph()
    for f in files:
        parse_turtle_file(f, into=g)
    return len(g)
