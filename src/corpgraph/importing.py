"""Importing outside files into a graph: parse -> resolve -> build records -> write safely.

``import_file(kind, path, ...)`` runs one importer (:mod:`corpgraph.importers`) and writes its result
as one part of the graph folder::

    <graph dir>/imports/<kind>-<file slug>.ttl             the records and entities (Turtle)
    <graph dir>/imports/<kind>-<file slug>.decisions.csv   which source name went to which entity, and why
    <graph dir>/imports/<kind>-<file slug>.moves.csv       an award file's transactions (importers.matches)
    <graph dir>/imports/<kind>-<file slug>.evidence.jsonl  the names it resolved, replayed by later imports

The folder's imports are resolved together, in an order fixed by the files, not by their arrival
(:mod:`corpgraph.folder_resolution`): an earlier part whose decisions the new import changes is
rewritten with it.

Safety:

* **Atomic.** The files (the new part's and those of the earlier parts rewritten) are written aside
  and renamed into place only when everything succeeded;
  a failed or interrupted import leaves the graph folder byte for byte as it was.
* **Idempotent.** IRIs come from award ids, identifiers and slugs; no timestamps are added; names
  are resolved against the graph *without* this part's previous version.  Importing the same file
  twice writes the same bytes.
* **Strict or forgiving.** A bad row is reported (file, line, reason) and skipped; with
  ``strict=True`` any bad row fails the import and nothing is written.
* Never writes inside the installed package (``store.is_installed_package_path``), nor into the
  bundled graph when no folder was chosen (``--graph DIR`` or ``$CORPGRAPH_GRAPH``).

With a store or an endpoint (``backend`` not in memory) the part is also handed to
``backend.replace_part(part, graph)``; with ``files=False`` (an endpoint and no graph folder) only
there.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from rdflib.namespace import RDFS

from . import rdftext, store
from .backend import Backend
from .backend.storelock import FolderBusy, folder_write_lock
from .entity_resolution import ACCEPTED, DECISION_HEADER, REJECTED, Decision, Resolver
from .errors import ImportFailed
from .fileio import FilesTogether
from .folder_resolution import DIGEST_LINE, EVIDENCE_SUFFIX, FolderResolution, entity_digest, evidence_bytes
from .gcpause import no_cycle_collection
from .importers import KINDS
from .importers.common import Progress, RowError
from .importers.context import ImportContext
from .importers.matches import MOVES_SUFFIX, moves_csv
from .names import slugify
from .vocab import CG

MAX_ERRORS_IN_MESSAGE = 20
IMPORT_LOCK_WAIT = 120.0  # seconds an import waits for another import into the same folder


class StrictImportFailed(ImportFailed):
    """--strict and the file has bad rows: nothing was written.  ``errors`` lists them."""

    def __init__(self, path: Path, errors: list[RowError]):
        self.errors = errors
        lines = [
            f"{len(errors)} bad row{'s' if len(errors) != 1 else ''} in {path.name} (--strict): "
            "nothing was imported."
        ]
        lines += [f"  {e}" for e in errors[:MAX_ERRORS_IN_MESSAGE]]
        if len(errors) > MAX_ERRORS_IN_MESSAGE:
            lines.append(f"  ... and {len(errors) - MAX_ERRORS_IN_MESSAGE} more")
        super().__init__("\n".join(lines))


@dataclass
class ImportResult:
    """What an import did (or, with dry_run, would do)."""

    kind: str
    file: str
    shape: str
    part: str
    target: str | None
    decisions_file: str | None
    dry_run: bool
    written: bool = False
    changed: bool = False
    triples: int = 0
    stats: dict[str, int] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)
    rules: dict[str, int] = field(default_factory=dict)
    created: list[Decision] = field(default_factory=list)
    merged: list[Decision] = field(default_factory=list)
    ambiguous: list[Decision] = field(default_factory=list)
    pending: list[Decision] = field(default_factory=list)  # proposals waiting for corpgraph review
    reresolved: list[str] = field(default_factory=list)  # earlier imports rewritten (folder_resolution)
    errors: list[RowError] = field(default_factory=list)
    seconds: float = 0.0
    rows_per_second: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        def dec(d: Decision) -> dict[str, str]:
            return dict(zip(DECISION_HEADER, d.row(), strict=True))

        return {
            "kind": self.kind,
            "file": self.file,
            "shape": self.shape,
            "part": self.part,
            "target": self.target,
            "decisions_file": self.decisions_file,
            "dry_run": self.dry_run,
            "written": self.written,
            "changed": self.changed,
            "triples": self.triples,
            "stats": self.stats,
            "records": self.records,
            "rules": self.rules,
            "entities_created": len(self.created),
            "names_merged": len(self.merged),
            "ambiguous": [dec(d) for d in self.ambiguous],
            "pending_review": [dec(d) for d in self.pending],
            "reresolved": self.reresolved,
            "created": [dec(d) for d in self.created],
            "merged": [dec(d) for d in self.merged],
            "bad_rows": [
                {"file": e.file, "line": e.line, "field": e.field, "reason": e.reason} for e in self.errors
            ],
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
        }


def _module(kind: str) -> ModuleType:
    """The importer of ``kind`` (imported only when used)."""
    if kind == "usaspending":
        from .importers import usaspending

        return usaspending
    if kind == "csv":
        from .importers import csv_facts

        return csv_facts
    if kind == "facilities":
        from .importers import facilities

        return facilities
    if kind == "tornapart":
        from .importers import tornapart

        return tornapart
    raise ImportFailed(f"unknown import kind {kind!r}; choose one of: {', '.join(KINDS)}")


# a part's file name stays well under the 255 bytes file systems allow, whatever the input file's name
MAX_SLUG = 100


def part_name(kind: str, path: Path) -> str:
    """'imports/usaspending-cbp-ice-fy2025-contract-obligations': the part (and file) an import owns."""
    stem = Path(path).stem
    slug = slugify(stem)
    if len(slug) > MAX_SLUG:
        slug = (
            slug[: MAX_SLUG - 9].rstrip("-")
            + "-"
            + hashlib.sha1(stem.encode("utf-8", "replace")).hexdigest()[:8]
        )
    return f"imports/{kind}-{slug}"


def _imported_from(target: Path) -> str | None:
    """The input file name an existing part records in its first line, or None."""
    try:
        with target.open("rb") as fh:
            first = fh.readline(4096).decode("utf-8", "replace")
    except OSError:
        return None
    m = re.match(r'# Imported by `[^`]*` from ("(?:[^"\\]|\\.)*")', first)
    if not m:
        return None
    try:
        name = json.loads(m.group(1))
    except ValueError:
        return None
    return name if isinstance(name, str) else None


def import_file(
    kind: str,
    path: str | os.PathLike[str],
    *,
    graph_dir: str | os.PathLike[str] | None = None,
    backend: Backend | None = None,
    files: bool = True,
    dry_run: bool = False,
    strict: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one file of ``kind`` into the graph folder (and/or the backend's store); see the module doc."""
    t0 = time.perf_counter()
    mod = _module(kind)
    src = Path(path)
    if not src.is_file():
        raise ImportFailed(f"{src}: no such file")
    part = part_name(kind, src)
    folder: Path | None = None
    target = decisions = None
    if files:
        remembered = backend.folder if backend is not None else None
        if not (graph_dir or os.environ.get(store.ENV_GRAPH)) and remembered is not None:
            if Path(remembered).resolve() != store.bundled_graph_dir().resolve():
                graph_dir = remembered  # the folder the store was loaded from is the one in use
        folder = store.resolve_graph_dir(graph_dir)
        if store.is_installed_package_path(folder) and not dry_run:
            raise ImportFailed(
                f"{folder} is inside the installed corpgraph package; import into a graph "
                "folder of your own: copy the graph and pass --graph DIR."
            )
        if not (graph_dir or os.environ.get(store.ENV_GRAPH)) and not dry_run:
            raise ImportFailed(
                f"No graph folder chosen: imports are never written into the bundled graph ({folder}). "
                f"Copy it (cp -r {folder} my-graph) and pass --graph my-graph (or set {store.ENV_GRAPH})."
            )
        target = folder / f"{part}.ttl"
        decisions = folder / f"{part}.decisions.csv"
        earlier = _imported_from(target) if target.is_file() else None
        if earlier is not None and earlier != src.name:
            raise ImportFailed(
                f"{src}: its part {part} already holds the import of {earlier!r} (their names give one "
                "part); rename one of the two files so that each keeps its own part."
            )
    with contextlib.ExitStack() as held:
        if folder is not None and not dry_run:
            try:  # one import into a folder at a time: see storelock.folder_write_lock
                held.enter_context(folder_write_lock(folder, IMPORT_LOCK_WAIT, _tell))
            except FolderBusy:
                raise ImportFailed(
                    f"Another import into {folder} is still running after {IMPORT_LOCK_WAIT:.0f} s; "
                    "try again when it has finished."
                ) from None
        held.enter_context(no_cycle_collection())  # a third of an import's CPU time
        result = _import_into(
            mod, kind, src, part, folder, target, decisions, backend, files, dry_run, strict, progress
        )
    result.seconds = time.perf_counter() - t0
    rows = result.stats.get("rows read", 0)
    result.rows_per_second = rows / result.seconds if result.seconds else 0.0
    return result


