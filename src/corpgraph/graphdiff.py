"""What changed between two versions of the graph: records, entities and sources added, removed and
changed field by field, and the money totals that moved (``corpgraph diff``).

Each side is a *snapshot*: a graph folder, a corpgraph store, or a git revision of a graph folder
(``git:REV`` for the graph folder in use, ``git:REV:PATH`` for a folder of the repository of the
current directory), read with ``git ls-tree``/``git cat-file`` into a temporary folder; the work
tree and the index are never touched.

How it stays fast on big graphs: each side lists its parts (the graph's files) with the SHA-256 of
each; parts with the same digest on both sides are identical and skipped.  Of the parts that differ,
only the statements that differ are parsed (``_text_candidates``; the whole file when its text does
not split surely), and the subjects of the triples that differ are the candidates.  Each candidate is then
described in full on both sides (every triple with it as subject, across all parts) and compared, so
a triple that only moved from one file to another is no change.  Money is compared through the money
library (``money.money_report``), per entity, direction, amount kind and currency, for the entities
that take part in a changed record with an amount: amounts of different kinds are never added.  The
entity network of a git revision is kept in the cache by graph version (``KEPT_REVISIONS`` of them),
so the next diff against the same revision does not build it again.

Blank nodes are not compared (the graph's data files use none; the SHACL shapes are not data).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from . import store as graph_store
from .backend import Backend
from .backend.sparqltext import values_block
from .errors import CannotRun, CorpgraphError
from .ontology import Ontology, read_ontology
from .vocab import CG, PREFIXES, SPARQL_PREFIXES, local_name

GIT_PREFIX = "git:"
STORE_PREFIX = "store:"
MAX_REVISIONS = 2_000  # revisions of the graph folder searched for a version stamp (--since)
_CHUNK = 500  # subjects per VALUES block
_MONEY_FIELDS = (CG.amount, CG.amountText)
PartContent = bytes | set[tuple[str, str, str]] | None


class DiffError(CorpgraphError):
    """A side of the diff cannot be read as asked: an unknown revision, a folder outside git..."""


# -- snapshots -------------------------------------------------------------------------------------


@dataclass
class Snapshot:
    """One side of a diff: its graph (a Backend), its parts with their digests, and how to read a part."""

    spec: str  # as the user wrote it
    description: str  # what it is: "folder graph", "store mystore", "git HEAD~1 (3f2a1c9d0e1b) of graph"
    backend: Backend
    parts: dict[str, str | None]  # part name (file path without .ttl) -> SHA-256 of its file
    # a part's content: the bytes of its Turtle file (folders, git), or its triples as N-Triples terms
    read_part: Callable[[str], PartContent]

    @property
    def version(self) -> str:
        return self.backend.version()


@contextmanager
def open_snapshot(spec: str, graph_dir: str | os.PathLike[str] | None = None) -> Iterator[Snapshot]:
    """The snapshot named by ``spec``; temporary folders and stores are released on exit.

    ``git:REV`` is the graph folder in use (``graph_dir``, else $CORPGRAPH_GRAPH, else the bundled
    graph) as it was in revision REV of the repository holding it; ``git:REV:PATH`` is the folder
    PATH (from the top of the repository of the current directory, as ``git show REV:PATH`` reads
    it); ``store:PATH`` a corpgraph store; any other PATH a graph folder, or a store when it is one.
    """
    if spec.startswith(GIT_PREFIX):
        with _git_snapshot(spec, graph_dir) as snap:
            yield snap
        return
    if spec.startswith(STORE_PREFIX):
        snap = _store_snapshot(spec, Path(spec[len(STORE_PREFIX) :]))
    else:
        path = Path(spec).expanduser()
        if path.is_dir() and (path / "CURRENT").is_file():
            snap = _store_snapshot(spec, path)
        elif path.is_dir():
            snap = _folder_snapshot(spec, path, f"folder {spec}")
        else:
            raise CannotRun(
                f"{spec!r} is neither a graph folder nor a store; name a git revision as git:REV "
                "(or git:REV:PATH)."
            )
    try:
        yield snap
    finally:
        snap.backend.close()


def _folder_parts(folder: Path) -> dict[str, str | None]:
    return {
        _part_of(f.relative_to(folder)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in graph_store.data_files(folder)
    }


def _part_of(rel: Path | PurePosixPath) -> str:
    return PurePosixPath(*rel.parts).as_posix().removesuffix(".ttl")


def _file_reader(folder: Path) -> Callable[[str], bytes | None]:
    def read(part: str) -> bytes | None:
        path = folder / f"{part}.ttl"
        return path.read_bytes() if path.is_file() else None

    return read


def _folder_snapshot(spec: str, folder: Path, description: str, *, temporary: bool = False) -> Snapshot:
    from .backend.cache import cache_root, open_folder, parse_folder

    folder = graph_store.resolve_graph_dir(folder)
    parts = _folder_parts(folder)
    if temporary:  # never index a temporary folder into the cache: parse it for this command
        if cache_root() is None:
            from .backend.memory import MemoryBackend

            backend: Backend = MemoryBackend.from_folder(folder)
        else:
            backend = parse_folder(folder, kind=_revision_folder_class())
    else:
        backend = open_folder(folder)
    return Snapshot(spec, description, backend, parts, _file_reader(folder))


KEPT_REVISIONS = 4  # networks of git revisions kept in the cache (about 18 MB each on the real-data graph)


@functools.cache
def _revision_folder_class() -> type:
    """A git revision parsed for one diff, whose entity network (netgraph.project) is kept in the cache
    by graph version, so a second diff against the same revision does not build it again."""
    from .backend.cache import ParsedFolder, cache_root

    class RevisionFolder(ParsedFolder):
        def cache_dir(self) -> Path | None:
            root = cache_root()
            if root is None:
                return None
            where = root / "derived" / "revisions" / self.version().replace(":", "-")
            try:
                where.mkdir(parents=True, exist_ok=True)
                os.utime(where)
                kept = sorted(where.parent.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
                for old in kept[KEPT_REVISIONS:]:
                    shutil.rmtree(old, ignore_errors=True)
            except OSError:
                return None
            return where

    return RevisionFolder


def _store_snapshot(spec: str, path: Path) -> Snapshot:
    from .backend.oxigraph_store import OxigraphBackend

    if not (path / "CURRENT").is_file():
        raise CannotRun(f"{str(path)!r} is not a corpgraph store (no CURRENT file).")
    backend = OxigraphBackend.open(path, refresh=False)
    parts: dict[str, str | None] = dict(backend.state.get("parts") or {})

    def read(part: str) -> PartContent:
        g = backend.part_graph(part)
        return {(s.n3(), p.n3(), o.n3()) for s, p, o in g} if g is not None else set()

    return Snapshot(spec, f"store {path}", backend, parts, read)


# -- git -------------------------------------------------------------------------------------------


def _git(cwd: Path, *args: str, input: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(cwd), *args], input=input, capture_output=True, check=False, timeout=300
        )
    except FileNotFoundError:
        raise CannotRun("git is not installed: git revisions cannot be read.") from None
    except subprocess.TimeoutExpired:
        raise CannotRun(f"git {' '.join(args[:2])} did not finish within 300 s") from None
    if done.returncode != 0:
        raise DiffError(f"git {' '.join(args)}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


@dataclass(frozen=True)
class GitFolder:
    """A graph folder inside a git repository: the repository's top and the folder's path in it."""

    top: Path
    prefix: str  # POSIX path from the top ("" for the top itself)

    @classmethod
    def of(cls, folder: Path) -> GitFolder:
        folder = folder.resolve()
        try:
            top = Path(_git(folder, "rev-parse", "--show-toplevel").decode().strip()).resolve()
        except DiffError:
            raise DiffError(
                f"{folder} is not in a git repository: name its revisions with git:REV:PATH"
            ) from None
        rel = folder.relative_to(top)
        return cls(top, PurePosixPath(*rel.parts).as_posix() if rel.parts else "")

    def commit(self, rev: str) -> str:
        try:
            return _git(self.top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
        except DiffError:
            raise DiffError(f"no revision {rev!r} in the git repository {self.top}") from None

    def files(self, commit: str) -> list[tuple[str, str]]:
        """(path in the folder, blob id) of each regular ``.ttl`` file the folder held in ``commit``,
        hidden files and folders left out as a graph folder leaves them out."""
        args = ["ls-tree", "-r", "-z", "--full-tree", commit]
        if self.prefix:
            args += ["--", self.prefix + "/"]
        out = []
        for entry in _git(self.top, *args).split(b"\0"):
            if not entry:
                continue
            meta, _, path_bytes = entry.partition(b"\t")
            mode, kind, blob = meta.decode().split()
            path = path_bytes.decode("utf-8", errors="surrogateescape")
            rel = path[len(self.prefix) + 1 :] if self.prefix else path
            parts = PurePosixPath(rel).parts
            if kind != "blob" or mode not in ("100644", "100755") or not rel.endswith(".ttl"):
                continue
            if any(p.startswith(".") for p in parts):
                continue
            out.append((rel, blob))
        return out

    def blobs(self, ids: Iterable[str]) -> Iterator[bytes]:
        """The contents of git blobs, in order, through one ``git cat-file --batch``."""
        wanted = list(ids)
        if not wanted:
            return
        raw = _git(self.top, "cat-file", "--batch", input=("\n".join(wanted) + "\n").encode())
        pos = 0
        for _ in wanted:
            end = raw.index(b"\n", pos)
            size = int(raw[pos:end].split()[2])
            yield raw[end + 1 : end + 1 + size]
            pos = end + 1 + size + 1

    def write(self, commit: str, into: Path) -> int:
        """Write the folder as it was in ``commit`` under ``into``; the number of files written."""
        files = self.files(commit)
        for (rel, _), data in zip(files, self.blobs(b for _, b in files), strict=True):
            target = into / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return len(files)

    def version(self, commit: str) -> str | None:
        """The graph version stamp (``store.graph_version``) of the folder in ``commit``."""
        files = self.files(commit)
        if not files:
            return None
        contents = dict(zip((r for r, _ in files), self.blobs(b for _, b in files), strict=True))
        return graph_store.version_of(contents)

    def revisions(self, limit: int = MAX_REVISIONS) -> list[str]:
        """The commits that changed the folder, newest first."""
        args = ["log", "--format=%H", f"--max-count={limit}", "HEAD"]
        if self.prefix:
            args += ["--", self.prefix]
        return _git(self.top, *args).decode().split()


def _parse_git_spec(spec: str, graph_dir: str | os.PathLike[str] | None) -> tuple[GitFolder, str, str]:
    """(folder, revision, how to name it) from ``git:REV`` or ``git:REV:PATH``."""
    body = spec[len(GIT_PREFIX) :]
    rev, sep, path = body.partition(":")
    if not rev:
        raise DiffError(f"{spec!r}: name a revision, as git:HEAD, git:HEAD~1, git:v1.0 or git:REV:PATH")
    if sep:
        top = Path(_git(Path.cwd(), "rev-parse", "--show-toplevel").decode().strip()).resolve()
        prefix = PurePosixPath(path).as_posix().strip("/")
        if prefix in (".", ""):
            prefix = ""
        if prefix.startswith("../") or prefix == "..":
            raise DiffError(f"{spec!r}: the path must stay inside the repository")
        return GitFolder(top, prefix), rev, path
    folder = graph_store.resolve_graph_dir(graph_dir)
    return GitFolder.of(folder), rev, str(folder)


@contextmanager
def _git_snapshot(spec: str, graph_dir: str | os.PathLike[str] | None) -> Iterator[Snapshot]:
    where, rev, name = _parse_git_spec(spec, graph_dir)
    commit = where.commit(rev)
    tmp = Path(tempfile.mkdtemp(prefix="corpgraph-diff-"))
    try:
        folder = tmp / "graph"
        folder.mkdir()
        if where.write(commit, folder) == 0:
            raise DiffError(f"{spec!r}: revision {rev} holds no .ttl files in {name}")
        named = commit[:12] if commit.startswith(rev) else f"{rev} ({commit[:12]})"
        snap = _folder_snapshot(spec, folder, f"git {named} of {name}", temporary=True)
        try:
            yield snap
        finally:
            snap.backend.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- version stamps of published pieces (--since) -------------------------------------------------

_STAMP = re.compile(rb"sha256:[0-9a-f]{12}(?![0-9a-f])")
_META_STAMP = re.compile(rb'<meta name="corpgraph-version" content="(sha256:[0-9a-f]{12})"')


def version_stamp(path: str | os.PathLike[str]) -> str:
    """The graph version a map or export names (``corpgraph-map.html``, a Markdown fact list, Turtle,
    GraphML, a CSV folder or .zip...).  DiffError when it names none, or several."""
    p = Path(path)
    try:
        if p.is_dir():
            blobs = [f.read_bytes() for f in sorted(p.iterdir()) if f.is_file()]
        elif zipfile.is_zipfile(p):
            with zipfile.ZipFile(p) as z:
                blobs = [z.read(n) for n in z.namelist() if not n.endswith("/")]
        else:
            blobs = [p.read_bytes()]
    except OSError as exc:
        raise CannotRun(f"cannot read {p}: {exc.strerror or exc}") from None
    for blob in blobs:
        meta = _META_STAMP.search(blob)
        if meta:
            return meta.group(1).decode()
    found = sorted({m.group(0).decode() for blob in blobs for m in _STAMP.finditer(blob)})
    if not found:
        raise DiffError(
            f"{p} names no graph version (sha256:...): it is not a corpgraph map or export, or it is an "
            "image (PNG), which holds the version only as drawn text"
        )
    if len(found) > 1:
        raise DiffError(
            f"{p} names several graph versions ({', '.join(found)}): cannot tell which it came from"
        )
    return found[0]


@dataclass
class SinceAnswer:
    """Where a published piece's graph version is in the history of a graph folder."""

    version: str
    commit: str | None  # the newest commit whose folder has that version
    is_current: bool  # the folder as it is now has that version
    searched: int  # revisions looked at


