"""Finding entities by what people call them: IRI, slug, label or alias, case- and accent-insensitive.

Every command that takes an ENTITY goes through ``resolve_entity``; ``search`` ranks partial matches.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Container
from dataclasses import dataclass, replace

from rdflib.namespace import RDFS

from . import derived
from .backend import Backend
from .errors import AmbiguousEntity, UnknownEntity
from .names import fold
from .vocab import CG, ENT, SPARQL_PREFIXES, local_name


@dataclass(frozen=True)
class EntityName:
    iri: str
    label: str
    type: str
    names: tuple[str, ...]  # label and aliases as written
    identifiers: tuple[
        tuple[str, str], ...
    ] = ()  # (scheme, value): ("UEI", "ABC123..."), ("Wikidata", "Q42")


@dataclass(frozen=True)
class SearchHit:
    iri: str
    label: str
    type: str
    matched: str  # the label, alias or identifier ("UEI ABC123") that matched
    score: float


_INDEX_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?e ?label ?type ?alias WHERE {
  ?e a ?type ; rdfs:label ?label .
  ?type rdfs:subClassOf* cg:Entity .
  OPTIONAL { ?e cg:alias ?alias }
}"""
)

# The identifiers a name may also be given as (UEI, DUNS, CAGE, CIK, LEI, Wikidata QID), by scheme.
IDENTIFIER_SCHEMES = {
    "uei": "UEI",
    "duns": "DUNS",
    "cage": "CAGE",
    "cik": "CIK",
    "lei": "LEI",
    "wikidata": "Wikidata",
}
_IDENTIFIER_QUERY = (
    SPARQL_PREFIXES
    + "SELECT ?e ?p ?id WHERE { VALUES ?p { "
    + " ".join(f"cg:{p}" for p in IDENTIFIER_SCHEMES)
    + " } ?e ?p ?id }"
)


_LABEL, _ALIAS = str(RDFS.label), str(CG.alias)
_GENERIC = {"Entity", "Organization"}


def read_entities(backend: Backend, exclude: Container[tuple[str, str, str]] = ()) -> list[EntityName]:
    """Every entity of the graph with its label, its most specific type and its names (the label,
    then the aliases): the one reader of what entities are called, for look-ups (:class:`EntityIndex`)
    and imports (``entity_resolution.Resolver``).  Label and alias triples in ``exclude`` (an import's
    previous output, as (s, p, o) strings) are left out."""
    acc: dict[str, dict] = {}
    for e, label, typ, alias in backend.select_text(_INDEX_QUERY):
        iri, name = str(e), str(label)
        if (iri, _LABEL, name) in exclude:
            continue
        item = acc.setdefault(iri, {"label": name, "types": set(), "names": [name]})
        item["types"].add(local_name(str(typ)))
        if alias is not None and str(alias) not in item["names"] and (iri, _ALIAS, str(alias)) not in exclude:
            item["names"].append(str(alias))
    return [
        EntityName(iri, d["label"], sorted(d["types"] - _GENERIC or d["types"])[0], tuple(d["names"]))
        for iri, d in acc.items()
    ]