def _import_into(
    mod: Any,
    kind: str,
    src: Path,
    part: str,
    folder: Path | None,
    target: Path | None,
    decisions: Path | None,
    backend: Backend | None,
    files: bool,
    dry_run: bool,
    strict: bool,
    progress: Progress | None,
) -> ImportResult:
    """The import itself, with the folder held (see :func:`import_file`)."""
    # The folder backend is loaded without this part's file, so nothing of it needs excluding (and
    # the previous file is not even read); a store or an endpoint holds the part: leave it out.
    previous = _previous_part(target, backend, part) if backend is not None else set()
    written: Backend | None = None  # the backend this import writes to, besides the folder
    # what a person decided on this import's earlier proposals is applied again (corpgraph review)
    # (a proposal's id names one question, so a decision recorded by another import applies here too)
    reviewed: dict[str, str] = {}
    if decisions is not None:
        for other in sorted(decisions.parent.glob("*.decisions.csv")):
            reviewed.update(read_reviewed(other))
        reviewed.update(read_reviewed(decisions))
    # with a graph folder, its imports are resolved together (folder_resolution): the names of this
    # one against the imports before it in the folder's resolution order, then those after it again
    together = None
    if folder is not None and target is not None:
        shape_of = getattr(mod, "shape_of", None)  # where the kind's shapes are resolved in an order
        together = FolderResolution(folder, part, shape_of(src) if shape_of else "")

    def start(index: Backend, exclude: set[tuple[str, str, str]]) -> Resolver:
        if together is None or target is None:
            return Resolver.from_backend(index, exclude=exclude, reviewed=reviewed)
        with _folder_backend(folder, [target, *together.part_files]) as base:
            return together.resolver_before(Resolver.from_backend(base, reviewed=reviewed))

    if backend is None:
        with _folder_backend(folder, target) as index:
            resolver = start(index, previous)
            ctx = ImportContext(kind, src, part, resolver, progress, backend=index)
            mod.run(ctx)
    else:
        written = backend if backend.writable else None
        resolver = start(backend, previous)
        ctx = ImportContext(kind, src, part, resolver, progress, backend=backend)
        mod.run(ctx)
    if strict and ctx.errors:
        raise StrictImportFailed(src, ctx.errors)
    rewrites = together.rewrites(resolver) if together is not None else []
    resolver.entity_triples(ctx.graph)
    result = _result(ctx, target, decisions, dry_run)
    file_sha256: str | None = None
    previous_ttl: bytes | None = None
    before_rewrite: dict[str, bytes] = {}
    placed: FilesTogether | None = None
    if target is not None and decisions is not None:
        ttl = _turtle(ctx, result)
        file_sha256 = hashlib.sha256(ttl).hexdigest()  # replace_part: the file is this part
        dec = _decisions_csv(resolver)
        outputs = [(decisions, dec), (target, ttl)]
        moves = target.with_name(target.name.removesuffix(".ttl") + MOVES_SUFFIX)
        if ctx.moves or moves.is_file():  # an award import's transactions, for curated records to come
            outputs.append((moves, moves_csv(ctx.moves)))
        evidence = target.with_name(target.name.removesuffix(".ttl") + EVIDENCE_SUFFIX)
        outputs.append((evidence, evidence_bytes(resolver)))
        for rw in rewrites:  # earlier imports whose decisions this one changed (folder_resolution)
            outputs += rw.files
            result.reresolved.append(rw.part)
        result.changed = not all(path.is_file() and path.read_bytes() == data for path, data in outputs)
        if not dry_run and result.changed:  # unchanged: not even the files' times are touched
            if written is not None:
                written.prepare_write()  # a store in use elsewhere fails here, with the folder untouched
            if written is not None and written.refreshed_from_folder and target.is_file():
                # what the store's part was loaded from: it swaps only the difference
                previous_ttl = target.read_bytes()
            if written is not None and written.refreshed_from_folder:
                for rw in rewrites:
                    before_rewrite[rw.part] = (folder / f"{rw.part}.ttl").read_bytes()  # type: ignore[operator]
            placed = FilesTogether(outputs)
            placed.place()
            result.written = True
    else:
        result.changed = True
    # A store opened on the folder was refreshed from its files: when this part's file is unchanged,
    # the store already holds exactly these triples and the (costly) swap is skipped.
    in_step = files and not result.changed and written is not None and written.refreshed_from_folder
    try:
        if written is not None and not dry_run and not in_step:
            written.replace_part(
                part, ctx.graph, file_sha256=file_sha256, previous=previous_ttl
            )  # iterable of rdflib triples with len()
            for rw in rewrites:
                written.replace_part(
                    rw.part,
                    rw.triples,
                    file_sha256=hashlib.sha256(rw.turtle).hexdigest(),
                    previous=before_rewrite.get(rw.part),
                )
            result.written = True
    except BaseException:
        if placed is not None:  # the folder as it was; the store reloads the part from it when next opened
            placed.revert()
        raise
    if placed is not None:
        placed.commit()
    return result