def find_version(folder: str | os.PathLike[str] | None, version: str) -> SinceAnswer:
    """The git revision of the graph folder whose graph version is ``version`` (newest first)."""
    resolved = graph_store.resolve_graph_dir(folder)
    if graph_store.graph_version(resolved) == version:
        return SinceAnswer(version, None, True, 0)
    try:
        where = GitFolder.of(resolved)
    except DiffError:
        raise DiffError(
            f"the graph version {version} is not that of {resolved} now, and {resolved} is not in a git "
            "repository, so no earlier version of it can be found: diff against a folder you name"
        ) from None
    revisions = where.revisions()
    for n, commit in enumerate(revisions, 1):
        if where.version(commit) == version:
            return SinceAnswer(version, commit, False, n)
    raise DiffError(
        f"no revision of {resolved} has the graph version {version} (searched the folder now and "
        f"{len(revisions)} commit(s) that changed it): the piece was made from a graph that was never "
        "committed, or from another folder; diff it against a folder or revision you name"
    )


# -- the diff ----------------------------------------------------------------------------------------


@dataclass
class Value:
    """One value of a field: its text (a label for an entity, a title for a source) and its IRI."""

    text: str
    iri: str | None = None
    datatype: str | None = None


@dataclass
class FieldChange:
    field: str  # the property as a prefixed name: cg:amount, rdfs:label
    old: list[Value]
    new: list[Value]