class EntityIndex:
    """All entity names of a graph, folded for matching.  Build once per command."""

    def __init__(self, entities: list[EntityName], folded: list[list[str]] | None = None):
        """``folded``: each entity's names (label, aliases, IRI slug) already folded, as ``folded_names``
        gives them (kept with the index, since folding is most of the cost of building it)."""
        self.entities = {e.iri: e for e in entities}
        self.folded = folded if folded is not None else [[fold(n) for n in _names(e)] for e in entities]
        self.by_name: dict[str, set[str]] = {}
        self.by_identifier: dict[str, set[str]] = {}
        for e, names in zip(entities, self.folded, strict=True):
            for f in names:
                self.by_name.setdefault(f, set()).add(e.iri)
            for _scheme, value in e.identifiers:
                key = _identifier_key(value)
                if key:
                    self.by_identifier.setdefault(key, set()).add(e.iri)

    @classmethod
    def from_backend(cls, backend: Backend) -> EntityIndex:
        """The index of the backend's graph, read once per graph version (``derived.kept``)."""
        return derived.kept(
            backend,
            "entity-index",
            lambda: cls(_read_entities(backend)),
            lambda index: {
                "entities": [
                    [e.iri, e.label, e.type, e.names, e.identifiers] for e in index.entities.values()
                ],
                "folded": index.folded,
            },
            lambda data: cls(
                [
                    EntityName(iri, label, typ, tuple(names), tuple((s, v) for s, v in ids))
                    for iri, label, typ, names, ids in data["entities"]
                ],
                data["folded"],
            ),
        )

    def resolve(self, name: str) -> str:
        """The IRI of the one entity called ``name``; raises UnknownEntity or AmbiguousEntity."""
        text = name.strip()
        if text in self.entities:
            return text
        if text.startswith("ent:") and str(ENT) + text[4:] in self.entities:
            return str(ENT) + text[4:]
        found = self.by_name.get(fold(text), set()) or self.by_identifier.get(_identifier_key(text), set())
        if len(found) == 1:
            return next(iter(found))
        if found:
            raise AmbiguousEntity(
                name, [(i, self.entities[i].label, self.entities[i].type) for i in sorted(found)]
            )
        raise UnknownEntity(name, [(h.iri, h.label) for h in self.search(text, limit=5)])

    def search(self, text: str, limit: int = 20) -> list[SearchHit]:
        """Ranked matches: an identifier given whole (UEI, DUNS, CIK, LEI, Wikidata QID) or an exact
        name, then prefix, word prefix, substring, then fuzzy similarity."""
        q = fold(text)
        if not q:
            return []
        best: dict[str, SearchHit] = {}
        key = _identifier_key(text)
        if key:  # an identifier given whole, or its first four characters or more
            for ident, iris in self.by_identifier.items():
                if ident != key and not (len(key) >= 4 and ident.startswith(key)):
                    continue
                for iri in iris:
                    e = self.entities[iri]
                    scheme, value = next((s, v) for s, v in e.identifiers if _identifier_key(v) == ident)
                    score = 1.0 if ident == key else 0.85
                    if iri not in best or score > best[iri].score:
                        best[iri] = SearchHit(iri, e.label, e.type, f"{scheme} {value}", score)
        matcher = difflib.SequenceMatcher(None, q)
        for e, folded in zip(self.entities.values(), self.folded, strict=True):
            for n, f in zip(e.names, folded, strict=False):  # the names, not the IRI slug folded last
                if f == q:
                    score = 1.0
                elif f.startswith(q):
                    score = 0.9
                elif any(w.startswith(q) for w in f.split()):
                    score = 0.8
                elif q in f:
                    score = 0.7
                else:
                    matcher.set_seq2(f)
                    # real_quick_ratio and quick_ratio are upper bounds of ratio, much cheaper to compute
                    close = matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6
                    ratio = matcher.ratio() if close else 0.0
                    score = 0.6 * ratio if ratio >= 0.6 else 0.0
                if score and (e.iri not in best or score > best[e.iri].score):
                    best[e.iri] = SearchHit(e.iri, e.label, e.type, n, round(score, 3))
        hits = sorted(best.values(), key=lambda h: (-h.score, len(h.matched), h.label))
        return hits[:limit]


def _read_entities(backend: Backend) -> list[EntityName]:
    ids: dict[str, list[tuple[str, str]]] = {}
    for e, p, value in backend.select_text(_IDENTIFIER_QUERY):
        ids.setdefault(str(e), []).append((IDENTIFIER_SCHEMES[local_name(str(p))], str(value)))
    return [replace(e, identifiers=tuple(sorted(ids.get(e.iri, ())))) for e in read_entities(backend)]


def _names(e: EntityName) -> tuple[str, ...]:
    """What an entity may be called: its label and aliases as written, then its IRI's slug."""
    return (*e.names, local_name(e.iri))


def _identifier_key(value: str) -> str:
    """Identifiers compare without case, spaces or dashes ("q42" is Wikidata's Q42)."""
    return _NOT_ALNUM.sub("", value.upper())


_NOT_ALNUM = re.compile(r"[\W_]")  # \w is str.isalnum() plus the underscore


def resolve_entity(backend: Backend, name: str, index: EntityIndex | None = None) -> str:
    return (index or EntityIndex.from_backend(backend)).resolve(name)