def _tell(message: str) -> None:
    """A note while an import waits (stderr: never mixed with a command's output)."""
    print(message, file=sys.stderr, flush=True)


def _folder_backend(folder: Path | None, skip: Path | Iterable[Path] | None) -> Backend:
    """The graph folder without this import's own part (or the files ``skip`` names), to resolve
    names against.

    Loaded into an in-memory Oxigraph store (17x faster to load than rdflib, and the part is simply
    left out); a file Oxigraph cannot read falls back to rdflib, which reports it with its position.
    """
    from .backend.memory import MemoryBackend

    try:
        import pyoxigraph as ox

        from .backend.cache import ParsedFolder
    except ImportError:  # pragma: no cover - pyoxigraph is a dependency
        return MemoryBackend.from_folder(folder)
    root = store.resolve_graph_dir(folder)
    oxs = ox.Store()
    skipped = {p.resolve() for p in ([skip] if isinstance(skip, Path) else skip or ())}
    try:
        for f in store.data_files(root):
            if f.resolve() in skipped:
                continue
            oxs.bulk_load(path=str(f), format=ox.RdfFormat.TURTLE, base_iri=f.resolve().as_uri())
    except (SyntaxError, OSError, ValueError):
        return MemoryBackend.from_folder(root)
    # in memory, so nothing derived from it is kept on disk (its path names no real folder)
    return ParsedFolder(oxs, root / ".import-index", root, {}, read_only=True)