@dataclass
class ItemChange:
    """A record, entity, source or other term added, removed or changed."""

    iri: str
    label: str
    category: str  # record | entity | source | other
    kind: str  # its class's label: Contract, Company, Source
    change: str  # added | removed | changed
    summary: str  # "U.S. Immigration and Customs Enforcement contracts CoreCivic"
    fields: list[FieldChange]  # changed: the fields that differ; added/removed: every field
    sources: list[dict] = field(default_factory=list)  # a record's sources (new side, else old)


@dataclass
class MoneyMove:
    """A money total of one entity, direction, amount kind and currency that differs between the sides."""

    entity: str
    label: str
    direction: str  # in | out | party | figure (as in money.Flow)
    kind: str | None
    kind_label: str
    currency: str | None
    old: Decimal | None
    new: Decimal | None
    old_records: int
    new_records: int

    @property
    def delta(self) -> Decimal:
        return (self.new or Decimal(0)) - (self.old or Decimal(0))


@dataclass
class GraphDiff:
    old: dict[str, str]  # spec, description, version
    new: dict[str, str]
    parts_changed: list[str]
    items: list[ItemChange]
    money: list[MoneyMove]

    @property
    def changed(self) -> bool:
        return bool(self.items or self.money)

    def of(self, category: str, change: str | None = None) -> list[ItemChange]:
        return [i for i in self.items if i.category == category and (change is None or i.change == change)]


