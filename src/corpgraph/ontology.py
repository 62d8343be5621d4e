"""The model as the graph's ontology (graph/ontology.ttl) declares it, read from the graph in use.

Entity classes and their hierarchy, relationship kinds and the edge rule of each (``cg:edgeFrom``,
``cg:edgeTo``, ``cg:edgeLabel``, ``cg:moneyFlow``), the roles (``cg:RoleProperty``), the record
attributes (``rdfs:domain cg:Relationship``), how each entity class is drawn (``cg:colour``,
``cg:mapShape``, ``cg:figureShape``) and how records read as sentences (``cg:factTemplate`` per kind,
``cg:hedge`` and ``cg:caveat`` per certainty level, the amount kinds' labels).  Code asks an
:class:`Ontology` instead of listing class names, roles or predicates, so a class, kind or role
added to the ontology reaches every command.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Literal

from .backend import Backend
from .vocab import CG, SPARQL_PREFIXES, local_name


@dataclass(frozen=True)
class EdgeRule:
    """How records of one kind are drawn: ``from_role`` --label--> ``to_role``."""

    kind: str  # IRI of the relationship class
    kind_label: str
    from_role: str
    to_role: str
    label: str
    symmetric: bool = False
    label_property: str | None = None
    money_flow: str = "none"  # forward | backward | none
    soft: bool = False  # a soft tie (statement, sector membership...): paths skip it unless asked

    @property
    def name(self) -> str:
        return local_name(self.kind)


@dataclass(frozen=True)
class ClassStyle:
    """How entities of a class are drawn: a colour, a vis-network shape and a Graphviz shape."""

    colour: str
    map_shape: str
    figure_shape: str


@dataclass
class Ontology:
    """What the commands need to know of the vocabulary."""

    rules: dict[str, EdgeRule]
    entity_classes: dict[str, int]  # class IRI -> depth below cg:Entity (deeper is more specific)
    class_labels: dict[str, str] = field(default_factory=dict)
    kind_labels: dict[str, str] = field(default_factory=dict)  # every relationship class, edge or not
    class_parents: dict[str, frozenset[str]] = field(default_factory=dict)  # direct rdfs:subClassOf
    roles: frozenset[str] = frozenset()  # every cg:RoleProperty
    record_fields: frozenset[str] = frozenset()  # properties with rdfs:domain cg:Relationship
    amount_kind_labels: dict[str, str] = field(default_factory=dict)  # local name -> rdfs:label
    # entity class IRI -> its own style or its nearest styled ancestor's
    styles: dict[str, ClassStyle] = field(default_factory=dict)
    fact_templates: dict[str, str] = field(default_factory=dict)  # relationship kind IRI -> cg:factTemplate
    hedges: dict[str, str] = field(default_factory=dict)  # certainty level (local name) -> cg:hedge
    caveats: dict[str, str] = field(default_factory=dict)  # certainty level (local name) -> cg:caveat
    _ancestors: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)

    def kind_by_name(self, name: str) -> str | None:
        """The IRI of a relationship kind given its local name or label, case-insensitively."""
        wanted = _squash(name)
        for iri, label in self.kind_labels.items():
            if wanted in (local_name(iri).lower(), _squash(label)):
                return iri
        return None

    def entity_class_by_name(self, name: str) -> str | None:
        """The IRI of an entity class given its local name or label ("GovernmentBody", "government body")."""
        wanted = _squash(name)
        for iri in self.entity_classes:
            if wanted in (local_name(iri).lower(), _squash(self.class_labels.get(iri, ""))):
                return iri
        return None

    def ancestors(self, cls: str) -> frozenset[str]:
        """``cls`` and every class above it."""
        found = self._ancestors.get(str(cls))
        if found is None:
            seen, todo = {str(cls)}, [str(cls)]
            while todo:
                for parent in self.class_parents.get(todo.pop(), ()):
                    if parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            found = self._ancestors[str(cls)] = frozenset(seen)
        return found

    def below(self, root: str) -> list[str]:
        """Every class under ``root`` (``rdfs:subClassOf+``, ``root`` itself left out), sorted.

        Queries join these as VALUES instead of a transitive path: Virtuoso loses rows when
        ``?c rdfs:subClassOf+ root`` is joined to other patterns; every engine answers VALUES alike."""
        return sorted(c for c in self.class_parents if c != root and root in self.ancestors(c))

    def is_a(self, cls: str, ancestor: str) -> bool:
        """True when ``cls`` is ``ancestor`` or one of its subclasses."""
        return str(ancestor) in self.ancestors(cls)

    def branch(self, cls: str) -> str:
        """The class directly below cg:Entity that ``cls`` belongs to (Company -> Organization);
        ``cls`` itself when it is not below cg:Entity."""
        top = [c for c in self.ancestors(cls) if self.entity_classes.get(c) == 1]
        return min(top) if top else str(cls)

    def style(self, cls: str | None) -> ClassStyle | None:
        """The style of an entity class, by IRI or local name; None when the ontology gives none."""
        if not cls:
            return None
        found = self.styles.get(str(cls))
        if found is None and ":" not in str(cls):
            found = self.styles.get(str(CG._NS) + str(cls)) or next(
                (s for c, s in self.styles.items() if local_name(c) == cls), None
            )
        return found


def _squash(text: str) -> str:
    return re.sub(r"[\s_\-]", "", text).lower()


_RULES_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?kind ?klabel ?from ?to ?label ?sym ?lprop ?flow ?soft WHERE {
  ?kind cg:edgeFrom ?from ; cg:edgeTo ?to ; cg:edgeLabel ?label .
  OPTIONAL { ?kind rdfs:label ?klabel }
  OPTIONAL { ?kind cg:symmetric ?sym }
  OPTIONAL { ?kind cg:softTie ?soft }
  OPTIONAL { ?kind cg:edgeLabelProperty ?lprop }
  OPTIONAL { ?kind cg:moneyFlow ?flow }
}"""
)

