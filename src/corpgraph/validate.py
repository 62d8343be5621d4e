"""Is the graph valid?  SHACL (graph/shapes.ttl) plus the checks SHACL cannot make cheaply:

* a syntax error in a file (reported as file:line:column, the graph is then not checked further);
* a participant, source or certainty that points at nothing defined in the graph;
* one IRI with two different labels (often two files disagreeing);
* a relationship record without a quoted excerpt;
* a term in the cg: namespace that the ontology does not define (a typo such as cg:suplier).

Each problem names the file and line of the record at fault, the field and the reason.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from . import store
from .certainty import CERTAINTY_ORDER
from .errors import GraphLoadError
from .vocab import CG, local_name


@dataclass
class Problem:
    check: str  # "syntax" | "shacl" | "dangling" | "labels" | "quote" | "vocabulary"
    focus: str  # the record or entity IRI (or file for syntax errors)
    message: str
    field: str | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None
    severity: str = "violation"

    def where(self) -> str:
        if not self.file:
            return ""
        return self.file + (f":{self.line}" if self.line else "") + (f":{self.column}" if self.column else "")


@dataclass
class ValidationReport:
    graph: str
    files: int = 0
    triples: int = 0
    records: int = 0
    entities: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not any(p.severity == "violation" for p in self.problems)

    def as_dict(self) -> dict:
        return {
            "graph": self.graph,
            "conforms": self.conforms,
            "files": self.files,
            "triples": self.triples,
            "records": self.records,
            "entities": self.entities,
            "problems": [asdict(p) for p in self.problems],
        }


def validate_folder(graph_dir: str | Path | None = None) -> ValidationReport:
    """Validate a graph folder.  Never raises for bad data: every problem goes in the report.

    The report depends only on the folder's files (shapes included) and on this code: it is kept in
    the cache per graph version (``backend.cache.derived_file``), so validating an unchanged folder
    again reads it back instead of running SHACL over the whole graph.
    """
    from .backend.cache import derived_file

    folder = store.resolve_graph_dir(graph_dir)
    import hashlib

    as_given = hashlib.sha256(str(folder).encode()).hexdigest()[:8]  # the report names files as given
    kept = derived_file(
        folder, f"validate-{store.graph_version(folder)}-{_code_digest()}-{as_given}.json".replace(":", "-")
    )
    if kept is not None and kept.is_file():
        try:
            return _report_from_dict(json.loads(kept.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError, OSError):
            pass  # damaged: validate again below
    report = _validate_folder(folder)
    if kept is not None:  # a read-only cache: the report is still right, only not kept
        from .derived import replace_kept

        replace_kept(kept, json.dumps(report.as_dict(), sort_keys=True), "validate-*.json")
    return report


def _code_digest() -> str:
    """A stamp of the code that decides validity (this module and the SPARQL engine), for kept reports."""
    import hashlib

    from . import __version__

    h = hashlib.sha256(__version__.encode())
    for name in ("validate.py", "validate_sparql.py", "shacl_sparql.py"):
        h.update((Path(__file__).parent / name).read_bytes())
    return h.hexdigest()[:12]


def _report_from_dict(data: dict) -> ValidationReport:
    report = ValidationReport(
        graph=data["graph"],
        files=data["files"],
        triples=data["triples"],
        records=data["records"],
        entities=data["entities"],
    )
    report.problems = [Problem(**p) for p in data["problems"]]
    return report


def _validate_folder(folder: Path) -> ValidationReport:
    """SPARQL on the folder's Oxigraph store (``validate_sparql``); rdflib and pySHACL, the reference,
    with ``CORPGRAPH_CACHE=off`` or shapes that the SPARQL translation does not cover."""
    from .backend.cache import cache_root

    if cache_root() is not None:
        from .shacl_sparql import Unsupported
        from .validate_sparql import validate

        try:
            return validate(folder, _code_digest())
        except Unsupported:
            pass
    return validate_with_rdflib(folder)


def validate_with_rdflib(folder: Path) -> ValidationReport:
    """The report computed with rdflib and pySHACL over the whole graph: the reference (slow on big graphs)."""
    report = ValidationReport(graph=str(folder))
    files = store.data_files(folder)
    report.files = len(files)
    merged = store.new_graph()
    per_file: dict[Path, Graph] = {}
    for path in files:
        try:
            per_file[path] = store.parse_turtle_file(path)
        except GraphLoadError as exc:
            report.problems.append(
                Problem("syntax", str(path), exc.reason, file=str(path), line=exc.line, column=exc.column)
            )
            continue
        merged += per_file[path]
    try:
        shapes = store.load_shapes(folder)
    except GraphLoadError as exc:
        report.problems.append(
            Problem("syntax", exc.path, exc.reason, file=exc.path, line=exc.line, column=exc.column)
        )
        return report
    if any(p.check == "syntax" for p in report.problems):
        return report  # a half-read graph would give misleading follow-on errors
    return check_graph(merged, shapes, report, _Locator(per_file))


def validate_graph(graph: Graph, shapes: Graph | None = None, name: str = "graph") -> ValidationReport:
    """Validate an rdflib Graph already in memory (a store's or an endpoint's content)."""
    report = ValidationReport(graph=name, files=0)
    return check_graph(
        graph,
        shapes if shapes is not None else store.load_shapes(store.bundled_graph_dir()),
        report,
        _Locator({}),
    )


def check_graph(g: Graph, shapes: Graph, report: ValidationReport, locate: _Locator) -> ValidationReport:
    report.triples = len(g)
    relationship_kinds = _subclasses(g, CG.Relationship)
    entity_classes = _subclasses(g, CG.Entity)
    records = {s for k in relationship_kinds for s in g.subjects(RDF.type, k)}
    entities = {s for k in entity_classes for s in g.subjects(RDF.type, k)}
    report.records, report.entities = len(records), len(entities)
    problems: list[Problem] = []
    problems += _shacl(g, shapes)
    problems += _dangling(g, records, entities)
    problems += _labels(g, entities)
    problems += _quotes(g, records)
    problems += _vocabulary(g)
    for p in problems:
        if p.file is None:
            p.file, p.line = locate(p.focus)
    problems.sort(key=lambda p: (p.file or "", p.line or 0, p.focus, p.field or "", p.message))
    report.problems.extend(problems)
    return report


def _subclasses(g: Graph, root: URIRef) -> set[URIRef]:
    return {c for c in g.transitive_subjects(RDFS.subClassOf, root) if isinstance(c, URIRef)}


def _shacl(g: Graph, shapes: Graph) -> list[Problem]:
    import pyshacl

    _conforms, results, _text = pyshacl.validate(
        g, shacl_graph=shapes, inference="none", allow_warnings=True, advanced=True
    )
    out = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(r, SH.focusNode)
        path = results.value(r, SH.resultPath)
        message = results.value(r, SH.resultMessage)
        value = results.value(r, SH.value)
        severity = results.value(r, SH.resultSeverity)
        text = str(message) if message is not None else "does not conform to its shape"
        severity_name = "violation" if severity in (None, SH.Violation) else "warning"
        out.append(shacl_problem(focus, text, value, path, severity_name))
    return out


def shacl_problem(focus: object, text: str, value: object, path: object, severity: str) -> Problem:
    """One SHACL result as a problem, whichever engine found it: the value is named in the message
    when the message does not already show it."""
    if value is not None and str(value) not in text:
        text += f" (value: {value})"
    return Problem(
        "shacl", str(focus), text, field=_short(path) if path is not None else None, severity=severity
    )


def _dangling(g: Graph, records: set, entities: set) -> list[Problem]:
    roles = set(g.subjects(RDF.type, CG.RoleProperty))
    sources = set(g.subjects(RDF.type, CG.Source))
    certainties = set(g.subjects(RDF.type, CG.Certainty))
    out = []
    for rec in records:
        for p, o in g.predicate_objects(rec):
            if p in roles and isinstance(o, URIRef) and o not in entities:
                out.append(
                    Problem(
                        "dangling",
                        str(rec),
                        f"{_short(p)} points at {o}, which is not an entity in the graph",
                        field=_short(p),
                    )
                )
            elif p == CG.source and o not in sources:
                out.append(
                    Problem(
                        "dangling",
                        str(rec),
                        f"cg:source points at {o}, which is not a cg:Source in the graph",
                        field="cg:source",
                    )
                )
            elif p == CG.certainty and o not in certainties:
                out.append(
                    Problem(
                        "dangling",
                        str(rec),
                        f"cg:certainty {o} is not one of {', '.join(CERTAINTY_ORDER)}",
                        field="cg:certainty",
                    )
                )
    return out


def _labels(g: Graph, entities: set) -> list[Problem]:
    labels: dict[Node, set[str]] = defaultdict(set)
    for s, o in g.subject_objects(RDFS.label):
        if s in entities:
            labels[s].add(str(o))
    return [
        Problem(
            "labels",
            str(s),
            "has " + str(len(ls)) + " different labels: " + " / ".join(repr(x) for x in sorted(ls)),
            field="rdfs:label",
        )
        for s, ls in labels.items()
        if len(ls) > 1
    ]


def _quotes(g: Graph, records: set) -> list[Problem]:
    out = []
    for rec in records:
        quotes = [q for q in g.objects(rec, CG.quote) if isinstance(q, Literal) and str(q).strip()]
        if not quotes:
            out.append(
                Problem(
                    "quote",
                    str(rec),
                    "has no cg:quote: add a short verbatim excerpt of its source",
                    field="cg:quote",
                )
            )
    return out


def _vocabulary(g: Graph) -> list[Problem]:
    ns = str(CG._NS)
    defined = {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(ns)}
    out, seen = [], set()
    for s, p, o in g:
        for term, what in ((p, "property"), (o, "class" if p == RDF.type else "term")):
            if (
                isinstance(term, URIRef)
                and str(term).startswith(ns)
                and term not in defined
                and term not in seen
            ):
                seen.add(term)
                out.append(
                    Problem(
                        "vocabulary",
                        str(s),
                        f"uses {what} {_short(term)}, which graph/ontology.ttl does not define (a typo?)",
                        field=_short(term),
                    )
                )
    return out


def _short(term: object) -> str:
    s = str(term)
    if s.startswith(str(CG._NS)):
        return "cg:" + local_name(s)
    for prefix, ns in (("rdfs", str(RDFS)), ("rdf", str(RDF))):
        if s.startswith(ns):
            return f"{prefix}:{s[len(ns) :]}"
    return s


class _Locator:
    """Finds the file and line where a subject is written, for error messages."""

    def __init__(self, per_file: dict[Path, Graph]):
        self.per_file = per_file
        self._texts: dict[Path, list[str]] = {}

    def __call__(self, focus: str) -> tuple[str | None, int | None]:
        term = URIRef(focus)
        for path, g in self.per_file.items():
            if (term, None, None) in g:
                return str(path), self._line(path, focus)
        return None, None

    def _line(self, path: Path, iri: str) -> int | None:
        lines = self._texts.setdefault(path, path.read_text(encoding="utf-8").splitlines())
        name = re.escape(local_name(iri))
        pattern = re.compile(r"^\s*(<" + re.escape(iri) + r">|[A-Za-z][\w-]*:" + name + r")(\s|;|$)")
        for i, line in enumerate(lines, 1):
            if pattern.match(line):
                return i
        return None