CATEGORIES = ("record", "entity", "source", "other")

Description = dict[Node, set[Node]]


def diff_snapshots(old: Snapshot, new: Snapshot, *, with_money: bool = True) -> GraphDiff:
    """Everything that differs between two snapshots (see the module doc)."""
    changed_parts = sorted(
        p
        for p in set(old.parts) | set(new.parts)
        if old.parts.get(p) != new.parts.get(p) or old.parts.get(p) is None
    )
    candidates: set[str] = set()
    for part in changed_parts:
        before = old.read_part(part) if part in old.parts else None
        after = new.read_part(part) if part in new.parts else None
        candidates |= changed_subjects(before, after)
    side = {"old": old, "new": new}
    desc = {k: _describe(s.backend, candidates) for k, s in side.items()}
    differing = sorted(s for s in candidates if desc["old"].get(s) != desc["new"].get(s))
    onto = {k: read_ontology(s.backend) for k, s in side.items()}
    mentioned = {
        str(o)
        for d in desc.values()
        for s in differing
        for vals in d.get(s, {}).values()
        for o in vals
        if isinstance(o, URIRef)
    }
    mentioned |= set(differing)
    names = {k: _names(s.backend, mentioned) for k, s in side.items()}
    items = []
    for s in differing:
        items.append(_item(s, desc["old"].get(s), desc["new"].get(s), onto, names))
    items.sort(
        key=lambda i: (
            CATEGORIES.index(i.category),
            ("changed", "added", "removed").index(i.change),
            i.label,
            i.iri,
        )
    )
    moves = _money_moves(old, new, items, desc, onto, names) if with_money else []

    def info(s: Snapshot) -> dict[str, str]:
        return {"spec": s.spec, "description": s.description, "version": s.version}

    return GraphDiff(info(old), info(new), [p + ".ttl" for p in changed_parts], items, moves)


