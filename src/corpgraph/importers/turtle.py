"""A fast, deterministic Turtle writer for imported parts (rdflib's serializer is ~10x slower).

Subjects sorted by IRI, predicates sorted (rdf:type first), objects sorted; our prefixes; every
literal written with its datatype spelled out, so the text round-trips to the same triples.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from ..vocab import PREFIXES

_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_\-.]*[A-Za-z0-9_\-])?$")
_ESC = str.maketrans(
    {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
)
_NS = sorted(((str(ns), p) for p, ns in PREFIXES.items()), key=lambda x: -len(x[0]))


def _iri(term: str, cache: dict[str, str]) -> str:
    out = cache.get(term)
    if out is None:
        out = f"<{term}>"
        for ns, prefix in _NS:
            if term.startswith(ns) and _LOCAL.match(term[len(ns) :]):
                out = f"{prefix}:{term[len(ns) :]}"
                break
        cache[term] = out
    return out


def _literal(lit: Literal, cache: dict[str, str]) -> str:
    text = '"' + str(lit).translate(_ESC) + '"'
    if lit.language:
        return f"{text}@{lit.language}"
    if lit.datatype is not None and lit.datatype != XSD.string:
        value = lit.toPython() if lit.datatype == XSD.decimal else None
        if isinstance(value, Decimal):
            text = '"' + str(lit) + '"'
        return f"{text}^^{_iri(str(lit.datatype), cache)}"
    return text


def _term(t, cache: dict[str, str], lits: dict) -> str:
    if isinstance(t, URIRef):
        return _iri(t, cache)
    if isinstance(t, Literal):
        out = lits.get(t)
        if out is None:
            out = lits[t] = _literal(t, cache)
        return out
    if isinstance(t, BNode):
        return f"_:{t}"
    raise TypeError(f"cannot write {t!r}")


def write_turtle(graph: Graph | Iterable[tuple]) -> str:
    cache: dict[str, str] = {}
    lits: dict = {}
    by_subject: dict = {}
    for s, p, o in graph:
        by_subject.setdefault(s, {}).setdefault(p, []).append(o)
    lines = [f"@prefix {p}: <{ns}> ." for p, ns in sorted(PREFIXES.items())]
    lines.append("")
    rdf_type = RDF.type
    for s in sorted(by_subject, key=str):
        preds = by_subject[s]
        parts = []
        for p in sorted(preds, key=lambda x: (x != rdf_type, str(x))):
            objs = sorted(_term(o, cache, lits) for o in preds[p])
            verb = "a" if p == rdf_type else _iri(str(p), cache)
            parts.append(f"{verb} " + ",\n        ".join(objs))
        lines.append(_term(s, cache, lits) + " " + " ;\n    ".join(parts) + " .\n")
    return "\n".join(lines)
