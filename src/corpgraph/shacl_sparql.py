"""SHACL shapes translated into SPARQL and run on an Oxigraph store, with pySHACL's results.

``compile_shapes(shapes)`` reads a shapes graph (graph/shapes.ttl) into a list of constraints; each
becomes SPARQL generated here, so the shapes stay the one statement of what is valid.  The subset
translated is the one corpgraph's shapes use: ``sh:targetClass`` and ``sh:targetSubjectsOf`` targets,
property shapes on a predicate path with ``sh:minCount``, ``sh:maxCount``, ``sh:datatype``,
``sh:class``, ``sh:in``, ``sh:pattern`` (with ``sh:flags``) and ``sh:or`` of datatypes or of classes,
node-level ``sh:or`` of "has at least one P", ``sh:message``, ``sh:severity`` and ``sh:deactivated``.
Anything else raises :class:`Unsupported`, and the caller validates with pySHACL instead.

Each constraint gives the results pySHACL gives (one per focus node for the counts, one per failing
value otherwise), with pySHACL's wording where the shape has no ``sh:message``.  Where SPARQL and
pySHACL could judge a value differently, the value is judged in Python as pySHACL judges it:
``sh:pattern`` runs Python's ``re`` on the distinct values, and a literal of a datatype that rdflib
parses (xsd:date, xsd:duration, ...) is ill-typed when rdflib says so (rdflib refuses year 0 and
accepts "1e5" as an xsd:decimal, where XSD and Oxigraph disagree).

Most constraints look only at the focus node's own triples ("local": the focus's types, its values
and their datatypes).  They run in a *scope*: the whole graph, one part of the store (a named graph,
one file of the folder) or a list of focus nodes, so that results can be kept per file and only the
changed files checked again.  ``sh:class`` looks at the types of other nodes, anywhere in the graph,
and always runs on the whole graph (:func:`class_results`).
"""

from __future__ import annotations

import datetime
import decimal
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

# predicates of the SHACL namespace that change no result
_NEUTRAL = {SH.name, SH.description, SH.order, SH.group, SH.defaultValue}
_NODE_KEYS = {
    SH.targetClass,
    SH.targetSubjectsOf,
    SH.property,
    SH["or"],
    SH.message,
    SH.severity,
    SH.deactivated,
}
_PROPERTY_KEYS = {
    SH.path,
    SH.minCount,
    SH.maxCount,
    SH.datatype,
    SH["class"],
    SH["in"],
    SH.pattern,
    SH.flags,
    SH["or"],
    SH.message,
    SH.severity,
    SH.deactivated,
}
# datatypes whose lexical forms rdflib parses into Python values: pySHACL's verdict on such a
# literal can differ from Oxigraph's (for the others it is "matches" whenever the datatype is right)
_NUMERIC = {XSD.decimal, XSD.integer, XSD.int, XSD.long, XSD.short, XSD.byte, XSD.float, XSD.double}


class Unsupported(Exception):
    """The shapes use a SHACL construct this translation does not cover (the message says which)."""


@dataclass
class Constraint:
    """One constraint component of one shape, and how pySHACL reports its results."""

    key: str  # stable within one shapes graph: "<shape number>.<constraint number>"
    kind: str  # minCount | maxCount | datatype | in | pattern | class | has-any
    targets: tuple[tuple[str, URIRef], ...]  # ("class" | "subjectsOf", IRI) of the node shape
    path: URIRef | None
    param: Any  # the count, datatypes, classes, the sh:in members, (pattern, flags), or-paths
    message: str | None  # the shape's sh:message, else None (pySHACL's own wording)
    severity: str  # "violation" | "warning"
    shape: Node  # the shape holding the constraint (its sh:or list is named in the default message)
    or_list: Node | None = None

    @property
    def local(self) -> bool:
        return self.kind != "class"


@dataclass
class Result:
    constraint: Constraint
    focus: Any  # pyoxigraph terms
    value: Any | None


@dataclass
class Shapes:
    graph: Graph
    constraints: list[Constraint] = field(default_factory=list)

    def target_classes(self) -> set[URIRef]:
        return {iri for c in self.constraints for kind, iri in c.targets if kind == "class"}


def _one(g: Graph, s: Node, p: URIRef) -> Node | None:
    values = list(g.objects(s, p))
    if len(values) > 1:
        raise Unsupported(f"{s} has {len(values)} values of {p}")
    return values[0] if values else None


def _check_keys(g: Graph, s: Node, allowed: set[URIRef]) -> None:
    for p in set(g.predicates(s)):
        if str(p).startswith(str(SH)) and p not in allowed and p not in _NEUTRAL:
            raise Unsupported(f"{p} on the shape {s}")