def changed_subjects(before: PartContent, after: PartContent) -> set[str]:
    """The IRIs that are the subject of a triple in one content and not in the other (a superset of
    the subjects whose description differs: the caller compares each in full)."""
    if isinstance(before, bytes) and isinstance(after, bytes):
        quick = _text_candidates(before, after)
        if quick is not None:
            return quick
        a, b = _ox_triples(before), _ox_triples(after)
        return {t.subject.value for t in a ^ b if isinstance(t.subject, _ox().NamedNode)}
    a_str, b_str = _nt_triples(before), _nt_triples(after)
    return {s[1:-1] for s, _, _ in a_str ^ b_str if s.startswith("<") and s.endswith(">")}


def _ox():
    import pyoxigraph

    return pyoxigraph


def _ox_triples(data: bytes) -> set:
    ox = _ox()
    return set(ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri="file:///graph/"))


def _nt_triples(content: PartContent) -> set[tuple[str, str, str]]:
    if content is None:
        return set()
    if isinstance(content, bytes):
        return {(str(t.subject), str(t.predicate), str(t.object)) for t in _ox_triples(content)}
    return content


_DECLARATION = re.compile(rb"^[ \t]*(@prefix|@base|prefix|base)[ \t]", re.IGNORECASE | re.MULTILINE)
_COMMENT_OR_BLANK = re.compile(rb"[ \t]*(#.*)?")


def _statement_chunks(data: bytes) -> tuple[bytes, set[bytes]] | None:
    """A Turtle file as (its header of prefix declarations, its statements in blank-line separated
    chunks), when that split is sure to keep every statement whole; else None.

    Sure when: no long strings (a short string cannot hold a line break, so a blank line is always
    between tokens), declarations only at the top, and every chunk's last line of code ends with the
    statement's ``.`` and holds no ``#`` (which could start a comment hiding the real ending).
    """
    if b'"""' in data or b"'''" in data or b"\r" in data:
        return None
    declarations = list(_DECLARATION.finditer(data))
    split = data.find(b"\n", declarations[-1].end()) + 1 if declarations else 0
    if declarations and split == 0:
        return None
    header = data[:split]
    for line in header.split(b"\n"):
        if not _DECLARATION.match(line) and not _COMMENT_OR_BLANK.fullmatch(line):
            return None  # a statement before a declaration
    chunks = set()
    for chunk in data[split:].split(b"\n\n"):
        code = chunk.rstrip()
        while code:
            cut = code.rfind(b"\n")
            last = code[cut + 1 :]
            if not last.lstrip().startswith(b"#"):
                break
            code = code[:cut].rstrip() if cut >= 0 else b""
        if not code:
            continue  # comments only
        if not last.endswith(b".") or b"#" in last:
            return None
        chunks.add(chunk)
    return header, chunks


