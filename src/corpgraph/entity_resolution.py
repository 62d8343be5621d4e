"""Entity resolution for imports: every name (and UEI/DUNS) read from a file becomes one entity IRI.

Rules, tried in this order; the first that applies decides, and its name is recorded with the
decision so a reviewer can see why each source name went where it did:

``uei`` / ``duns``
    The identifier is already attached to an entity (in the graph, or earlier in this import).
``alias-table``
    The normalised name is in :data:`ALIASES`, corpgraph's explicit table of known variants
    ("CCA" and "Corrections Corporation of America" are CoreCivic; "GEO" is GEO Group).  The entity
    is the graph's own when it has one (found by its label or aliases), else one is created.
``graph-name``
    The normalised name equals the normalised label or an alias of exactly one entity of a
    compatible type in the graph (this is how imports join the hand-curated entities).
``ambiguous``
    The normalised name matches several entities of the graph: none is chosen; a separate entity
    is created and the candidates are listed in the decision for a person to settle.
``same-name``
    An entity created earlier in this import has the same normalised name.
``new``
    Nothing matched: a new entity is created.

Normalisation (:func:`name_key`) folds case, accents and punctuation, joins spelled-out initials
("B.I." -> "bi", "L.L.C." -> "llc"), drops a leading or trailing "THE", a trailing parenthesised
abbreviation and trailing legal suffixes (Inc, LLC, Corp, Co, LP, ...).  Names are only ever
compared whole: "GEORGIA" is never GEO, and "AT&T ENTERPRISES, LLC" is not AT&T but, by
:data:`SUBSIDIARIES`, a subsidiary of it (the importer writes that as an ownership record of
certainty "likely").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from .backend import Backend
from .names import fold as _fold_uncached
from .names import slugify
from .resolve import EntityIndex, EntityName
from .vocab import CG, ENT, SPARQL_PREFIXES, local_name

if TYPE_CHECKING:
    from .importers.context import Triples

LEGAL_SUFFIXES = frozenset(
    {
        "inc",
        "incorporated",
        "llc",
        "ltd",
        "limited",
        "corp",
        "corporation",
        "co",
        "company",
        "lp",
        "llp",
        "plc",
        "pllc",
        "pc",
        "lllp",
        "gmbh",
        "ag",
        "sa",
        "nv",
        "bv",
        "srl",
        "the",
    }
)
_PAREN_TAIL = re.compile(r"\s*\([^()]*\)\s*$")
_NATIONAL_ASSOCIATION = ("national", "association")


fold = functools.lru_cache(maxsize=1 << 16)(_fold_uncached)


@functools.lru_cache(maxsize=1 << 16)
def name_key(name: str) -> str:
    """The form two names must share to be the same entity: 'THE GEO GROUP, INC.' -> 'geo group'."""
    text = _PAREN_TAIL.sub("", str(name)) or str(name)
    tokens: list[str] = []
    run: list[str] = []
    for tok in fold(text).split():
        if len(tok) == 1 and tok.isalpha():
            run.append(tok)
            continue
        if run:
            tokens.append("".join(run))
            run = []
        tokens.append(tok)
    if run:
        tokens.append("".join(run))
    while tokens and tokens[0] == "the":
        tokens.pop(0)
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        if tokens[-1] in LEGAL_SUFFIXES or tokens[-1] in {"&", "and"}:
            tokens.pop()
            changed = True
        elif tuple(tokens[-2:]) == _NATIONAL_ASSOCIATION and len(tokens) > 2:
            del tokens[-2:]
            changed = True
    return " ".join(tokens) or fold(text)


@dataclass(frozen=True)
class KnownName:
    """An entry of the explicit variant table: the canonical label, the slug to mint, the type."""

    label: str
    slug: str
    type: str  # local name of a cg: class
    variants: tuple[str, ...]
    agency_code: str | None = None


ALIASES: tuple[KnownName, ...] = (
    KnownName(
        "GEO Group",
        "geo-group",
        "Company",
        ("GEO Group", "The GEO Group", "THE GEO GROUP, INC.", "The Geo Group", "GEO"),
    ),
    KnownName(
        "CoreCivic",
        "corecivic",
        "Company",
        ("CoreCivic", "CORECIVIC, INC.", "Corrections Corporation of America", "CCA"),
    ),
    KnownName(
        "Palantir Technologies",
        "palantir",
        "Company",
        ("Palantir Technologies", "PALANTIR TECHNOLOGIES INC.", "Palantir"),
    ),
    KnownName("AT&T", "att", "Company", ("AT&T", "AT&T Inc.", "AT&T INC")),
    KnownName(
        "Management & Training Corporation",
        "management-and-training-corporation",
        "Company",
        ("MANAGEMENT & TRAINING CORPORATION", "Management & Training Corporation (MTC)", "M&TC", "MTC"),
    ),
    KnownName("LaSalle Corrections", "lasalle-corrections", "Company", ("LaSalle Corrections",)),
    KnownName(
        "U.S. Immigration and Customs Enforcement",
        "ice",
        "GovernmentBody",
        ("ICE", "U.S. Immigration and Customs Enforcement", "Immigration and Customs Enforcement"),
        agency_code="7012",
    ),
    KnownName(
        "U.S. Customs and Border Protection",
        "cbp",
        "GovernmentBody",
        ("CBP", "U.S. Customs and Border Protection", "Customs and Border Protection"),
        agency_code="7014",
    ),
    KnownName(
        "DHS Office of Procurement Operations",
        "dhs-office-of-procurement-operations",
        "GovernmentBody",
        ("DHS Office of Procurement Operations", "Office of Procurement Operations"),
        agency_code="7001",
    ),
    KnownName(
        "U.S. Department of Homeland Security",
        "dhs",
        "GovernmentBody",
        ("DHS", "Department of Homeland Security", "U.S. Department of Homeland Security"),
        agency_code="7000",
    ),
    KnownName(
        "U.S. federal government",
        "us-federal-government",
        "GovernmentBody",
        ("Government of the United States", "United States Government", "U.S. Government"),
    ),
    KnownName(
        "Federal Bureau of Prisons",
        "federal-bureau-of-prisons",
        "GovernmentBody",
        ("Federal Bureau of Prisons", "BOP"),
    ),
    KnownName(
        "Office of Refugee Resettlement",
        "office-of-refugee-resettlement",
        "GovernmentBody",
        ("Office of Refugee Resettlement", "ORR"),
    ),
)

# Known subsidiaries named after their parent: normalised name -> the parent's canonical label.
# A match is never a merge; the importer records an ownership of certainty "likely".
SUBSIDIARIES: dict[str, str] = {
    name_key(n): parent
    for n, parent in (
        ("AT&T ENTERPRISES, LLC", "AT&T"),
        ("AT&T TECHNICAL SERVICES COMPANY, INC", "AT&T"),
        ("AT&T MOBILITY LLC", "AT&T"),
        ("ATT MOBILITY LLC", "AT&T"),
        ("AT&T Government Solutions, Inc.", "AT&T"),
    )
}


def _state(place: str) -> str:
    """'El Paso, TX' -> 'TX'; '' when the place has no state."""
    tail = place.rsplit(",", 1)[-1].strip().upper() if place else ""
    return tail if len(tail) == 2 and tail.isalpha() else ""


# Which entity types a name may join, by the type the import asks for.
ORGANIZATION_TYPES = frozenset({"Company", "GovernmentBody", "Group", "Organization"})
COMPATIBLE = {t: ORGANIZATION_TYPES for t in ORGANIZATION_TYPES} | {"Facility": frozenset({"Facility"})}


@dataclass(frozen=True)
class Decision:
    """Which entity a source name went to, and why."""

    source_name: str
    identifier: str  # 'uei:XXXX' / 'duns:NNN' or ''
    iri: str
    label: str
    rule: str
    detail: str = ""
    created: bool = False

    def row(self) -> list[str]:
        return [self.source_name, self.identifier, self.iri, self.label, self.rule, self.detail]


DECISION_HEADER = ["source_name", "identifier", "entity", "label", "rule", "detail"]


@dataclass
class NewEntity:
    """An entity an import creates: written with its label, type, aliases and identifiers."""

    iri: str
    label: str
    type: str
    aliases: set[str] = field(default_factory=set)
    ids: set[tuple[str, str]] = field(default_factory=set)  # ('uei'|'duns'|'agencyCode'|..., value)
    extra: dict[str, str] = field(default_factory=dict)  # other literal attributes: place, detloc


@dataclass
class Known:
    iri: str
    label: str
    type: str
    names: set[str]


_ENTITY_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?e ?label ?type WHERE {
  ?e a ?type ; rdfs:label ?label .
  ?type rdfs:subClassOf* cg:Entity .
}"""
)
_ALIAS_QUERY = SPARQL_PREFIXES + "SELECT ?e ?alias WHERE { ?e cg:alias ?alias }"
_PLACE_QUERY = SPARQL_PREFIXES + "SELECT ?e ?place WHERE { ?e a cg:Facility ; cg:place ?place }"
_ID_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?e ?p ?v WHERE { VALUES ?p { cg:uei cg:duns cg:agencyCode cg:detloc } ?e ?p ?v }"""
)


class Resolver:
    """Resolves names from one import against the graph in use and the variant tables.

    ``exclude`` is the previous output of the same import: its triples are ignored, so that
    importing a file again resolves exactly as the first time (and writes the same bytes).
    """

    def __init__(self, known: Iterable[Known], ids: Iterable[tuple[str, str, str]] = ()):
        self.known: dict[str, Known] = {k.iri: k for k in known}
        self.by_key: dict[str, set[str]] = {}
        for k in self.known.values():
            for n in k.names | {k.label}:
                self.by_key.setdefault(name_key(n), set()).add(k.iri)
        self.ids: dict[tuple[str, str], str] = {}
        for iri, scheme, value in sorted(ids):
            self.ids.setdefault((scheme, value), iri)
        self.created: dict[str, NewEntity] = {}
        self.created_by_key: dict[tuple[str, str], str] = {}
        self.added_aliases: dict[str, set[str]] = {}
        self.added_ids: dict[str, set[tuple[str, str]]] = {}
        self.decisions: dict[tuple[str, str], Decision] = {}
        self.places: dict[str, str] = {}  # facility IRI -> 'City, ST'
        self._alias_index = {name_key(v): entry for entry in ALIASES for v in (*entry.variants, entry.label)}
        self._code_index = {e.agency_code: e for e in ALIASES if e.agency_code}

    # -- construction -----------------------------------------------------------------------------
    @classmethod
    def from_backend(cls, backend: Backend, exclude: set[tuple[str, str, str]] | None = None) -> Resolver:
        """The graph's entities, names and identifiers, leaving out the triples in ``exclude``."""
        ex = exclude or set()
        acc: dict[str, Known] = {}
        generic = {"Entity", "Organization"}
        for e, label, typ in backend.select(_ENTITY_QUERY).rows:
            if (str(e), str(RDFS.label), str(label)) in ex:
                continue
            t = local_name(str(typ))
            k = acc.setdefault(str(e), Known(str(e), str(label), t, set()))
            if k.type in generic and t not in generic:
                k.type = t
        for e, alias in backend.select(_ALIAS_QUERY).rows:
            if str(e) in acc and (str(e), str(CG.alias), str(alias)) not in ex:
                acc[str(e)].names.add(str(alias))
        ids = [
            (str(e), local_name(str(p)), str(v))
            for e, p, v in backend.select(_ID_QUERY).rows
            if (str(e), str(p), str(v)) not in ex and str(e) in acc
        ]
        r = cls(acc.values(), ids)
        for e, place in backend.select(_PLACE_QUERY).rows:
            if str(e) in acc and (str(e), str(CG.place), str(place)) not in ex:
                r.places.setdefault(str(e), str(place))
        return r

    def entity_index(self) -> EntityIndex:
        """The graph's entities as a :class:`corpgraph.resolve.EntityIndex` (for search and show)."""
        return EntityIndex(
            [EntityName(k.iri, k.label, k.type, (k.label, *sorted(k.names))) for k in self.known.values()]
        )

    # -- look-ups -----------------------------------------------------------------------------------
    def label_of(self, iri: str) -> str:
        if iri in self.created:
            return self.created[iri].label
        return self.known[iri].label if iri in self.known else local_name(iri)

    def is_new(self, iri: str) -> bool:
        return iri in self.created

    def _compatible(self, iri: str, etype: str) -> bool:
        have = self.known[iri].type if iri in self.known else self.created[iri].type
        return have in COMPATIBLE.get(etype, frozenset({etype}))

    def _graph_match(self, keys: Iterable[str], etype: str) -> set[str]:
        found: set[str] = set()
        for key in keys:
            found |= {i for i in self.by_key.get(key, ()) if self._compatible(i, etype)}
        return found

    def _mint(self, slug: str, label: str, etype: str) -> str:
        base = slug or "unnamed"
        iri, n = str(ENT[base]), 1
        while iri in self.known or iri in self.created:
            n += 1
            iri = str(ENT[f"{base}-{n}"])
        self.created[iri] = NewEntity(iri, label, etype)
        return iri

    def _record(self, d: Decision) -> Decision:
        self.decisions.setdefault((d.source_name, d.identifier), d)
        return d

    def _note_name(self, iri: str, name: str) -> None:
        """Keep a source name as an alias of its entity when no existing name folds the same."""
        if iri in self.created:
            ent = self.created[iri]
            if fold(name) != fold(ent.label):
                ent.aliases.add(name)
            return
        known = self.known[iri]
        if fold(name) not in {fold(n) for n in known.names | {known.label}}:
            self.added_aliases.setdefault(iri, set()).add(name)

    def _note_id(self, iri: str, scheme: str, value: str) -> None:
        if not value:
            return
        if iri in self.created:
            self.ids.setdefault((scheme, value), iri)
            self.created[iri].ids.add((scheme, value))
        elif (scheme, value) not in self.ids:
            self.ids[(scheme, value)] = iri
            self.added_ids.setdefault(iri, set()).add((scheme, value))

    def known_ids(self, iri: str) -> set[tuple[str, str]]:
        return {k for k, v in self.ids.items() if v == iri}

    # -- the rules ------------------------------------------------------------------------------------
    def resolve(self, name: str, *, uei: str = "", duns: str = "", etype: str = "Company") -> Decision:
        """The entity a name (with optional identifiers) stands for; creates one when none fits."""
        name = " ".join(str(name).split())
        uei, duns = uei.strip().upper(), duns.strip()
        ident = f"uei:{uei}" if uei else (f"duns:{duns}" if duns else "")
        if (name, ident) in self.decisions:
            return self.decisions[(name, ident)]
        key = name_key(name)
        decision: Decision | None = None
        for scheme, value in (("uei", uei), ("duns", duns)):
            if value and (scheme, value) in self.ids:
                iri = self.ids[(scheme, value)]
                decision = Decision(
                    name, ident, iri, self.label_of(iri), scheme, f"{scheme} {value}", created=False
                )
                break
        if decision is None and key in self._alias_index:
            entry = self._alias_index[key]
            iri = self._known_entry(entry)
            decision = Decision(
                name, ident, iri, self.label_of(iri), "alias-table", f"known variant of {entry.label}"
            )
        if decision is None:
            found = self._graph_match([key], etype)
            if len(found) == 1:
                iri = next(iter(found))
                decision = Decision(
                    name,
                    ident,
                    iri,
                    self.label_of(iri),
                    "graph-name" if iri in self.known else "same-name",
                    f"same normalised name {key!r}",
                )
            elif len(found) > 1:
                iri = self._created_for(key, name, etype)
                decision = Decision(
                    name,
                    ident,
                    iri,
                    self.label_of(iri),
                    "ambiguous",
                    "candidates: " + " ".join(sorted(found)),
                    created=True,
                )
        if decision is None:
            if (etype, key) in self.created_by_key:
                iri = self.created_by_key[(etype, key)]
                decision = Decision(
                    name, ident, iri, self.label_of(iri), "same-name", f"same normalised name {key!r}"
                )
            else:
                iri = self._created_for(key, name, etype)
                decision = Decision(name, ident, iri, name, "new", f"normalised name {key!r}", created=True)
        self._note_name(decision.iri, name)
        self._note_id(decision.iri, "uei", uei)
        self._note_id(decision.iri, "duns", duns)
        return self._record(decision)

    def _created_for(self, key: str, name: str, etype: str) -> str:
        if (etype, key) not in self.created_by_key:
            self.created_by_key[(etype, key)] = self._mint(slugify(key), name, etype)
        return self.created_by_key[(etype, key)]

    def _known_entry(self, entry: KnownName) -> str:
        """The graph's entity for a variant-table entry, found by its code, label or variants; else new."""
        if entry.agency_code and ("agencyCode", entry.agency_code) in self.ids:
            return self.ids[("agencyCode", entry.agency_code)]
        found = self._graph_match([name_key(v) for v in (entry.label, *entry.variants)], entry.type)
        if len(found) == 1:
            return next(iter(found))
        slug_iri = str(ENT[entry.slug])
        if slug_iri in self.known or slug_iri in self.created:
            return slug_iri
        iri = self._mint(entry.slug, entry.label, entry.type)
        if entry.agency_code:
            self._note_id(iri, "agencyCode", entry.agency_code)
        self.created_by_key[(entry.type, name_key(entry.label))] = iri
        return iri

    def agency(self, code: str, name: str = "") -> Decision:
        """The government body for a USAspending (sub-)tier code, e.g. '7012' -> ICE."""
        code = code.strip()
        if ("agencyCode", code) in self.ids:
            iri = self.ids[("agencyCode", code)]
            return self._record(
                Decision(
                    name or code,
                    f"agency:{code}",
                    iri,
                    self.label_of(iri),
                    "agency-code",
                    f"agency code {code}",
                )
            )
        if code in self._code_index:
            entry = self._code_index[code]
            iri = self._known_entry(entry)
            return self._record(
                Decision(
                    name or code,
                    f"agency:{code}",
                    iri,
                    self.label_of(iri),
                    "alias-table",
                    f"agency code {code} is {entry.label}",
                )
            )
        if not name:
            raise KeyError(code)
        d = self.resolve(name, etype="GovernmentBody")
        self._note_id(d.iri, "agencyCode", code)
        return d

    def resolve_facility(self, name: str, place: str = "", detloc: str = "") -> Decision:
        """A detention facility: by DETLOC code, else by whole normalised name in the same state."""
        name = " ".join(str(name).split())
        ident = f"detloc:{detloc}" if detloc else f"place:{place}"
        if (name, ident) in self.decisions:
            return self.decisions[(name, ident)]
        state = _state(place)
        if detloc and ("detloc", detloc) in self.ids:
            iri = self.ids[("detloc", detloc)]
            d = Decision(name, ident, iri, self.label_of(iri), "detloc", f"DETLOC {detloc}")
        else:
            key = name_key(name)
            cands = {
                i
                for i in self._graph_match([key], "Facility")
                if not state or _state(self.places.get(i, "")) in ("", state)
            }
            cands |= {
                i for (t, k), i in self.created_by_key.items() if t == "Facility" and k == f"{key}|{state}"
            }
            if len(cands) == 1:
                iri = next(iter(cands))
                rule = "graph-name+state" if iri in self.known else "same-name"
                d = Decision(
                    name, ident, iri, self.label_of(iri), rule, f"same normalised name {key!r} in {state}"
                )
            else:
                iri = self._mint("facility-" + slugify(f"{key} {state}"), name, "Facility")
                self.created_by_key[("Facility", f"{key}|{state}")] = iri
                if place:
                    self.created[iri].extra["place"] = place
                rule = "ambiguous" if cands else "new"
                detail = (
                    ("candidates: " + " ".join(sorted(cands)))
                    if cands
                    else f"normalised name {key!r} in {state}"
                )
                d = Decision(name, ident, iri, name, rule, detail, created=True)
        self._note_name(d.iri, name)
        self._note_id(d.iri, "detloc", detloc)
        return self._record(d)

    def parent_by_name(self, name: str) -> str | None:
        """The canonical parent label when the name is a known subsidiary (:data:`SUBSIDIARIES`)."""
        return SUBSIDIARIES.get(name_key(name))

    def same_entity_name(self, a: str, b: str) -> bool:
        """True when two names normalise alike ('LUKOS, LLC' and 'LUKOS  LLC')."""
        return name_key(a) == name_key(b)

    # -- output -----------------------------------------------------------------------------------------
    def decision_rows(self) -> list[list[str]]:
        return sorted(d.row() for d in self.decisions.values())

    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for d in self.decisions.values():
            counts[d.rule] = counts.get(d.rule, 0) + 1
        return dict(sorted(counts.items()))

    def entity_triples(self, g: Graph | Triples, source: URIRef | None = None) -> None:
        """Add the created entities, and new aliases and identifiers of existing ones, to ``g``."""
        terms: dict[str, URIRef] = {}  # CG terms looked up once (the closed namespace is slow per call)

        def cg(name: str) -> URIRef:
            t = terms.get(name)
            if t is None:
                t = terms[name] = CG[name]
            return t

        add, rdf_type, label, alias = g.add, RDF.type, RDFS.label, CG.alias
        for iri, ent in self.created.items():
            s = URIRef(iri)
            add((s, rdf_type, cg(ent.type)))
            add((s, label, Literal(ent.label)))
            for a in ent.aliases:
                add((s, alias, Literal(a)))
            for scheme, value in ent.ids:
                add((s, cg(scheme), Literal(value)))
            for prop, value in ent.extra.items():
                add((s, cg(prop), Literal(value)))
            if source is not None:
                add((s, CG.source, source))
        for iri, names in self.added_aliases.items():
            for a in names:
                add((URIRef(iri), alias, Literal(a)))
        for iri, ids in self.added_ids.items():
            for scheme, value in ids:
                add((URIRef(iri), cg(scheme), Literal(value)))