def _severity(g: Graph, s: Node) -> str:
    sev = _one(g, s, SH.severity)
    return "violation" if sev in (None, SH.Violation) else "warning"


def _message(g: Graph, s: Node) -> str | None:
    m = _one(g, s, SH.message)
    return None if m is None else str(m)


def _deactivated(g: Graph, s: Node) -> bool:
    d = _one(g, s, SH.deactivated)
    return isinstance(d, Literal) and d.value is True


def compile_shapes(shapes: Graph) -> Shapes:
    """The constraints of a shapes graph, in a stable order (raises Unsupported)."""
    out = Shapes(shapes)
    g = shapes
    heads = set(g.subjects(SH.targetClass, None)) | set(g.subjects(SH.targetSubjectsOf, None))
    for other in (SH.targetNode, SH.targetObjectsOf, SH.target):
        if next(g.subjects(other, None), None) is not None:
            raise Unsupported(f"{other} targets")
    for cls in (RDFS.Class, URIRef("http://www.w3.org/2002/07/owl#Class")):
        for s in g.subjects(RDF.type, cls):
            if (s, RDF.type, SH.NodeShape) in g or (s, RDF.type, SH.PropertyShape) in g:
                raise Unsupported(f"implicit class target of {s}")
    for n, shape in enumerate(sorted(heads, key=str)):
        _check_keys(g, shape, _NODE_KEYS)
        if _deactivated(g, shape):
            continue
        if (shape, SH.path, None) in g:
            raise Unsupported(f"a property shape with targets ({shape})")
        targets = tuple(
            sorted(
                [("class", t) for t in g.objects(shape, SH.targetClass)]
                + [("subjectsOf", t) for t in g.objects(shape, SH.targetSubjectsOf)]
            )
        )
        if any(not isinstance(t, URIRef) for _, t in targets):
            raise Unsupported(f"a target of {shape} is not an IRI")
        counter = iter(range(10_000))

        def add(kind, path, param, holder, or_list=None, _n=n, _t=targets, _c=counter) -> None:
            out.constraints.append(
                Constraint(
                    f"{_n}.{next(_c)}",
                    kind,
                    _t,
                    path,
                    param,
                    _message(g, holder),
                    _severity(g, holder),
                    holder,
                    or_list,
                )
            )

        for or_list in g.objects(shape, SH["or"]):
            paths: list[URIRef] = []
            for member in g.items(or_list):
                _check_keys(g, member, {SH.path, SH.minCount})
                path, low = _one(g, member, SH.path), _one(g, member, SH.minCount)
                if not isinstance(path, URIRef) or not isinstance(low, Literal) or low.value not in (0, 1):
                    raise Unsupported(
                        f"sh:or of {shape}: only members [sh:path P; sh:minCount 1] are translated"
                    )
                if low.value == 0:
                    paths = []  # one member always conforms: the sh:or never fails
                    break
                paths.append(path)
            if paths:
                add("has-any", None, tuple(paths), shape, or_list)
        for prop in g.objects(shape, SH.property):
            _compile_property(g, prop, add)
    return out


def _compile_property(g: Graph, prop: Node, add: Callable[..., None]) -> None:
    _check_keys(g, prop, _PROPERTY_KEYS)
    if _deactivated(g, prop):
        return
    path = _one(g, prop, SH.path)
    if not isinstance(path, URIRef):
        raise Unsupported(f"the path of {prop} is not a predicate")
    for key, kind in ((SH.minCount, "minCount"), (SH.maxCount, "maxCount")):
        n = _one(g, prop, key)
        if n is not None:
            if not isinstance(n, Literal) or not isinstance(n.value, int) or isinstance(n.value, bool):
                raise Unsupported(f"{key} of {prop} is not an integer")
            if not (kind == "minCount" and n.value <= 0):
                add(kind, path, n.value, prop)
    dt = _one(g, prop, SH.datatype)
    if dt is not None:
        add("datatype", path, (dt,), prop)
    cls = _one(g, prop, SH["class"])
    if cls is not None:
        add("class", path, (cls,), prop)
    members = _one(g, prop, SH["in"])
    if members is not None:
        add("in", path, tuple(g.items(members)), prop)
    pattern = _one(g, prop, SH.pattern)
    if pattern is not None:
        add("pattern", path, (pattern, _one(g, prop, SH.flags)), prop)
    or_list = _one(g, prop, SH["or"])
    if or_list is not None:
        dts: list[Node] = []
        classes: list[Node] = []
        for member in g.items(or_list):
            _check_keys(g, member, {SH.datatype, SH["class"]})
            d, c = _one(g, member, SH.datatype), _one(g, member, SH["class"])
            if (d is None) == (c is None):
                raise Unsupported(f"sh:or of {prop}: each member must be one sh:datatype or one sh:class")
            if d is not None:
                dts.append(d)
            elif c is not None:
                classes.append(c)
        if dts and classes:
            raise Unsupported(f"sh:or of {prop} mixes datatypes and classes")
        add("datatype" if dts else "class", path, tuple(dts or classes), prop, or_list)
    for term in (dt, cls):
        if term is not None and not isinstance(term, URIRef):
            raise Unsupported(f"{term} in {prop} is not an IRI")