def _text_candidates(before: bytes, after: bytes) -> set[str] | None:
    """``changed_subjects`` of two Turtle files through their differing statements only: the
    statements both files hold word for word are left unparsed.  None when the files do not split
    surely (see ``_statement_chunks``) or a differing statement does not parse alone."""
    a, b = _statement_chunks(before), _statement_chunks(after)
    if a is None or b is None or a[0] != b[0]:
        return None
    a_set, b_set = a[1], b[1]
    try:
        only_a = _ox_triples(a[0] + b"\n" + b"\n".join(a_set - b_set))
        only_b = _ox_triples(b[0] + b"\n" + b"\n".join(b_set - a_set))
    except SyntaxError:
        return None
    ox = _ox()
    return {t.subject.value for t in only_a ^ only_b if isinstance(t.subject, ox.NamedNode)}


def _describe(backend: Backend, subjects: Iterable[str]) -> dict[str, Description]:
    """Every (predicate -> objects) of each subject, across the whole graph."""
    out: dict[str, Description] = {}
    todo = sorted(subjects)
    for i in range(0, len(todo), _CHUNK):
        block = values_block(["s"], ([s] for s in todo[i : i + _CHUNK]))
        for s, p, o in backend.select(f"SELECT ?s ?p ?o WHERE {{ {block} ?s ?p ?o }}").rows:
            if s is not None and p is not None and o is not None:
                out.setdefault(str(s), defaultdict(set))[p].add(o)
    return {s: dict(d) for s, d in out.items()}


_NAMES_QUERY = (
    SPARQL_PREFIXES + "SELECT ?x ?label ?title ?pub ?issued ?url WHERE { %s "
    "OPTIONAL { ?x rdfs:label ?label } OPTIONAL { ?x dcterms:title ?title } "
    "OPTIONAL { ?x dcterms:publisher ?pub } OPTIONAL { ?x dcterms:issued ?issued } "
    "OPTIONAL { ?x schema:url ?url } }"
)


def _names(backend: Backend, iris: Iterable[str]) -> dict[str, dict]:
    """Label, or source citation fields, of each IRI that has some."""
    out: dict[str, dict] = {}
    todo = sorted(i for i in iris if _is_iri(i))
    for i in range(0, len(todo), _CHUNK):
        block = values_block(["x"], ([x] for x in todo[i : i + _CHUNK]))
        for row in backend.select(_NAMES_QUERY % block).dicts():
            item = out.setdefault(str(row["x"]), {"iri": str(row["x"])})
            for key, col in (
                ("label", "label"),
                ("title", "title"),
                ("publisher", "pub"),
                ("issued", "issued"),
                ("url", "url"),
            ):
                if col in row and key not in item:
                    item[key] = str(row[col])
    return out