_CLASSES_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?c ?label ?parent WHERE {
  { ?c rdfs:subClassOf ?parent . ?parent rdfs:subClassOf* cg:Entity . }
  UNION { ?c rdfs:subClassOf ?parent . ?parent rdfs:subClassOf* cg:Relationship . }
  UNION { BIND(cg:Entity AS ?c) } UNION { BIND(cg:Relationship AS ?c) }  # not VALUES: Virtuoso drops the rows
  OPTIONAL { ?c rdfs:label ?label }
}"""
)

# Roles, record attributes, class styles, amount kinds' labels and sentence wording in one round trip
# (an endpoint answers each query over HTTP).
_TERMS_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?what ?term ?colour ?mapShape ?figureShape ?label ?text WHERE {
  { ?term a cg:RoleProperty . BIND("role" AS ?what) }
  UNION { ?term rdfs:domain cg:Relationship . BIND("field" AS ?what) }
  UNION { ?term cg:colour ?colour ; cg:mapShape ?mapShape ; cg:figureShape ?figureShape . BIND("style" AS ?what) }
  UNION { ?term a cg:AmountKind ; rdfs:label ?label . BIND("amountKind" AS ?what) }
  UNION { ?term cg:factTemplate ?text . BIND("template" AS ?what) }
  UNION { ?term cg:hedge ?text . BIND("hedge" AS ?what) }
  UNION { ?term cg:caveat ?text . BIND("caveat" AS ?what) }
}"""
)


def read_ontology(backend: Backend) -> Ontology:
    """The ontology of the graph in use; the bundled ontology if the graph has none.

    Read once per backend and graph version: a command asks for it from several modules."""
    if not backend.keeps_derived:
        return _read_ontology(backend)
    version = backend.version()
    kept = _READ.get(backend)
    if kept is not None and kept[0] == version:
        return kept[1]
    onto = _read_ontology(backend)
    _READ[backend] = (version, onto)
    return onto


_READ: weakref.WeakKeyDictionary[Backend, tuple[str, Ontology]] = weakref.WeakKeyDictionary()


def _read_ontology(backend: Backend) -> Ontology:
    rows = backend.select(_RULES_QUERY).dicts()
    if not rows:
        return bundled_ontology()
    onto = _ontology(rows, backend.select(_CLASSES_QUERY).dicts(), backend.select(_TERMS_QUERY).dicts())
    # A graph folder copied before styles and record attributes were declared still draws and
    # describes its entities the bundled way.
    if not onto.styles:
        onto.styles = {c: s for c, s in bundled_ontology().styles.items() if c in onto.entity_classes}
    if not onto.record_fields:
        onto.record_fields = bundled_ontology().record_fields
    onto.amount_kind_labels = {**bundled_ontology().amount_kind_labels, **onto.amount_kind_labels}
    if not onto.fact_templates:  # likewise for a graph copied before kinds had sentence templates
        bundled = bundled_ontology()
        onto.fact_templates = {k: t for k, t in bundled.fact_templates.items() if k in onto.kind_labels}
        onto.hedges, onto.caveats = dict(bundled.hedges), dict(bundled.caveats)
    return onto