# The only predicates Resolver.from_backend reads (labels, aliases, identifiers, places): the only
# triples of a previous part worth excluding.
RESOLVER_PREDICATES = frozenset(
    str(t) for t in (RDFS.label, CG.alias, CG.uei, CG.duns, CG.cage, CG.agencyCode, CG.detloc, CG.place)
)


def _previous_part(target: Path | None, backend: Backend | None, part: str) -> set[tuple[str, str, str]]:
    """This part as the last import left it, as (s, p, o) strings: these triples do not count when
    names are resolved again (so a second import decides, and writes, exactly as the first).
    From the file, only the triples the resolver reads (``RESOLVER_PREDICATES``) are kept."""
    if target is not None and target.is_file():
        import pyoxigraph

        try:
            wanted = RESOLVER_PREDICATES
            out = set()
            with target.open("rb") as fh:
                for q in pyoxigraph.parse(fh, format=pyoxigraph.RdfFormat.TURTLE):
                    pv = q.predicate.value
                    if pv in wanted:
                        out.add((q.subject.value, pv, q.object.value))
            return out
        except SyntaxError:
            g = store.parse_turtle_file(target)  # raises GraphLoadError with the position
            return {(str(s), str(p), str(o)) for s, p, o in g}
    held = backend.part_graph(part) if backend is not None else None
    return {(str(s), str(p), str(o)) for s, p, o in held} if held is not None else set()


