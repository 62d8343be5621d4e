"""A fast, deterministic Turtle writer for imported parts (rdflib's serializer is ~10x slower).

Subjects sorted by IRI, predicates sorted (rdf:type first), objects sorted; our prefixes; every
literal written with its datatype spelled out, so the text round-trips to the same triples.  Terms
are written by the rules of :mod:`corpgraph.rdftext`: every IRI is checked (``BadIRI`` for one
that could break out of ``<...>``), literals escaped, language tags and blank node labels checked.

The writer works on *text triples*, as :class:`corpgraph.importers.context.Triples` holds them:
``(subject, predicate, object)`` where the subject is an IRI (or ``_:label``), the predicate an IRI,
and the object its Turtle text: ``<IRI>``, ``_:label`` or a literal as :func:`literal_text` writes
it.  rdflib triples are turned into that form first (:func:`text_triple`), so both give the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from .. import rdftext
from ..vocab import PREFIXES

_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_\-.]*[A-Za-z0-9_\-])?$")
_ESC = rdftext.ESCAPES
_NEEDS_ESCAPE = re.compile('[\\\\"\n\r\t\b\f]').search
_NS = sorted(((str(ns), p) for p, ns in PREFIXES.items()), key=lambda x: -len(x[0]))
RDF_TYPE = str(RDF.type)


# A local name holds no '/' or '#'; every namespace ends with one: the only namespace that can fit
# an IRI is the IRI up to its last '/' or '#' (one look-up instead of a loop over the prefixes)
_BY_NS = dict(_NS) if all(ns.endswith(("/", "#")) for ns, _ in _NS) else None


def abbreviated(term: str) -> str:
    """An IRI as Turtle: ``prefix:local`` when one of our prefixes fits, else ``<IRI>`` (checked)."""
    out = rdftext.iri(term)
    if _BY_NS is not None:
        cut = max(term.rfind("/"), term.rfind("#")) + 1
        prefix = _BY_NS.get(term[:cut]) if cut else None
        if prefix is not None and _LOCAL.match(term[cut:]):
            return f"{prefix}:{term[cut:]}"
        return out
    for ns, prefix in _NS:
        if term.startswith(ns) and _LOCAL.match(term[len(ns) :]):
            return f"{prefix}:{term[len(ns) :]}"
    return out


def _iri(term: str, cache: dict[str, str]) -> str:
    out = cache.get(term)
    if out is None:
        out = cache[term] = abbreviated(term)
    return out


def quoted(text: str) -> str:
    """``"text"``, escaped as :func:`corpgraph.rdftext.quoted` escapes it."""
    return '"' + (text.translate(_ESC) if _NEEDS_ESCAPE(text) else text) + '"'


_XSD_STRING, _XSD_DECIMAL = str(XSD.string), str(XSD.decimal)
_DATATYPES: dict[str, str] = {}


def literal_text(lexical: str, datatype: str | None = None, lang: str | None = None) -> str:
    """A literal as the writer prints it: ``"text"``, ``"text"@lang``, ``"text"^^xsd:date``
    (xsd:string is left implicit).  ``lexical`` is written as given."""
    if lang:
        return f"{quoted(lexical)}@{rdftext.lang_tag(lang)}"
    if datatype is None or datatype == _XSD_STRING:
        return quoted(lexical)
    return f"{quoted(lexical)}^^{_iri(datatype, _DATATYPES)}"


def _literal(lit: Literal) -> str:
    lang = lit.language
    if lang:
        return literal_text(str(lit), None, lang)
    dt = lit.datatype
    if dt is not None and str(dt) != _XSD_STRING:
        dts = str(dt)
        if dts == _XSD_DECIMAL and isinstance(lit.toPython(), Decimal):
            return '"' + str.__str__(lit) + '"^^' + _iri(dts, _DATATYPES)
        return literal_text(str(lit), dts)
    return quoted(str(lit))


def object_text(t: object) -> str:
    """An rdflib term as the object of a text triple: ``<IRI>`` (checked when written), ``_:label``
    or the literal's text."""
    kind = type(t)
    if kind is URIRef:
        return f"<{t}>"
    if kind is Literal:
        return _literal(t)  # type: ignore[arg-type]
    if isinstance(t, URIRef):
        return f"<{t}>"
    if isinstance(t, Literal):
        return _literal(t)
    if isinstance(t, BNode):
        return f"_:{t}"
    raise TypeError(f"cannot write {t!r}")