# -- SPARQL text ---------------------------------------------------------------------------------


def sparql_term(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        return str(_to_ox(term))
    raise Unsupported(f"a blank node ({term}) cannot be written into a query")


def _to_ox(term: Node) -> Any:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise Unsupported(f"{term!r} cannot be written into a query")


def values_clause(var: str, terms: Iterable[Any]) -> str:
    """``VALUES ?var { ... }`` of pyoxigraph terms (IRIs and literals)."""
    return f"VALUES ?{var} {{ {' '.join(str(t) for t in terms)} }}"


@dataclass(frozen=True)
class Scope:
    """Where a local check looks: ``graph`` (a part's named graph IRI, or None for the default
    graph) and ``focus`` (only these focus nodes, IRIs, or None for all)."""

    graph: str | None = None
    focus: tuple[Any, ...] | None = None

    def where(self, pattern: str) -> str:
        return f"GRAPH <{self.graph}> {{ {pattern} }}" if self.graph else pattern

    def restrict(self, var: str = "f") -> str:
        return values_clause(var, self.focus) if self.focus is not None else ""


WHOLE_GRAPH = Scope()
_TYPE = f"<{RDF.type}>"


class Evaluator:
    """Runs compiled constraints on one pyoxigraph store.

    ``closure``: {class: every IRI class below it by rdfs:subClassOf, itself included}, for the
    classes the shapes name (see :func:`class_closure`)."""

    def __init__(self, store: ox.Store, closure: dict[URIRef, set[URIRef]]):
        self.store = store
        self.closure = closure
        self.queries = 0

    def select(self, text: str) -> list[Any]:
        self.queries += 1
        return list(self.store.query(text))  # type: ignore[arg-type]  # SELECT: solutions

    def focus_pattern(self, c: Constraint, scope: Scope, var: str = "f") -> str:
        branches = []
        for kind, iri in c.targets:
            if kind == "class":
                classes = sorted(self.closure.get(iri, {iri}), key=str)
                branches.append(
                    scope.where(f"?{var} {_TYPE} ?_t")
                    + " "
                    + values_clause("_t", (ox.NamedNode(str(x)) for x in classes))
                )
            else:
                branches.append(scope.where(f"?{var} <{iri}> ?_o"))
        union = " UNION ".join(f"{{ {b} }}" for b in branches)
        return f"{{ SELECT DISTINCT ?{var} WHERE {{ {scope.restrict(var)} {union} }} }}"

    def in_scope_focus(self, c: Constraint, scope: Scope, rows: list[Any], query: str) -> list[Any]:
        """Rows of a candidate query (over every subject) that are focus nodes of the constraint: the
        query again, joined with the focus nodes, when it found anything."""
        if not rows:
            return []
        return self.select(query.replace("WHERE {", "WHERE { " + self.focus_pattern(c, scope) + " ", 1))

    # -- local constraints ---------------------------------------------------------------------
    def local_results(
        self, constraints: Sequence[Constraint], scope: Scope, present: set[str] | None = None
    ) -> list[Result]:
        """The results of the local constraints in ``scope``; ``present``: the predicates and
        classes used in the scope (constraints that cannot fire there are skipped)."""
        out: list[Result] = []
        for c in constraints:
            if not c.local:
                continue
            if present is not None and not any(
                str(iri) in present or any(str(x) in present for x in self.closure.get(iri, ()))
                for kind, iri in c.targets
            ):
                continue
            if (
                present is not None
                and c.path is not None
                and str(c.path) not in present
                and c.kind != "minCount"
            ):
                continue
            out += getattr(self, "_" + c.kind.replace("-", "_"))(c, scope)
        return out

    def _minCount(self, c: Constraint, scope: Scope) -> list[Result]:
        focus = self.focus_pattern(c, scope)
        triple = scope.where(f"?f <{c.path}> ?v")
        if c.param == 1:
            q = f"SELECT ?f WHERE {{ {focus} MINUS {{ {triple} }} }}"
        else:
            q = (
                f"SELECT ?f WHERE {{ {focus} OPTIONAL {{ {triple} }} }} GROUP BY ?f "
                f"HAVING (COUNT(DISTINCT ?v) < {int(c.param)})"
            )
        return [Result(c, row[0], None) for row in self.select(q)]

    def _has_any(self, c: Constraint, scope: Scope) -> list[Result]:
        minus = " ".join(f"MINUS {{ {scope.where(f'?f <{p}> ?v')} }}" for p in c.param)
        return [
            Result(c, row[0], row[0])
            for row in self.select(f"SELECT ?f WHERE {{ {self.focus_pattern(c, scope)} {minus} }}")
        ]

    def _maxCount(self, c: Constraint, scope: Scope) -> list[Result]:
        q = (
            f"SELECT ?f WHERE {{ {scope.restrict()} {scope.where(f'?f <{c.path}> ?v')} }} GROUP BY ?f "
            f"HAVING (COUNT(DISTINCT ?v) > {int(c.param)})"
        )
        return [Result(c, row[0], None) for row in self.in_scope_focus(c, scope, self.select(q), q)]

    def _value_rows(self, c: Constraint, scope: Scope, condition: str) -> list[Result]:
        """(focus, value) of the constraint's path where ``condition`` (SPARQL, on ?v) holds."""
        q = f"SELECT ?f ?v WHERE {{ {scope.restrict()} {scope.where(f'?f <{c.path}> ?v')} {condition} }}"
        return [Result(c, row[0], row[1]) for row in self.in_scope_focus(c, scope, self.select(q), q)]

    def _datatype(self, c: Constraint, scope: Scope) -> list[Result]:
        dts = list(c.param)
        if RDFS.Literal in dts:
            wrong = "FILTER(!isLiteral(?v))"
        else:
            wrong = f"FILTER(!(isLiteral(?v) && datatype(?v) IN ({', '.join(f'<{d}>' for d in dts)})))"
        out = self._value_rows(c, scope, wrong)
        bad = []
        for d in dts:  # literals of the right datatype that pySHACL may still refuse
            if d in (XSD.string, RDF.langString, RDFS.Literal) or not _rdflib_parses(d):
                continue
            # Oxigraph keeps a literal it can read in canonical form, and such a number or boolean is one
            # rdflib reads too: only the literals Oxigraph could not read need asking
            if d in _NUMERIC:
                extra = "&& !isNumeric(?v)"
            elif d == XSD.boolean:
                extra = "&& !sameTerm(?v, true) && !sameTerm(?v, false)"
            else:
                extra = ""
            q = (
                f"SELECT DISTINCT ?v WHERE {{ {scope.restrict()} {scope.where(f'?f <{c.path}> ?v')} "
                f"FILTER(isLiteral(?v) && datatype(?v) = <{d}> {extra}) }}"
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # rdflib warns of each boolean it cannot read
                bad += [row[0] for row in self.select(q) if not datatype_matches(row[0], d)]
        if bad:
            out += self._value_rows(c, scope, values_clause("v", bad))
        return out

    def _in(self, c: Constraint, scope: Scope) -> list[Result]:
        members = [_to_ox(m) for m in c.param]
        test = " || ".join(f"sameTerm(?v, {m})" for m in members) or "false"
        return self._value_rows(c, scope, f"FILTER(!({test}))")

    def _pattern(self, c: Constraint, scope: Scope) -> list[Result]:
        matcher = pattern_matcher(*c.param)
        q = f"SELECT DISTINCT ?v WHERE {{ {scope.restrict()} {scope.where(f'?f <{c.path}> ?v')} }}"
        values = [row[0] for row in self.select(q)]
        bad = [v for v in values if not isinstance(v, ox.BlankNode) and not matcher(v.value)]
        out = []
        if bad:
            out += self._value_rows(c, scope, values_clause("v", bad))
        if any(isinstance(v, ox.BlankNode) for v in values):
            out += self._value_rows(c, scope, "FILTER(isBlank(?v))")
        return out

    # -- sh:class, on the whole graph ----------------------------------------------------------
    def class_results(self, constraints: Sequence[Constraint]) -> list[Result]:
        out: list[Result] = []
        for c in constraints:
            if c.kind != "class":
                continue
            classes = sorted({x for cls in c.param for x in self.closure.get(cls, {cls})}, key=str)
            typed = f"?v {_TYPE} ?_c {values_clause('_c', (ox.NamedNode(str(x)) for x in classes))}"
            q = f"SELECT ?f ?v WHERE {{ ?f <{c.path}> ?v MINUS {{ {typed} }} }}"
            out += [
                Result(c, row[0], row[1]) for row in self.in_scope_focus(c, WHOLE_GRAPH, self.select(q), q)
            ]
        return out


def class_closure(store: ox.Store, roots: Iterable[URIRef]) -> dict[URIRef, set[URIRef]]:
    """{root: the IRI classes below it by rdfs:subClassOf, itself included} (as rdflib's
    ``transitive_subjects`` walks them; a class below a blank node class counts too)."""
    below: dict[str, set[Any]] = {}
    for row in store.query(f"SELECT ?a ?b WHERE {{ ?a <{RDFS.subClassOf}> ?b }}"):  # type: ignore[union-attr]
        below.setdefault(_key(row[1]), set()).add(row[0])
    out = {}
    for root in roots:
        seen, todo = {str(root)}, [str(root)]
        found = {root}
        while todo:
            for sub in below.get(todo.pop(), ()):
                k = _key(sub)
                if k not in seen:
                    seen.add(k)
                    todo.append(k)
                    if isinstance(sub, ox.NamedNode):
                        found.add(URIRef(sub.value))
        out[root] = found
    return out


def _key(term: Any) -> str:
    return term.value if isinstance(term, ox.NamedNode) else str(term)


# -- pySHACL's judgements --------------------------------------------------------------------


def _rdflib_parses(datatype: URIRef) -> bool:
    from rdflib.term import XSDToPython

    return XSDToPython.get(datatype) is not None


def datatype_matches(value: Any, datatype: URIRef) -> bool:
    """pySHACL's sh:datatype verdict on a literal whose datatype is ``datatype`` (rdflib's
    ill-typedness, then the Python type of its value)."""
    lit = Literal(value.value, datatype=datatype)
    if lit.ill_typed is True:
        return False
    kind = _PYTHON_TYPES.get(datatype)
    return kind is None or isinstance(lit.value, kind)


# the Python type pySHACL wants a literal's value to have, per datatype (its _assert_actual_datatype)
_PYTHON_TYPES: dict[URIRef, type | tuple[type, ...]] = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: decimal.Decimal,
    XSD.boolean: bool,
    XSD.date: datetime.date,
    XSD.time: datetime.time,
    XSD.dateTime: datetime.datetime,
}


def pattern_matcher(pattern: Node, flags: Node | None) -> Callable[[str], bool]:
    """pySHACL's sh:pattern test: Python ``re``, flags ``i`` and ``m``."""
    re_flags = 0
    if flags is not None:
        text = str(flags.value if isinstance(flags, Literal) else flags).lower()
        re_flags |= re.I if "i" in text else 0
        re_flags |= re.M if "m" in text else 0
    value = pattern.value if isinstance(pattern, Literal) else None
    source = str(value) if value is not None and len(value) > 1 else str(pattern)
    matcher = re.compile(source, re_flags)
    return lambda s: bool(matcher.match(s) or matcher.search(s))


def message(c: Constraint, focus: Node, value: Node | None, shapes: Graph) -> str:
    """The sh:resultMessage pySHACL gives: the shape's sh:message, else its own wording."""
    if c.message is not None:
        return c.message
    from pyshacl.rdfutil.stringify import stringify_node

    from .store import new_graph

    data = new_graph()  # pySHACL names data nodes with the data graph's prefixes: corpgraph's own

    def s(node: Node, g: Graph) -> str:
        return stringify_node(g, node)

    if c.kind in ("minCount", "maxCount"):
        word = "Less" if c.kind == "minCount" else "More"
        return f"{word} than {c.param} values on {s(focus, data)}->{s(c.path, shapes)}"  # type: ignore[arg-type]
    if c.kind == "datatype" and c.or_list is None:
        return f"Value is not Literal with datatype {s(c.param[0], shapes)}"
    if c.kind == "class" and c.or_list is None:
        return f"Value does not have class {s(c.param[0], shapes)}"
    if c.kind == "in":
        return f"Value {s(value, data)} not in list {[s(m, shapes) for m in c.param]}"  # type: ignore[arg-type]
    if c.kind == "pattern":
        return f"Value does not match pattern '{c.param[0].value}'"
    assert c.or_list is not None
    members = " , ".join(s(m, shapes) for m in shapes.items(c.or_list))
    return f"Node {s(value, data)} must conform to one or more shapes in {members}"  # type: ignore[arg-type]


__all__ = [
    "Constraint",
    "Evaluator",
    "Result",
    "Scope",
    "Shapes",
    "Unsupported",
    "WHOLE_GRAPH",
    "class_closure",
    "compile_shapes",
    "datatype_matches",
    "message",
    "pattern_matcher",
]
