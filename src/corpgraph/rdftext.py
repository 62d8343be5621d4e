"""RDF terms as text: the one place an IRI is checked and a term is written as N-Triples/Turtle/SPARQL.

Everything corpgraph writes into a Turtle file, an N-Triples line or a SPARQL text passes here:
importers write their parts with :func:`iri`, :func:`literal` and :func:`term`; query builders put
IRIs into VALUES blocks with :func:`iri`.  An IRI holding a character that could close ``<...>`` or
open another token (``<>"{}|^`\\``, a space or a control character), or without a scheme, is
refused with :class:`BadIRI`, so no value from a data file or a parameter can change the structure
of the text it lands in.  Literals are escaped; language tags and blank node labels are checked.

The functions work on plain strings (fast enough for an import of a million rows) and, through
:func:`term`, on rdflib terms.
"""

from __future__ import annotations

import re

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD

# RFC 3987 allows none of these in an IRI; SPARQL's and Turtle's IRIREF exclude them too.
_BAD_IRI_CHAR = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]')
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_LANG = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_BNODE = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?$")
ESCAPES = str.maketrans(
    {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
)
XSD_STRING = str(XSD.string)
RDF_LANGSTRING = str(RDF.langString)


class BadIRI(ValueError):
    """A string that is not an absolute IRI that can be written between ``<`` and ``>``."""


def iri_problem(value: str) -> str | None:
    """Why ``value`` cannot be an IRI in corpgraph's files and queries, or None when it can."""
    m = _BAD_IRI_CHAR.search(value)
    if m:
        return f"it holds the character {m.group()!r}"
    if not _SCHEME.match(value):
        return "it has no scheme (such as https: or urn:)"
    return None


def check_iri(value: str) -> str:
    """``value`` itself when it is a valid IRI; else :class:`BadIRI` saying why."""
    problem = iri_problem(value)
    if problem:
        raise BadIRI(f"{value[:200]!r} is not a valid IRI: {problem}")
    return value


def iri(value: str) -> str:
    """``<value>``, after :func:`check_iri`."""
    if _BAD_IRI_CHAR.search(value) or not _SCHEME.match(value):
        check_iri(value)
    return f"<{value}>"


def quoted(text: str) -> str:
    """A string as a quoted N-Triples/Turtle/SPARQL string, escaped."""
    return '"' + text.translate(ESCAPES) + '"'


def literal(text: str, datatype: str | None = None, lang: str | None = None) -> str:
    """A literal: ``"text"``, ``"text"@lang`` or ``"text"^^<datatype>`` (xsd:string is left implicit)."""
    if lang:
        return f"{quoted(text)}@{lang_tag(lang)}"
    if datatype and datatype not in (XSD_STRING, RDF_LANGSTRING):
        return f"{quoted(text)}^^{iri(datatype)}"
    return quoted(text)


def lang_tag(lang: str) -> str:
    """``lang`` when it is a BCP 47 language tag such as ``en`` or ``pt-BR``, else ValueError."""
    if not _LANG.match(lang):
        raise ValueError(f"{lang!r} is not a language tag")
    return lang


def bnode(label: str) -> str:
    if not _BNODE.match(label):
        raise ValueError(f"{label!r} is not a blank node label")
    return f"_:{label}"


def term(t: object) -> str:
    """An rdflib term in N-Triples form (IRIs checked, literals escaped)."""
    if isinstance(t, URIRef):
        return iri(str(t))
    if isinstance(t, Literal):
        dt = t.datatype
        return literal(str(t), str(dt) if dt is not None else None, t.language)
    if isinstance(t, BNode):
        return bnode(str(t))
    raise TypeError(f"cannot write {t!r} as an RDF term")


def ntriple(s: object, p: object, o: object) -> str:
    """One N-Triples line (without the newline)."""
    return f"{term(s)} {term(p)} {term(o)} ."