def _result(ctx: ImportContext, target: Path | None, decisions: Path | None, dry_run: bool) -> ImportResult:
    res = ctx.resolver
    stats = Counter({k: v for k, v in ctx.stats.items() if not k.startswith("records: ")})
    records = {
        k.removeprefix("records: "): v for k, v in sorted(ctx.stats.items()) if k.startswith("records: ")
    }
    decs = sorted(res.decisions.values(), key=lambda d: (d.source_name, d.identifier))
    return ImportResult(
        kind=ctx.kind,
        file=str(ctx.path),
        shape=ctx.shape,
        part=ctx.part,
        target=str(target) if target else None,
        decisions_file=str(decisions) if decisions else None,
        dry_run=dry_run,
        triples=len(ctx.graph),
        stats=dict(sorted(stats.items(), key=lambda kv: (kv[0] != "rows read", kv[0]))),
        records=records,
        rules=res.summary(),
        created=[d for d in decs if d.created and d.rule != "ambiguous"],
        merged=[d for d in decs if not d.created and d.rule != "record-match"],
        ambiguous=[d for d in decs if d.rule == "ambiguous"],
        pending=res.pending(),
        errors=list(ctx.errors),
    )


def _turtle(ctx: ImportContext, result: ImportResult) -> bytes:
    from .importers.turtle import write_turtle

    head = (
        f"# Imported by `corpgraph import {ctx.kind}` from {rdftext.quoted(ctx.path.name)}"
        + (f" ({ctx.shape})" if ctx.shape else "")
        + ".\n"
        "# Generated: do not edit by hand; import the file again (the same file gives the same bytes).\n"
        f"# Name decisions: {Path(ctx.part).name}.decisions.csv\n"
        f"{DIGEST_LINE}{entity_digest(ctx.graph)}\n\n"
    )
    try:
        body = write_turtle(ctx.graph)
    except ValueError as exc:  # rdftext.BadIRI and bad language tags: nothing is written
        raise ImportFailed(f"{ctx.path}: cannot write the import: {exc}") from None
    return (head + body).encode("utf-8")


def read_reviewed(path: Path) -> dict[str, str]:
    """Proposal id -> 'accepted' | 'rejected', from a decisions file a person reviewed."""
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        return {
            row["id"]: row["status"]
            for row in csv.DictReader(fh)
            if row.get("id") and row.get("status") in (ACCEPTED, REJECTED)
        }


def _decisions_csv(resolver: Resolver) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(DECISION_HEADER)
    w.writerows(resolver.decision_rows())
    return buf.getvalue().encode("utf-8")