def _is_iri(text: str) -> bool:
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|^`\\]*$", text))


_PREFIX_ORDER = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def prefixed(iri: str) -> str:
    """``cg:amount`` for the IRI of cg:amount; the IRI itself when no prefix fits."""
    for prefix, ns in _PREFIX_ORDER:
        if iri.startswith(ns) and re.fullmatch(r"[A-Za-z0-9_\-.]*", iri[len(ns) :]):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def _category(types: set[Node], onto: Ontology) -> tuple[str, str]:
    for t in sorted(types, key=str):
        if str(t) in onto.kind_labels:
            return "record", onto.kind_labels[str(t)]
    entity = [str(t) for t in types if str(t) in onto.entity_classes]
    if entity:
        best = max(entity, key=lambda c: (onto.entity_classes[c], c))
        return "entity", onto.class_labels.get(best, local_name(best))
    if CG.Source in types:
        return "source", "Source"
    return "other", ", ".join(sorted(prefixed(str(t)) for t in types)) or "term"


def _value(term: Node, names: dict[str, dict]) -> Value:
    if isinstance(term, URIRef):
        known = names.get(str(term), {})
        return Value(known.get("label") or known.get("title") or prefixed(str(term)), str(term))
    if isinstance(term, Literal):
        return Value(str(term), None, str(term.datatype) if term.datatype else None)
    return Value(str(term))


def _field_order(p: Node) -> tuple[int, str]:
    first = {RDF.type: 0, RDFS.label: 1}
    return (first.get(p, 2), prefixed(str(p)))  # type: ignore[call-overload]


def _values(terms: set[Node], names: dict[str, dict]) -> list[Value]:
    return sorted((_value(t, names) for t in terms), key=lambda v: (v.text, v.iri or ""))


def _item(
    s: str,
    before: Description | None,
    after: Description | None,
    onto: dict[str, Ontology],
    names: dict[str, dict[str, dict]],
) -> ItemChange:
    side = "new" if after is not None else "old"
    here = after if after is not None else before
    assert here is not None
    merged = {**names["old"], **names["new"]}
    category, kind = _category(here.get(RDF.type, set()), onto[side])
    if before is None or after is None:
        change = "added" if before is None else "removed"
        fields = [
            FieldChange(
                prefixed(str(p)),
                [] if change == "added" else _values(o, merged),
                _values(o, merged) if change == "added" else [],
            )
            for p, o in sorted(here.items(), key=lambda kv: _field_order(kv[0]))
        ]
    else:
        change = "changed"
        fields = [
            FieldChange(
                prefixed(str(p)),
                _values(before.get(p, set()), names["old"]),
                _values(after.get(p, set()), names["new"]),
            )
            for p in sorted(set(before) | set(after), key=_field_order)
            if before.get(p, set()) != after.get(p, set())
        ]
    label = next((str(x) for x in sorted(here.get(RDFS.label, set()), key=str)), None) or prefixed(s)
    sources = [
        dict(names[side].get(str(src)) or {"iri": str(src)})
        for src in sorted(here.get(CG.source, set()), key=str)
    ]
    return ItemChange(
        s, label, category, kind, change, _summary(here, onto[side], names[side]) or label, fields, sources
    )


def _summary(d: Description, onto: Ontology, names: dict[str, dict]) -> str:
    """A record as the sentence its edge rule gives ("ICE contracts CoreCivic"), when it has one."""
    for t in d.get(RDF.type, set()):
        rule = onto.rules.get(str(t))
        if rule is None:
            continue
        ends = []
        for role in (rule.from_role, rule.to_role):
            objs = sorted(d.get(URIRef(role), set()), key=str)
            ends.append(", ".join(_value(o, names).text for o in objs) or "?")
        return f"{ends[0]} {rule.label} {ends[1]}"
    return ""


def _money_moves(
    old: Snapshot,
    new: Snapshot,
    items: list[ItemChange],
    desc: dict[str, dict[str, Description]],
    onto: dict[str, Ontology],
    names: dict[str, dict[str, dict]],
) -> list[MoneyMove]:
    """The money totals that moved, per entity, direction, kind and currency (``money.money_report``)."""
    touched: set[str] = set()
    for item in items:
        if item.category != "record":
            continue
        for k in ("old", "new"):
            d = desc[k].get(item.iri)
            if d is None or not any(f in d for f in _MONEY_FIELDS):
                continue
            for p, objs in d.items():
                if p in (RDF.type, CG.source):
                    continue
                touched |= {str(o) for o in objs if isinstance(o, URIRef)}
    if not touched:
        return []
    from . import money, netgraph

    totals: dict[tuple[str, str], dict[tuple, tuple[Decimal, int, str]]] = {}
    labels: dict[str, str] = {}
    for k, snap in (("old", old), ("new", new)):
        g = netgraph.project(snap.backend, onto[k])
        for entity in sorted(touched):
            if entity not in g:
                continue
            report = money.money_report(snap.backend, entity, g)
            labels[entity] = report.label
            for t in report.by_kind:
                totals.setdefault((k, entity), {})[(t.direction, t.kind, t.currency)] = (
                    t.amount,
                    t.records,
                    t.kind_label,
                )
    moves = []
    for entity in sorted(touched, key=lambda e: (labels.get(e, e), e)):
        before, after = totals.get(("old", entity), {}), totals.get(("new", entity), {})
        for key in sorted(set(before) | set(after), key=lambda k: tuple(str(x) for x in k)):
            a, b = before.get(key), after.get(key)
            if a is not None and b is not None and a[:2] == b[:2]:
                continue
            direction, kind, currency = key
            moves.append(
                MoneyMove(
                    entity,
                    labels.get(entity, entity),
                    direction,
                    kind,
                    (b or a)[2],  # type: ignore[index]
                    currency,
                    a[0] if a else None,
                    b[0] if b else None,
                    a[1] if a else 0,
                    b[1] if b else 0,
                )
            )
    return moves


__all__ = [
    "DiffError",
    "FieldChange",
    "GraphDiff",
    "ItemChange",
    "MoneyMove",
    "SinceAnswer",
    "Snapshot",
    "Value",
    "diff_snapshots",
    "find_version",
    "open_snapshot",
    "prefixed",
    "version_stamp",
]
