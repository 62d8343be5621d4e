"""``corpgraph validate`` on the folder's Oxigraph store: the report of :mod:`corpgraph.validate`,
computed with SPARQL instead of rdflib and pySHACL.

The SHACL shapes run as SPARQL generated from graph/shapes.ttl (:mod:`corpgraph.shacl_sparql`); the
other checks (dangling references, two labels, records without a quote, unknown cg: terms) are
queries written here.  The checks split in two:

* *local* ones look at a subject's own triples (its types, its values): they run once per file of
  the folder, on that file's part of the cache store, and their results are kept per file content
  (``<cache>/derived/<folder>/validate-parts/``), so after a change only the changed files are
  checked again, and in a changed file only the subjects whose triples the change touched, when the
  store recorded them (``OxigraphBackend.change_of``) and the file's results before are kept.  A
  subject whose triples are spread over several files is checked on the whole graph instead, on
  every run;
* *global* ones look across subjects (the class of a participant defined in another file, a
  reference to an entity, labels given by two files, the ontology's terms): they run on the whole
  graph on every run, as set-wise queries that are cheap when the graph is valid.

A small folder is parsed into memory and checked as a whole.  The report is the same as the rdflib
path's (``CORPGRAPH_CACHE=off``), which tests/test_validate_engines.py checks on graphs with every
kind of problem.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, URIRef

from . import shacl_sparql as ss
from . import store
from .backend.oxigraph_store import OxigraphBackend, from_ox, part_iri, part_name
from .certainty import CERTAINTY_ORDER
from .derived import forget_others
from .errors import CorpgraphError, GraphLoadError
from .fileio import write_atomically
from .validate import Problem, ValidationReport, _short, shacl_problem
from .vocab import CG, local_name

NS = str(CG._NS)
_TYPE = f"<{RDF.type}>"
# a quote with none of these (letters, digits, punctuation, symbols) may be blank to Python's strip()
_MAYBE_BLANK = r'"[\\p{L}\\p{N}\\p{P}\\p{S}]"'


def validate(folder: Path, code_digest: str) -> ValidationReport:
    """The report of a graph folder (raises ss.Unsupported for shapes SPARQL cannot run)."""
    from .backend import cache

    report = ValidationReport(graph=str(folder))
    files = store.data_files(folder)
    report.files = len(files)
    try:
        shapes_graph = store.load_shapes(folder)
        shapes_error = None
    except GraphLoadError as exc:
        shapes_graph, shapes_error = None, exc
    shapes = ss.compile_shapes(shapes_graph) if shapes_graph is not None else None
    backend = None
    if shapes_error is None:
        try:
            backend = cache.open_folder(folder, parts=True)
        except GraphLoadError:
            backend = None
    if backend is None:  # a file that does not parse: name every one, check nothing else
        for path in files:
            try:
                store.check_turtle_file(path)
            except GraphLoadError as exc:
                report.problems.append(
                    Problem("syntax", str(path), exc.reason, file=str(path), line=exc.line, column=exc.column)
                )
        if shapes_error is not None:
            e = shapes_error
            report.problems.append(
                Problem("syntax", e.path, e.reason, file=e.path, line=e.line, column=e.column)
            )
        return report
    assert shapes is not None and shapes_graph is not None and isinstance(backend, OxigraphBackend)
    with backend:
        run = _Run(backend, folder, files, shapes, shapes_graph, code_digest)
        run.check(report)
    return report


class _Run:
    def __init__(
        self,
        backend: OxigraphBackend,
        folder: Path,
        files: list[Path],
        shapes: ss.Shapes,
        shapes_graph: Graph,
        code_digest: str,
    ):
        self.backend = backend
        self.db = backend.oxigraph()
        self.folder = folder
        self.files = files
        self.shapes = shapes
        self.shapes_graph = shapes_graph
        self.parts = [(p, part_iri(part_name(p.relative_to(folder).as_posix()))) for p in files]
        roots = shapes.target_classes() | {
            c for k in shapes.constraints if k.kind == "class" for c in k.param
        }
        self.closure = ss.class_closure(self.db, roots | {CG.Relationship, CG.Entity})
        self.ev = ss.Evaluator(self.db, self.closure)
        self.by_key = {c.key: c for c in shapes.constraints}
        self.records_class = self._class_values(CG.Relationship)
        self.entity_class = self._class_values(CG.Entity)
        pairs = sorted((str(k), sorted(map(str, v))) for k, v in self.closure.items())
        shapes_file = folder / "shapes.ttl"
        if not shapes_file.is_file():
            shapes_file = store.bundled_graph_dir() / "shapes.ttl"
        # what the kept per-part results depend on besides the part: this code, the shapes, the classes
        rules = hashlib.sha256(json.dumps([code_digest, pairs]).encode())
        rules.update(shapes_file.read_bytes())
        self.rules = rules.hexdigest()[:16]
        self._lines: dict[Path, tuple[dict[str, int], dict[str, int]]] = {}

    def _class_values(self, root: URIRef) -> str:
        return ss.values_clause("_k", (ox.NamedNode(str(c)) for c in sorted(self.closure[root], key=str)))

    def select(self, text: str) -> list[Any]:
        return self.ev.select(text)

    # -- the run -------------------------------------------------------------------------------
    def check(self, report: ValidationReport) -> None:
        report.triples = len(self.backend)
        report.records = self._count(self.records_class)
        report.entities = self._count(self.entity_class)
        facts = self._local_facts()
        problems: list[Problem] = []
        problems += self._shacl(facts["shacl"] + self.ev.class_results(self.shapes.constraints))
        problems += self._dangling()
        problems += self._labels()
        problems += self._quote_problems(facts["quotes"])
        problems += self._vocabulary(facts)
        located = self.locate({p.focus for p in problems if p.file is None and p.focus not in facts["blank"]})
        for p in problems:
            if p.file is None and p.focus in located:
                p.file, p.line = located[p.focus]
        problems.sort(key=lambda p: (p.file or "", p.line or 0, p.focus, p.field or "", p.message))
        report.problems.extend(problems)

    def _count(self, classes: str) -> int:
        (row,) = self.select(f"SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ ?r {_TYPE} ?_k {classes} }}")
        return int(row[0].value)

    # -- local checks, per part ----------------------------------------------------------------
    def _local_facts(self) -> dict[str, Any]:
        """The local checks' results for the whole graph: per part (kept per file content), then for
        the subjects written in more than one part, on the whole graph."""
        keep = self._parts_dir()
        if keep is None:
            whole = self._facts_of(ss.WHOLE_GRAPH)
            return {**whole, "blank": {str(from_ox(t)) for t in whole["blank_terms"]}}
        per_part = []
        digests = self.backend.state.get("parts", {})
        wanted = set()
        for path, iri in self.parts:
            digest = digests.get(part_name(path.relative_to(self.folder).as_posix()))
            name = f"{digest}-{self.rules}.json" if digest else None
            kept = keep / name if name else None
            wanted.add(name)
            facts: dict[str, Any] | None = None
            if kept is not None and kept.is_file():
                try:
                    facts = _decode_facts(json.loads(kept.read_text(encoding="utf-8")), self.by_key)
                except (ValueError, KeyError, TypeError, OSError):
                    facts = None
            if facts is None:
                facts = self._updated_facts(keep, iri, path) if digest else None
                if facts is None:
                    facts = self._facts_of(ss.Scope(graph=iri))
                if kept is not None:
                    try:
                        write_atomically(kept, json.dumps(_encode_facts(facts)))
                    except (OSError, CorpgraphError):
                        pass  # a read-only cache: right, only not kept
            per_part.append(facts)
        forget_others(keep, "*.json", wanted)
        seen: dict[str, int] = {}
        for facts in per_part:
            for s in facts["subjects"]:
                seen[s] = seen.get(s, 0) + 1
        shared = sorted(s for s, n in seen.items() if n > 1)
        merged: dict[str, Any] = {"shacl": [], "quotes": [], "subjects": set(seen), "blank_terms": []}
        for key in ("p", "class", "term"):
            merged[key] = set().union(*(f[key] for f in per_part)) if per_part else set()
        shared_set = set(shared)
        for facts in per_part:
            merged["shacl"] += [r for r in facts["shacl"] if _name(r.focus) not in shared_set]
            merged["quotes"] += [q for q in facts["quotes"] if _name(q) not in shared_set]
            merged["blank_terms"] += facts["blank_terms"]
        if shared:
            # the local checks need only a subject's own triples: copy those of the shared subjects
            # into a store in memory, where the checks run faster than with a list of subjects
            mem = ox.Store()
            default = ox.DefaultGraph()
            for name in shared:
                mem.extend(self.db.quads_for_pattern(ox.NamedNode(name), None, None, default))
            on_copy = copy.copy(self)
            on_copy.db, on_copy.ev = mem, ss.Evaluator(mem, self.closure)
            present = on_copy._present(ss.WHOLE_GRAPH)
            merged["shacl"] += on_copy.ev.local_results(self.shapes.constraints, ss.WHOLE_GRAPH, present)
            merged["quotes"] += on_copy._quotes(ss.WHOLE_GRAPH)
        merged["blank"] = {str(from_ox(t)) for t in merged["blank_terms"]}
        return merged

    def _updated_facts(self, keep: Path, iri: str, path: Path) -> dict[str, Any] | None:
        """The local results of a part rewritten from a file whose results are kept, by checking
        again only the subjects whose triples the change touched (``OxigraphBackend.change_of``);
        None when that is unknown or not worth it.  The sets of terms used (for the vocabulary check)
        keep those of the file before: a term no longer used is found absent from the graph there."""
        change = self.backend.change_of(path.relative_to(self.folder).as_posix())
        if change is None:
            return None
        before, touched = change
        try:
            old = _decode_facts(
                json.loads((keep / f"{before}-{self.rules}.json").read_text(encoding="utf-8")), self.by_key
            )
            focus = tuple(ox.NamedNode(s) for s in sorted(touched))
        except (ValueError, KeyError, TypeError, OSError):
            return None
        if old["blank_terms"] or len(touched) > max(1000, len(old["subjects"]) // 4):
            return None  # blank nodes have new labels at each load; many subjects: the whole part is faster
        new = self._facts_of(ss.Scope(graph=iri, focus=focus)) if touched else None
        if new is None:
            return old
        return {
            "subjects": (old["subjects"] - touched) | new["subjects"],
            "shacl": [r for r in old["shacl"] if _name(r.focus) not in touched] + new["shacl"],
            "quotes": [q for q in old["quotes"] if _name(q) not in touched] + new["quotes"],
            "p": old["p"] | new["p"],
            "class": old["class"] | new["class"],
            "term": old["term"] | new["term"],
            "blank_terms": new["blank_terms"],
        }

    def _parts_dir(self) -> Path | None:
        """Where per-part results are kept: only for the cache store (a small folder is checked whole)."""
        from .backend.cache import CachedFolder, derived_file

        if not isinstance(self.backend, CachedFolder):
            return None
        return derived_file(self.folder, "validate-parts")

    def _present(self, scope: ss.Scope) -> set[str]:
        preds = self.select(f"SELECT DISTINCT ?p WHERE {{ {scope.restrict()} {scope.where('?f ?p ?o')} }}")
        types = self.select(
            f"SELECT DISTINCT ?t WHERE {{ {scope.restrict()} {scope.where(f'?f {_TYPE} ?t')} }}"
        )
        return {r[0].value for r in preds + types if isinstance(r[0], ox.NamedNode)}

    def _facts_of(self, scope: ss.Scope) -> dict[str, Any]:
        present = self._present(scope)
        only = scope.restrict()
        subjects = self.select(f"SELECT DISTINCT ?f WHERE {{ {only} {scope.where('?f ?p ?o')} }}")
        types = self.select(f"SELECT DISTINCT ?t WHERE {{ {only} {scope.where(f'?f {_TYPE} ?t')} }}")
        # the objects, classes included (they count as used either way), picked out here: a FILTER
        # on each triple costs Oxigraph more than handing over the distinct objects
        objects = self.select(f"SELECT DISTINCT ?o WHERE {{ {only} {scope.where('?f ?p ?o')} }}")
        results = self.ev.local_results(self.shapes.constraints, scope, present)
        quotes = self._quotes(scope)
        return {
            "subjects": {r[0].value for r in subjects if isinstance(r[0], ox.NamedNode)},
            "shacl": results,
            "quotes": quotes,
            "p": {p for p in present if p.startswith(NS)}
            - {t[0].value for t in types if isinstance(t[0], ox.NamedNode)},
            "class": {
                t[0].value for t in types if isinstance(t[0], ox.NamedNode) and t[0].value.startswith(NS)
            },
            "term": {o.value for (o,) in objects if isinstance(o, ox.NamedNode) and o.value.startswith(NS)},
            "blank_terms": [r.focus for r in results if isinstance(r.focus, ox.BlankNode)]
            + [q for q in quotes if isinstance(q, ox.BlankNode)],
        }

    def _quotes(self, scope: ss.Scope) -> list[Any]:
        """Records in ``scope`` without a quote that is a literal with something in it."""
        recs = (
            f"{{ SELECT DISTINCT ?f WHERE {{ {scope.restrict()} {scope.where(f'?f {_TYPE} ?_k')} "
            f"{self.records_class} }} }}"
        )
        quote = scope.where(f"?f <{CG.quote}> ?q")
        out = [r[0] for r in self.select(f"SELECT ?f WHERE {{ {recs} MINUS {{ {quote} }} }}")]
        maybe = self.select(
            f"SELECT DISTINCT ?f WHERE {{ {scope.restrict()} {quote} "
            f"FILTER(!isLiteral(?q) || !REGEX(STR(?q), {_MAYBE_BLANK})) }}"
        )
        if maybe:
            quotes: dict[Any, list[Any]] = {}
            for f, q in self.select(f"SELECT ?f ?q WHERE {{ {recs} {quote} }}"):
                quotes.setdefault(f, []).append(q)
            out += [
                f
                for f in {row[0] for row in maybe}
                if f in quotes and not any(isinstance(q, ox.Literal) and q.value.strip() for q in quotes[f])
            ]
        return out

    # -- problems ------------------------------------------------------------------------------
    def _shacl(self, results: list[ss.Result]) -> list[Problem]:
        out = []
        terms: dict[Any, Any] = {}
        for r in results:
            focus = from_ox(r.focus, terms)
            value = None if r.value is None else from_ox(r.value, terms)
            text = ss.message(r.constraint, focus, value, self.shapes_graph)
            out.append(shacl_problem(focus, text, value, r.constraint.path, r.constraint.severity))
        return out

    def _records_among(self, rows: list[Any]) -> list[Any]:
        """The rows whose first term is a relationship record."""
        if not rows:
            return []
        names = {r[0] for r in rows if isinstance(r[0], ox.NamedNode)}
        records = set()
        if names:
            q = f"SELECT DISTINCT ?r WHERE {{ {ss.values_clause('r', names)} ?r {_TYPE} ?_k {self.records_class} }}"
            records = {r[0] for r in self.select(q)}
        if any(isinstance(r[0], ox.BlankNode) for r in rows):
            q = f"SELECT DISTINCT ?r WHERE {{ ?r {_TYPE} ?_k {self.records_class} FILTER(isBlank(?r)) }}"
            records |= {r[0] for r in self.select(q)}
        return [r for r in rows if r[0] in records]

    def _dangling(self) -> list[Problem]:
        roles = [r[0] for r in self.select(f"SELECT ?p WHERE {{ ?p {_TYPE} <{CG.RoleProperty}> }}")]
        rows: list[Any] = []
        if roles:
            rows += [
                r
                for r in self.select(
                    f"SELECT ?r ?p ?o WHERE {{ ?r ?p ?o {ss.values_clause('p', roles)} "
                    f"MINUS {{ ?o {_TYPE} ?_k {self.entity_class} }} }}"
                )
                if isinstance(r[2], ox.NamedNode)
            ]
        for p, cls in ((CG.source, CG.Source), (CG.certainty, CG.Certainty)):
            if ox.NamedNode(str(p)) in roles:
                continue  # reported as a role above, when it is one
            rows += [
                (r[0], ox.NamedNode(str(p)), r[1])
                for r in self.select(f"SELECT ?r ?o WHERE {{ ?r <{p}> ?o MINUS {{ ?o {_TYPE} <{cls}> }} }}")
            ]
        out = []
        terms: dict[Any, Any] = {}
        for rec, p, o in self._records_among(rows):
            p_, o_ = from_ox(p, terms), from_ox(o, terms)
            if p_ == CG.source:
                text = f"cg:source points at {o_}, which is not a cg:Source in the graph"
            elif p_ == CG.certainty:
                text = f"cg:certainty {o_} is not one of {', '.join(CERTAINTY_ORDER)}"
            else:
                text = f"{_short(p_)} points at {o_}, which is not an entity in the graph"
            out.append(Problem("dangling", str(from_ox(rec, terms)), text, field=_short(p_)))
        return out

    def _labels(self) -> list[Problem]:
        label = f"<{RDFS.label}>"
        many = self.select(
            f"SELECT ?s WHERE {{ ?s {label} ?l . ?s {_TYPE} ?_k {self.entity_class} }} GROUP BY ?s "
            "HAVING (COUNT(DISTINCT ?l) > 1)"
        )
        if not many:
            return []
        labels: dict[Any, set[str]] = {}
        for s, lab in self.select(
            f"SELECT ?s ?l WHERE {{ {{ SELECT DISTINCT ?s WHERE {{ ?s {_TYPE} ?_k {self.entity_class} }} }} "
            f"?s {label} ?l }}"
        ):
            labels.setdefault(s, set()).add(str(from_ox(lab)))
        return [
            Problem(
                "labels",
                str(from_ox(s)),
                "has " + str(len(ls)) + " different labels: " + " / ".join(repr(x) for x in sorted(ls)),
                field="rdfs:label",
            )
            for s, ls in labels.items()
            if len(ls) > 1
        ]

    def _quote_problems(self, records: list[Any]) -> list[Problem]:
        return [
            Problem(
                "quote",
                str(from_ox(r)),
                "has no cg:quote: add a short verbatim excerpt of its source",
                field="cg:quote",
            )
            for r in records
        ]

    def _vocabulary(self, facts: dict[str, Any]) -> list[Problem]:
        defined = {s for s in facts["subjects"] if s.startswith(NS)}
        used = (facts["p"] | facts["class"] | facts["term"]) - defined
        out = []
        order = {name: i for i, name in enumerate(str(p) for p, _ in self.parts)}
        for term in sorted(used):
            t = f"<{term}>"
            rows = self.select(
                f"SELECT DISTINCT ?s ?how WHERE {{ {{ ?s {t} ?o BIND(1 AS ?how) }} UNION "
                f"{{ ?s {_TYPE} {t} BIND(0 AS ?how) }} UNION {{ ?s ?p {t} FILTER(?p != {_TYPE}) BIND(2 AS ?how) }} }}"
            )
            if not rows:
                continue
            where = self.locate({r[0].value for r in rows if isinstance(r[0], ox.NamedNode)})

            def position(row: Any, where: dict[str, tuple[str, int | None]] = where) -> tuple[int, int, int]:
                file, line = where.get(_name(row[0]), (None, None))
                return (order.get(file, len(order)) if file else len(order), line or 0, int(row[1].value))

            first = min(rows, key=position)
            what = {0: "class", 1: "property", 2: "term"}[int(first[1].value)]
            out.append(
                Problem(
                    "vocabulary",
                    str(from_ox(first[0])),
                    f"uses {what} {_short(URIRef(term))}, which graph/ontology.ttl does not define (a typo?)",
                    field=_short(URIRef(term)),
                )
            )
        return out

    # -- where a subject is written -------------------------------------------------------------
    def locate(self, iris: set[str]) -> dict[str, tuple[str, int | None]]:
        """{IRI: (file, line)}: the first file (in the folder's order) with the IRI as a subject, and
        the first line there that starts with it."""
        if not iris:
            return {}
        graphs = {iri: i for i, (_, iri) in enumerate(self.parts)}
        first: dict[str, int] = {}
        names = sorted(n for n in iris if _is_iri(n))
        for chunk in range(0, len(names), 500):
            values = ss.values_clause("s", (ox.NamedNode(n) for n in names[chunk : chunk + 500]))
            for s, g in self.select(f"SELECT DISTINCT ?s ?g WHERE {{ {values} GRAPH ?g {{ ?s ?p ?o }} }}"):
                i = graphs.get(g.value)
                if i is not None and i < first.get(s.value, len(graphs)):
                    first[s.value] = i
        out = {}
        for iri, i in first.items():
            path = self.parts[i][0]
            out[iri] = (str(path), self._line(path, iri))
        return out

    def _line(self, path: Path, iri: str) -> int | None:
        if path not in self._lines:
            full: dict[str, int] = {}
            local: dict[str, int] = {}
            start = re.compile(r"^\s*(?:<([^>]*)>|[A-Za-z][\w-]*:([^\s;]*))(?=\s|;|$)")
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                m = start.match(line)
                if m:
                    if m.group(1) is not None:
                        full.setdefault(m.group(1), n)
                    else:
                        local.setdefault(m.group(2), n)
            self._lines[path] = (full, local)
        full, local = self._lines[path]
        name = local_name(iri)
        if re.search(r"[\s;]", name):  # a name the index cannot hold: read the file line by line
            from .validate import _Locator

            return _Locator({})._line(path, iri)
        found = [n for n in (full.get(iri), local.get(name)) if n is not None]
        return min(found) if found else None


def _is_iri(text: str) -> bool:
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def _name(term: Any) -> str:
    return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"


# -- kept per part ---------------------------------------------------------------------------


def _enc(t: Any) -> list[Any] | None:
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return ["i", t.value]
    if isinstance(t, ox.BlankNode):
        return ["b", t.value]
    return ["l", t.value, t.datatype.value if t.datatype else None, t.language]


def _dec(x: list[Any] | None) -> Any:
    if x is None:
        return None
    if x[0] == "i":
        return ox.NamedNode(x[1])
    if x[0] == "b":
        return ox.BlankNode(x[1])
    if x[3]:
        return ox.Literal(x[1], language=x[3])
    return ox.Literal(x[1], datatype=ox.NamedNode(x[2]) if x[2] else None)


def _encode_facts(facts: dict[str, Any]) -> dict[str, Any]:
    return {
        "subjects": sorted(facts["subjects"]),
        "shacl": [[r.constraint.key, _enc(r.focus), _enc(r.value)] for r in facts["shacl"]],
        "quotes": [_enc(q) for q in facts["quotes"]],
        "p": sorted(facts["p"]),
        "class": sorted(facts["class"]),
        "term": sorted(facts["term"]),
        "blank_terms": [_enc(b) for b in facts["blank_terms"]],
    }


def _decode_facts(data: dict[str, Any], constraints: dict[str, ss.Constraint]) -> dict[str, Any]:
    return {
        "subjects": set(data["subjects"]),
        "shacl": [ss.Result(constraints[k], _dec(f), _dec(v)) for k, f, v in data["shacl"]],
        "quotes": [_dec(q) for q in data["quotes"]],
        "p": set(data["p"]),
        "class": set(data["class"]),
        "term": set(data["term"]),
        "blank_terms": [_dec(b) for b in data["blank_terms"]],
    }
