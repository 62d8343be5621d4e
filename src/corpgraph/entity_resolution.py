"""Entity resolution for imports: every name (and UEI/DUNS) read from a file becomes one entity IRI.

Rules, tried in this order; the first that applies decides, and its name is recorded with the
decision so a reviewer can see why each source name went where it did:

``uei`` / ``duns`` / ``cage``
    The identifier is already attached to an entity (in the graph, or earlier in this import).  A
    CAGE code names one location of a company, so it joins a name to the company that holds it, but
    a different CAGE code never rules a company out (UEI and DUNS do: one company, one of each).
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
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from .backend import Backend
from .names import fold as _fold_uncached
from .names import slugify
from .ontology import Ontology, bundled_ontology, read_ontology
from .resolve import EntityIndex, EntityName, read_entities
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


# Spellings of one legal form, and the form they stand for (None: the name states no form).
_FORMS = {
    "inc": "inc",
    "incorporated": "inc",
    "corp": "corp",
    "corporation": "corp",
    "co": "co",
    "company": "co",
    "ltd": "ltd",
    "limited": "ltd",
}
_AMPERSAND_IN_WORD = re.compile(r"(?<=\w)&(?=\w)")


@functools.lru_cache(maxsize=1 << 16)
def name_key(name: str) -> str:
    """The form two names must share to be the same entity: 'THE GEO GROUP, INC.' -> 'geo group'."""
    return _key_and_form(name)[0]


def legal_form(name: str) -> str | None:
    """The legal form a name states: 'ACME, L.L.C.' -> 'llc', 'ACME INCORPORATED' -> 'inc',
    'WELLS FARGO BANK, NATIONAL ASSOCIATION' -> 'na' (a national bank); None when it states none."""
    return _key_and_form(name)[1]


@functools.lru_cache(maxsize=1 << 16)
def _key_and_form(name: str) -> tuple[str, str | None]:
    text = _PAREN_TAIL.sub("", str(name)) or str(name)
    tokens: list[str] = []
    run: list[str] = []
    # 'AT&T' and 'ATT' are one spelling (the ampersand inside a word is dropped); 'B & W' keeps it
    for tok in _AMPERSAND_IN_WORD.sub("", fold(text)).split():
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
    form: str | None = None
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        last = tokens[-1]
        if last in LEGAL_SUFFIXES or last in {"&", "and"}:
            if form is None and last not in {"&", "and", "the"}:
                form = _FORMS.get(last, last)
            tokens.pop()
            changed = True
        elif len(tokens) > 2 and (tuple(tokens[-2:]) == _NATIONAL_ASSOCIATION or last == "na"):
            del tokens[-(2 if last != "na" else 1) :]
            form = form or "na"
            changed = True
    return " ".join(tokens) or fold(text), form


def same_legal_entity(form: str | None, forms: Iterable[str | None]) -> bool:
    """Whether a name stating ``form`` may be, without asking, the entity known by names of ``forms``.

    The same form, or a name that states none beside one that states one ('GEO Group' and 'THE GEO
    GROUP, INC.'), is; two different forms ('... LLC' and '... INC') are a question for a person,
    also when a name without a form already joined one of them (a bare 'Acme' never carries 'ACME
    LLC' into 'ACME INC'); so is a national bank ('..., N.A.') beside a name without the form: the
    bank may be the subsidiary of a holding company known by the shorter name (Fifth Third Bank,
    N.A. is not Fifth Third Bancorp's alias 'Fifth Third Bank').
    """
    forms = set(forms)
    if form in forms:
        return True
    if form is None:
        return bool(forms - {"na"})
    return forms <= {None} and form != "na"


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


# Words any detention facility's name may carry: left out when two names are compared for a proposal.
FACILITY_GENERIC_WORDS = frozenset(
    "adult center centre complex contract correction correctional corrections county department "
    "detention facility family federal house ice immigration institution jail justice law enforcement "
    "office processing program regional residential service services sheriff sheriffs spc staging "
    "the of and unit cdf ipc".split()
)


def facility_words(key: str) -> frozenset[str]:
    """'adelanto ice processing center' -> {'adelanto'}."""
    return frozenset(key.split()) - FACILITY_GENERIC_WORDS


def _bank_beside_holding(key: str, label: str) -> bool:
    """'fifth third bank' against 'Fifth Third Bancorp': a bank's name matched to an entity whose own
    name does not say bank (a holding company, a brand)."""
    banks = {"bank", "banks"}
    return "bank" in key.split() and not banks & set(name_key(label).split())


def _state(place: str) -> str:
    """'El Paso, TX' -> 'TX'; '' when the place has no state."""
    tail = place.rsplit(",", 1)[-1].strip().upper() if place else ""
    return tail if len(tail) == 2 and tail.isalpha() else ""


# Statuses of a decision a person reviews ('' for one a rule made alone).
PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"


@dataclass(frozen=True)
class Decision:
    """Which entity a source name went to, and why.

    A proposal (``candidate`` set: a rule found a likely same entity but would not merge alone) has
    a ``status``: pending until a person accepts it (the name then goes to the candidate) or rejects
    it (it stays its own entity); ``proposal_id`` names it in ``corpgraph review``.
    """

    source_name: str
    identifier: str  # 'uei:XXXX' / 'duns:NNN' or ''
    iri: str
    label: str
    rule: str
    detail: str = ""
    created: bool = False
    status: str = ""
    candidate: str = ""

    @property
    def proposal_id(self) -> str:
        return (
            proposal_id(self.rule, self.source_name, self.identifier, self.candidate)
            if self.candidate
            else ""
        )

    def row(self) -> list[str]:
        return [
            self.source_name,
            self.identifier,
            self.iri,
            self.label,
            self.rule,
            self.detail,
            self.status,
            self.proposal_id,
            self.candidate,
        ]


DECISION_HEADER = [
    "source_name",
    "identifier",
    "entity",
    "label",
    "rule",
    "detail",
    "status",
    "id",
    "candidate",
]


def proposal_id(rule: str, subject: str, identifier: str, candidate: str) -> str:
    """A short stable name for a proposal: the same question gets the same id in every import."""
    digest = hashlib.sha1("\x1f".join((rule, subject, identifier, candidate)).encode("utf-8")).hexdigest()
    return "p" + digest[:9]


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


_ID_SCHEMES = frozenset({"uei", "duns", "cage", "agencyCode", "detloc"})
_REPLAYED = frozenset({"expect", "resolve", "resolve_facility", "agency"})
_PLACE_QUERY = SPARQL_PREFIXES + "SELECT ?e ?place WHERE { ?e a cg:Facility ; cg:place ?place }"
_ID_QUERY = (
    SPARQL_PREFIXES
    + """
SELECT ?e ?p ?v WHERE { VALUES ?p { cg:uei cg:duns cg:cage cg:agencyCode cg:detloc } ?e ?p ?v }"""
)


# json.dumps(..., ensure_ascii=False, sort_keys=True), its encoder built once
_evidence_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def _logged(method):
    """Keep each call an importer makes (not the resolver's own nested calls) in ``self.log``, once:
    the evidence :mod:`corpgraph.folder_resolution` replays to resolve a folder's imports together.
    A call repeated with the same arguments changes nothing, so only its first time is kept."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if self._depth == 0:
            key = (method.__name__, args, tuple(sorted(kwargs.items())))
            if key not in self._logged_calls:
                self._logged_calls.add(key)
                self.log.append(_evidence_json([method.__name__, list(args), kwargs]))
        self._depth += 1
        try:
            return method(self, *args, **kwargs)
        finally:
            self._depth -= 1

    return wrapper


class Resolver:
    """Resolves names from one import against the graph in use and the variant tables.

    ``exclude`` is the previous output of the same import: its triples are ignored, so that
    importing a file again resolves exactly as the first time (and writes the same bytes).
    """

    def __init__(
        self,
        known: Iterable[Known],
        ids: Iterable[tuple[str, str, str]] = (),
        reviewed: dict[str, str] | None = None,
        ontology: Ontology | None = None,
    ):
        self._ontology = ontology or bundled_ontology()
        self._branches: dict[str, str] = {}
        self.known: dict[str, Known] = {k.iri: k for k in known}
        self.by_key: dict[str, set[str]] = {}
        self.forms: dict[str, set[str | None]] = {}  # entity -> the legal forms its names state
        for k in self.known.values():
            for n in k.names | {k.label}:
                self.by_key.setdefault(name_key(n), set()).add(k.iri)
                self.forms.setdefault(k.iri, set()).add(legal_form(n))
        self.ids: dict[tuple[str, str], str] = {}
        self.ids_of: dict[str, set[tuple[str, str]]] = {}
        self._id_triples = sorted(set(ids))
        for iri, scheme, value in self._id_triples:
            self.ids.setdefault((scheme, value), iri)
            self.ids_of.setdefault(iri, set()).add((scheme, value))
        # decisions a person made on earlier proposals (proposal id -> accepted | rejected)
        self.reviewed: dict[str, str] = dict(reviewed or {})
        self.created_keyed: dict[tuple[str, str], list[str]] = {}  # every entity created for a name key
        self._known_facilities: list[str] | None = None
        self._created_facilities: list[str] = []
        self.created: dict[str, NewEntity] = {}
        self.created_by_key: dict[tuple[str, str], str] = {}
        self.added_aliases: dict[str, set[str]] = {}
        self.added_ids: dict[str, set[tuple[str, str]]] = {}
        # name key -> the (scheme, value) identifiers this import's rows give it (see expect)
        self.expected: dict[str, set[tuple[str, str]]] = {}
        self.decisions: dict[tuple[str, str], Decision] = {}
        self.places: dict[str, str] = {}  # facility IRI -> 'City, ST'
        self._alias_index = {name_key(v): entry for entry in ALIASES for v in (*entry.variants, entry.label)}
        self._code_index = {e.agency_code: e for e in ALIASES if e.agency_code}
        # the importer's calls, as JSON lines (see _logged), and how deep in its own calls it is
        self.log: list[str] = []
        self._logged_calls: set[tuple] = set()
        self._agencies: dict[tuple[str, str], Decision] = {}  # (code, name) -> decision, by agency()
        self._depth = 0

    def successor(self) -> Resolver:
        """A resolver for the next import, as it would be built from the graph once this import's
        entities, aliases and identifiers are written (``from_backend``), without writing them."""
        known = {iri: Known(k.iri, k.label, k.type, set(k.names)) for iri, k in self.known.items()}
        for iri, names in self.added_aliases.items():
            known[iri].names |= names
        ids = set(self._id_triples)
        for iri, ent in self.created.items():
            known[iri] = Known(iri, ent.label, ent.type, set(ent.aliases))
            ids |= {(iri, scheme, value) for scheme, value in ent.ids}
        for iri, added in self.added_ids.items():
            ids |= {(iri, scheme, value) for scheme, value in added}
        ids = {(iri, scheme, value) for iri, scheme, value in ids if scheme in _ID_SCHEMES}
        nxt = type(self)(known.values(), ids, self.reviewed, self._ontology)
        nxt.places = dict(self.places)
        return nxt

    def replay(self, log: Iterable[str]) -> None:
        """Make again, in order, the calls an import made (its ``log``): the same decisions follow."""
        for entry in log:
            name, args, kwargs = json.loads(entry)
            if name not in _REPLAYED:
                raise ValueError(f"not a resolver call: {name!r}")
            try:
                getattr(self, name)(*args, **kwargs)
            except KeyError:  # agency(): an unknown code without a name; the importer skipped the row
                pass

    # -- construction -----------------------------------------------------------------------------
    @classmethod
    def from_backend(
        cls,
        backend: Backend,
        exclude: set[tuple[str, str, str]] | None = None,
        reviewed: dict[str, str] | None = None,
    ) -> Resolver:
        """The graph's entities, names and identifiers, leaving out the triples in ``exclude``."""
        ex = exclude or set()
        acc = {e.iri: Known(e.iri, e.label, e.type, set(e.names[1:])) for e in read_entities(backend, ex)}
        ids = [
            (str(e), local_name(str(p)), str(v))
            for e, p, v in backend.select(_ID_QUERY).rows
            if (str(e), str(p), str(v)) not in ex and str(e) in acc
        ]
        r = cls(acc.values(), ids, reviewed, read_ontology(backend))
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
        """A name may join an entity of its own type or of the same branch of the ontology's classes
        (Company, GovernmentBody and Group are all organizations; a Facility only joins a Facility)."""
        have = self.known[iri].type if iri in self.known else self.created[iri].type
        return have == etype or self._branch(have) == self._branch(etype)

    def _branch(self, type_name: str) -> str:
        if type_name not in self._branches:
            onto = self._ontology
            iri = next((c for c in onto.entity_classes if local_name(c) == type_name), type_name)
            self._branches[type_name] = onto.branch(iri)
        return self._branches[type_name]

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
        if etype == "Facility":
            self._created_facilities.append(iri)
        return iri

    def _record(self, d: Decision) -> Decision:
        self.decisions.setdefault((d.source_name, d.identifier), d)
        return d

    def _note_name(self, iri: str, name: str) -> None:
        """Keep a source name as an alias of its entity when no existing name folds the same."""
        self.forms.setdefault(iri, set()).add(legal_form(name))
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
            if self.ids.setdefault((scheme, value), iri) == iri:
                self.ids_of.setdefault(iri, set()).add((scheme, value))
            self.created[iri].ids.add((scheme, value))
        elif (scheme, value) not in self.ids:
            self.ids[(scheme, value)] = iri
            self.ids_of.setdefault(iri, set()).add((scheme, value))
            self.added_ids.setdefault(iri, set()).add((scheme, value))

    def _ids_rule_out(self, iri: str, uei: str, duns: str, parent_uei: str) -> bool:
        """Identifiers decide where present: an entity with another UEI (or DUNS) than the source
        name's is another company, and the entity whose UEI is the source's parent UEI is its parent."""
        have = self.ids_of.get(iri, set())
        for scheme, value in (("uei", uei), ("duns", duns)):
            theirs = {v for s, v in have if s == scheme}
            if value and theirs and value not in theirs:
                return True
        return bool(parent_uei) and ("uei", parent_uei) in have

    def known_ids(self, iri: str) -> set[tuple[str, str]]:
        return {k for k, v in self.ids.items() if v == iri}

    # -- the rules ------------------------------------------------------------------------------------
    @_logged
    def expect(self, name: str | None, *, uei: str | None = "", duns: str | None = "") -> None:
        """Announce, before resolving, a name and the identifiers a row of this import gives it.

        An import announces all its rows first, so that a name which two UEIs (or DUNS) of the file
        share is known to be split before its first row is resolved: which of the two companies an
        earlier import's unidentified entity of that name would join then never depends on which
        file came first (see :meth:`_split`)."""
        if not name:
            return
        key = name_key(" ".join(str(name).split()))
        ids = self.expected.setdefault(key, set())
        uei, duns = (uei or "").strip().upper(), (duns or "").strip()
        if uei:
            ids.add(("uei", uei))
        if duns:
            ids.add(("duns", duns))

    def _split(self, key: str, etype: str) -> bool:
        """Whether a name key is shared by two companies: two UEIs (or two DUNS) among this import's
        rows of that name and the entities of that name in the graph."""
        ids = set(self.expected.get(key, ()))
        for iri in self._graph_match([key], etype) | set(self.created_keyed.get((etype, key), ())):
            ids |= {i for i in self.ids_of.get(iri, ()) if i[0] in ("uei", "duns")}
        return any(len({v for s, v in ids if s == scheme}) > 1 for scheme in ("uei", "duns"))

    def _identified(self, iri: str) -> bool:
        return any(s in ("uei", "duns") for s, _ in self.ids_of.get(iri, ()))

    @_logged
    def resolve(
        self,
        name: str,
        *,
        uei: str = "",
        duns: str = "",
        parent_uei: str = "",
        cage: str = "",
        etype: str = "Company",
    ) -> Decision:
        """The entity a name (with optional identifiers) stands for; creates one when none fits."""
        name = " ".join(str(name).split())
        uei, duns, parent_uei = uei.strip().upper(), duns.strip(), parent_uei.strip().upper()
        cage = cage.strip().upper()
        ident = f"uei:{uei}" if uei else (f"duns:{duns}" if duns else "")
        if (name, ident) in self.decisions:
            known = self.decisions[(name, ident)]
            self._note_id(known.iri, "cage", cage)  # another location of a company already met
            return known
        key = name_key(name)
        decision: Decision | None = None
        for scheme, value in (("uei", uei), ("duns", duns), ("cage", cage)):
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
            decision = self._by_name(name, ident, key, etype, uei, duns, parent_uei)
        self._note_name(decision.iri, name)
        self._note_id(decision.iri, "uei", uei)
        self._note_id(decision.iri, "duns", duns)
        self._note_id(decision.iri, "cage", cage)
        return self._record(decision)

    def _by_name(
        self, name: str, ident: str, key: str, etype: str, uei: str, duns: str, parent_uei: str
    ) -> Decision:
        """graph-name / same-name / ambiguous / legal-form proposal / new (see the module doc)."""
        form = legal_form(name)
        found = self._graph_match([key], etype) | set(self.created_keyed.get((etype, key), ()))
        found = {i for i in found if not self._ids_rule_out(i, uei, duns, parent_uei)}
        split = bool(uei or duns) and self._split(key, etype)
        if split:
            # a name two identifiers share: a row with one of them joins only by identifier, never an
            # unidentified entity of that name (which of the companies that is, no file says)
            found = {i for i in found if self._identified(i)}
        fitting = {i for i in found if same_legal_entity(form, self.forms.get(i, {None}))}
        # a bank is not the holding company (or brand) whose alias it matches: Fifth Third Bank is
        # a subsidiary of Fifth Third Bancorp, SunTrust Bank of SunTrust Banks
        banks = {i for i in fitting if _bank_beside_holding(key, self.label_of(i))}
        if banks and not (fitting - banks):
            return self._proposal(
                "holding-company",
                name,
                ident,
                etype,
                key,
                form,
                sorted(banks)[0],
                f"{name!r} names a bank; {self.label_of(sorted(banks)[0])} <{sorted(banks)[0]}>, whose name "
                "it matches through an alias, is named as a holding company or a brand: a parent and its "
                "subsidiary are different entities",
            )
        fitting -= banks
        if len(fitting) == 1:
            iri = next(iter(fitting))
            rule = "graph-name" if iri in self.known else "same-name"
            return Decision(name, ident, iri, self.label_of(iri), rule, f"same normalised name {key!r}")
        if len(fitting) > 1:
            detail = "candidates: " + " ".join(sorted(fitting))
            unidentified = sorted(i for i in fitting if not self._identified(i))
            if not ident and len(unidentified) == 1:
                # the name's one unidentified entity, whichever import made it: every unidentified
                # spelling of a split name goes there, in any order of the files
                iri = unidentified[0]
                return Decision(name, ident, iri, self.label_of(iri), "ambiguous", detail)
            iri = self._created_for(key, name, etype, form, split=split, uei=uei, duns=duns)
            return Decision(name, ident, iri, self.label_of(iri), "ambiguous", detail, created=True)
        if found:  # the same name in another legal form: a person decides
            candidate = sorted(found)[0]
            forms = ", ".join(sorted(f or "none" for f in self.forms.get(candidate, {None})))
            detail = (
                f"same normalised name {key!r} as {self.label_of(candidate)} <{candidate}>, but the legal "
                f"form differs ({form or 'none'} against {forms})"
            )
            return self._proposal("legal-form", name, ident, etype, key, form, candidate, detail)
        # nothing fits; an entity of this key that identifiers ruled out stays another entity
        iri = self._created_for(
            key,
            name,
            etype,
            form,
            separate=(etype, key) in self.created_by_key,
            split=split,
            uei=uei,
            duns=duns,
        )
        detail = f"normalised name {key!r}" + (", which several identifiers share" if split else "")
        return Decision(name, ident, iri, name, "new", detail, created=True)

    def _proposal(
        self,
        rule: str,
        name: str,
        ident: str,
        etype: str,
        key: str,
        form: str | None,
        candidate: str,
        detail: str,
    ) -> Decision:
        """A merge a person decides: accepted, the name goes to the candidate; else to its own entity."""
        status = self.reviewed.get(proposal_id(rule, name, ident, candidate), PENDING)
        if status == ACCEPTED:
            return Decision(
                name, ident, candidate, self.label_of(candidate), rule, detail, False, status, candidate
            )
        scheme, _, value = ident.partition(":")
        ids = {"uei": value} if scheme == "uei" else {"duns": value} if scheme == "duns" else {}
        split = bool(ids) and self._split(key, etype)
        iri = self._created_for(key, name, etype, form, separate=True, split=split, **ids)
        return Decision(name, ident, iri, name, rule, detail, True, status, candidate)

    def _created_for(
        self,
        key: str,
        name: str,
        etype: str,
        form: str | None = None,
        *,
        separate: bool = False,
        split: bool = False,
        uei: str = "",
        duns: str = "",
    ) -> str:
        """The entity created for a name key; ``separate``: one more, beside another legal form's.
        ``split`` (a name several identifiers share): the entity of the row's identifier, its IRI
        made from the name and that identifier, so that it is the same whichever file came first."""
        if split and (uei or duns):
            scheme, value = ("uei", uei) if uei else ("duns", duns)
            iri = self._mint(slugify(f"{key} {scheme} {value}"), name, etype)
            self.created_keyed.setdefault((etype, key), []).append(iri)
            self.forms.setdefault(iri, set()).add(form)
            return iri
        if separate or (etype, key) not in self.created_by_key:
            slug = slugify(f"{key} {form}" if separate and form else key)
            iri = self._mint(slug, name, etype)
            self.created_by_key.setdefault((etype, key), iri)
            self.created_keyed.setdefault((etype, key), []).append(iri)
            self.forms.setdefault(iri, set()).add(form)
        return self.created_by_key[(etype, key)] if not separate else iri

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

    @_logged
    def agency(self, code: str, name: str = "") -> Decision:
        """The government body for a USAspending (sub-)tier code, e.g. '7012' -> ICE."""
        code = code.strip()
        done = self._agencies.get((code, name))
        if done is not None:  # a code already attached: the same answer every time
            return done
        if ("agencyCode", code) in self.ids:
            iri = self.ids[("agencyCode", code)]
            d = self._record(
                Decision(
                    name or code,
                    f"agency:{code}",
                    iri,
                    self.label_of(iri),
                    "agency-code",
                    f"agency code {code}",
                )
            )
            self._agencies[(code, name)] = d
            return d
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

    @_logged
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
                near = self._near_facility(key, state) if not cands else None
                pid = proposal_id("facility-name", name, ident, near) if near else ""
                if near and self.reviewed.get(pid) == ACCEPTED:
                    d = Decision(
                        name,
                        ident,
                        near,
                        self.label_of(near),
                        "facility-name",
                        self._near_evidence(near, name, state),
                        False,
                        ACCEPTED,
                        near,
                    )
                else:
                    iri = self._mint("facility-" + slugify(f"{key} {state}"), name, "Facility")
                    self.created_by_key[("Facility", f"{key}|{state}")] = iri
                    if place:
                        self.created[iri].extra["place"] = place
                        self.places[iri] = place
                    if near:
                        status = self.reviewed.get(pid, PENDING)
                        evidence = self._near_evidence(near, name, state)
                        d = Decision(name, ident, iri, name, "facility-name", evidence, True, status, near)
                    else:
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

    def _near_facility(self, key: str, state: str) -> str | None:
        """The one facility in the same state whose name has the same distinctive words once the
        generic ones are set aside ('Adelanto ICE Processing Center', 'ADELANTO DETENTION FACILITY')."""
        words = facility_words(key)
        if not words:
            return None
        if self._known_facilities is None:
            self._known_facilities = [i for i, k in self.known.items() if k.type == "Facility"]
        found = set()
        for iri in [*self._known_facilities, *self._created_facilities]:
            there = _state(self.places.get(iri, ""))
            if state and there and there != state:
                continue
            names = {self.label_of(iri)} | (
                self.known[iri].names if iri in self.known else self.created[iri].aliases
            )
            if any(facility_words(name_key(n)) == words for n in names):
                found.add(iri)
        return next(iter(found)) if len(found) == 1 else None

    def _near_evidence(self, near: str, name: str, state: str) -> str:
        place = self.places.get(near, "")
        return (
            f"{name!r} and {self.label_of(near)} <{near}> share the distinctive words "
            f"{' '.join(sorted(facility_words(name_key(name))))!r}"
            + (f" in {state}" if state else "")
            + ("" if place else " (the other facility has no place recorded)")
        )

    def parent_by_name(self, name: str) -> str | None:
        """The canonical parent label when the name is a known subsidiary (:data:`SUBSIDIARIES`)."""
        return SUBSIDIARIES.get(name_key(name))

    def same_entity_name(self, a: str, b: str) -> bool:
        """True when two names normalise alike ('LUKOS, LLC' and 'LUKOS  LLC')."""
        return name_key(a) == name_key(b)

    # -- output -----------------------------------------------------------------------------------------
    def decision_rows(self) -> list[list[str]]:
        return sorted(d.row() for d in self.decisions.values())

    def pending(self) -> list[Decision]:
        """The proposals of this import that wait for a person (``corpgraph review``)."""
        return sorted((d for d in self.decisions.values() if d.status == PENDING), key=lambda d: d.row())

    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for d in self.decisions.values():
            counts[d.rule] = counts.get(d.rule, 0) + 1
        return dict(sorted(counts.items()))

    def entity_triples(self, g: Graph | Triples, source: URIRef | None = None) -> None:
        """Add the created entities, and new aliases and identifiers of existing ones, to ``g``."""
        from .importers.context import Triples

        if isinstance(g, Triples):  # an import's text triples: each entity's statements at once
            self._entity_text(g, source)
            return
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

    def _entity_text(self, g: Triples, source: URIRef | None) -> None:
        """:meth:`entity_triples` as text triples (the form importers.turtle writes)."""
        from .importers.turtle import quoted

        terms: dict[str, str] = {}  # cg: terms (CG[name] refuses a name the vocabulary lacks), once each

        def cg(name: str) -> str:
            t = terms.get(name)
            if t is None:
                t = terms[name] = str(CG[name])
            return t

        rdf_type, label, alias = str(RDF.type), str(RDFS.label), str(CG.alias)
        source_st = [(str(CG.source), f"<{source}>")] if source is not None else []
        for iri, ent in self.created.items():
            st = [(rdf_type, f"<{cg(ent.type)}>"), (label, quoted(ent.label))]
            st += [(alias, quoted(a)) for a in ent.aliases]
            st += [(cg(scheme), quoted(value)) for scheme, value in ent.ids]
            st += [(cg(prop), quoted(value)) for prop, value in ent.extra.items()]
            g.add_statements(iri, st + source_st)
        for iri, names in self.added_aliases.items():
            g.add_statements(iri, [(alias, quoted(a)) for a in names])
        for iri, ids in self.added_ids.items():
            g.add_statements(iri, [(cg(scheme), quoted(value)) for scheme, value in ids])