@functools.cache
def bundled_ontology() -> Ontology:
    """The ontology shipped with corpgraph (graph/ontology.ttl), read once per process (through an
    in-memory Oxigraph store: rdflib's parser and SPARQL engine take ten times as long)."""
    from .backend.cache import parse_folder
    from .store import bundled_graph_dir

    folder = bundled_graph_dir()
    bundled = parse_folder(folder, [folder / "ontology.ttl"])
    return _ontology(
        bundled.select(_RULES_QUERY).dicts(),
        bundled.select(_CLASSES_QUERY).dicts(),
        bundled.select(_TERMS_QUERY).dicts(),
    )


def _longest_depths(parents: dict[str, set[str]], root: str) -> dict[str, int]:
    """Each class under ``root`` with the length of its longest chain of rdfs:subClassOf up to it.

    Linear in the classes and links (Kahn's order over the classes below ``root``); a class in a
    cycle gets one more than its deepest parent outside the cycle.
    """
    children: dict[str, set[str]] = defaultdict(set)
    for c, ps in parents.items():
        for p in ps:
            children[p].add(c)
    below, stack = {root}, [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in below:
                below.add(child)
                stack.append(child)
    waiting = {c: sum(1 for p in parents.get(c, ()) if p in below) for c in below}
    waiting[root] = 0
    out = {root: 0}
    ready = [root]
    while ready:
        c = ready.pop()
        for child in children.get(c, ()):
            if child == root:
                continue
            out[child] = max(out.get(child, 0), out[c] + 1)
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    for c in below - set(out):  # in a cycle
        known = [out[p] for p in parents.get(c, ()) if p in out]
        out[c] = (max(known) if known else 0) + 1
    return out


def _ontology(rows: list[dict], class_rows: list[dict], term_rows: list[dict]) -> Ontology:
    rules = {}
    for r in rows:
        kind = str(r["kind"])
        rules[kind] = EdgeRule(
            kind=kind,
            kind_label=str(r.get("klabel", local_name(kind))),
            from_role=str(r["from"]),
            to_role=str(r["to"]),
            label=str(r["label"]),
            symmetric=isinstance(sym := r.get("sym"), Literal) and sym.toPython() is True,
            label_property=str(r["lprop"]) if "lprop" in r else None,
            money_flow=str(r.get("flow", "none")),
            soft=isinstance(soft := r.get("soft"), Literal) and soft.toPython() is True,
        )
    parents: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, str] = {}
    for r in class_rows:
        c = str(r["c"])
        if "parent" in r:
            parents[c].add(str(r["parent"]))
        if "label" in r:
            labels[c] = str(r["label"])
    entity_root, rel_root = str(CG.Entity), str(CG.Relationship)

    depths = {root: _longest_depths(parents, root) for root in (entity_root, rel_root)}

    def depth(c: str, root: str) -> int | None:
        return depths[root].get(c)

    entity_classes = {c: d for c in set(parents) | {entity_root} if (d := depth(c, entity_root)) is not None}
    kinds = {c for c in parents if depth(c, rel_root) is not None}
    kind_labels = {c: labels.get(c, local_name(c)) for c in kinds}
    roles, fields, own_styles, amount_labels = set(), set(), {}, {}
    wording: dict[str, dict[str, str]] = defaultdict(dict)  # template, hedge, caveat
    for r in term_rows:
        what, term = str(r["what"]), str(r["term"])
        if what == "role":
            roles.add(term)
        elif what == "field":
            fields.add(term)
        elif what == "amountKind":
            amount_labels[local_name(term)] = str(r["label"])
        elif what == "style":
            own_styles[term] = ClassStyle(str(r["colour"]), str(r["mapShape"]), str(r["figureShape"]))
        else:
            wording[what][term if what == "template" else local_name(term)] = str(r["text"])
    onto = Ontology(
        rules,
        entity_classes,
        labels,
        kind_labels,
        {c: frozenset(p) for c, p in parents.items()},
        frozenset(roles),
        frozenset(fields),
        dict(sorted(amount_labels.items())),
        fact_templates=wording["template"],
        hedges=wording["hedge"],
        caveats=wording["caveat"],
    )
    for c in entity_classes:  # a class without a style of its own is drawn as its nearest styled ancestor
        styled = [a for a in onto.ancestors(c) if a in own_styles]
        if styled:
            onto.styles[c] = own_styles[max(styled, key=lambda a: (entity_classes.get(a, -1), a))]
    return onto