def subject_text(t: object) -> str:
    """An rdflib subject as a text triple's subject: the IRI itself, or ``_:label``."""
    if isinstance(t, URIRef):
        return str(t)
    if isinstance(t, BNode):
        return f"_:{t}"
    raise TypeError(f"cannot write {t!r} as a subject")


def text_triple(triple: tuple) -> tuple[str, str, str]:
    """An rdflib triple as a text triple (see the module doc)."""
    s, p, o = triple
    if not isinstance(p, URIRef):
        raise TypeError(f"cannot write {p!r} as a predicate")
    return subject_text(s), str(p), object_text(o)


def _subject(s: str, cache: dict[str, str]) -> str:
    return rdftext.bnode(s[2:]) if s.startswith("_:") else _iri(s, cache)


def _object(o: str, cache: dict[str, str]) -> str:
    """The written form of a text triple's object (an IRI abbreviated and checked, once per IRI)."""
    out = cache.get(o)
    if out is None:
        if o.startswith("<"):
            out = abbreviated(o[1:-1])
        elif o.startswith("_:"):
            out = rdftext.bnode(o[2:])
        else:
            return o  # a literal: written as it is
        cache[o] = out
    return out


def write_turtle(graph: Graph | Iterable[tuple]) -> str:
    """Turtle for ``graph`` (text triples, or rdflib triples): subjects in the order of their IRIs,
    ``a`` first, objects sorted."""
    from .context import Triples

    if not isinstance(graph, Triples):
        held = Triples()
        held.update_text(text_triple(t) for t in graph)
        graph = held
    by_subject = graph.by_subject()
    iris: dict[str, str] = {}
    objects: dict[str, str] = {}
    iri_of, object_of = iris.get, objects.get
    lines = [f"@prefix {p}: <{ns}> ." for p, ns in sorted(PREFIXES.items())]
    lines.append("")
    for s in sorted(by_subject):
        pairs = by_subject[s]
        if not pairs:
            continue
        # sorted pairs: the predicates in order, each with its objects together
        parts: list[str] = []
        last = None
        objs: list[str] = []
        typed = -1  # where the rdf:type statement is among the parts
        for p, o in sorted(pairs):
            if o[0] != '"':  # an IRI or a blank node: abbreviated and checked once
                o = object_of(o) or _object(o, objects)
            if p == last:
                objs.append(o)
                continue
            if objs:
                parts.append(_statement(last, objs, iri_of, iris))  # type: ignore[arg-type]
            if p == RDF_TYPE:
                typed = len(parts)
            last, objs = p, [o]
        parts.append(_statement(last, objs, iri_of, iris))  # type: ignore[arg-type]
        if typed > 0:  # rdf:type ('a') first
            parts.insert(0, parts.pop(typed))
        lines.append((iri_of(s) or _subject(s, iris)) + " " + " ;\n    ".join(parts) + " .\n")
    return "\n".join(lines)


_JOINER = ",\n        "


def _statement(p: str, objs: list[str], iri_of, iris: dict[str, str]) -> str:
    """One predicate with its objects (as written, sorted)."""
    if len(objs) == 1:
        text = objs[0]
    else:
        objs.sort()
        text = _JOINER.join(objs)
    if p == RDF_TYPE:
        return "a " + text
    return (iri_of(p) or _iri(p, iris)) + " " + text
