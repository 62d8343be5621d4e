"""Describing the graph and its entities: counts (``stats``) and an entity's card (``show``)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rdflib import Literal, URIRef
from rdflib.term import Node

from .backend import Backend
from .backend.sparqltext import values_block
from .ontology import Ontology, read_ontology
from .output import money
from .vocab import CG, SPARQL_PREFIXES, certainty_rank, local_name

# --------------------------------------------------------------------------------------------
# stats


def graph_stats(backend: Backend, ontology: Ontology | None = None) -> dict[str, Any]:
    """Counts by entity class, relationship kind and certainty; sources with how many records cite each."""
    onto = ontology or read_ontology(backend)
    entity_rows = _count_by_class(backend, "cg:Entity")
    kind_rows = _count_by_class(backend, "cg:Relationship")
    cert_rows = backend.select(
        SPARQL_PREFIXES
        + """
        SELECT ?c (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r cg:certainty ?c } GROUP BY ?c"""
    ).rows
    source_rows = backend.select(
        SPARQL_PREFIXES
        + """
        SELECT ?s ?url ?title ?pub (COUNT(DISTINCT ?r) AS ?n) WHERE {
          ?s a cg:Source . OPTIONAL { ?s schema:url ?url } OPTIONAL { ?s dcterms:title ?title }
          OPTIONAL { ?s dcterms:publisher ?pub }
          OPTIONAL { ?r cg:source ?s ; a ?k . ?k rdfs:subClassOf+ cg:Relationship }
        } GROUP BY ?s ?url ?title ?pub ORDER BY DESC(?n) ?title"""
    ).rows
    entities = {onto.class_labels.get(str(t), local_name(t)): int(n) for t, n in entity_rows}
    kinds = {onto.kind_labels.get(str(k), local_name(k)): int(n) for k, n in kind_rows}
    # Entities are counted once, under their most specific class.
    leaf = backend.select(
        SPARQL_PREFIXES
        + """
        SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a ?type . ?type rdfs:subClassOf+ cg:Entity . }"""
    ).rows
    certainty = {local_name(str(c)): _int(n) for c, n in cert_rows}
    return {
        "graph_version": backend.version(),
        "backend": backend.name,
        "location": backend.location,
        "triples": len(backend),
        "entities": _int(leaf[0][0]) if leaf else 0,
        "entities_by_class": dict(sorted(entities.items(), key=lambda kv: (-kv[1], kv[0]))),
        "records": sum(kinds.values()),
        "records_by_kind": dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
        "records_by_certainty": {
            k: certainty[k] for k in sorted(certainty, key=lambda c: -certainty_rank(c))
        },
        "sources": [
            {"iri": str(s), "url": _s(url), "title": _s(title), "publisher": _s(pub), "records": _int(n)}
            for s, url, title, pub, n in source_rows
        ],
    }


def _count_by_class(backend: Backend, root: str) -> list[tuple]:
    """(class, number of distinct instances) for every class below ``root``."""
    return backend.select(
        SPARQL_PREFIXES
        + "SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?c . ?c rdfs:subClassOf+ "
        + root
        + " . } GROUP BY ?c"
    ).rows


def stats_text(stats: dict[str, Any]) -> str:
    lines = [
        f"Graph {stats['graph_version']} ({stats['backend']}: {stats['location']})",
        f"{stats['triples']:,} triples, {stats['entities']:,} entities, {stats['records']:,} relationship records,"
        f" {len(stats['sources']):,} sources",
        "",
        "Entities by class:",
    ]
    lines += [f"  {n:>6,}  {k}" for k, n in stats["entities_by_class"].items()]
    lines += ["", "Records by kind:"] + [f"  {n:>6,}  {k}" for k, n in stats["records_by_kind"].items()]
    lines += ["", "Records by certainty:"] + [
        f"  {n:>6,}  {k}" for k, n in stats["records_by_certainty"].items()
    ]
    lines += ["", "Sources (records citing each):"]
    shown = stats["sources"][:15]
    lines += [
        f"  {s['records']:>6,}  {s['title'] or s['iri']} — {s['publisher'] or ''} <{s['url'] or ''}>"
        for s in shown
    ]
    if len(stats["sources"]) > len(shown):
        lines.append(f"  … and {len(stats['sources']) - len(shown):,} more (use --format json for all)")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# show

IDENTIFIERS = {
    CG.uei: "UEI",
    CG.duns: "DUNS",
    CG.cik: "CIK",
    CG.lei: "LEI",
    CG.wikidata: "Wikidata",
    CG.detloc: "DETLOC",
    CG.agencyCode: "agency code",
}


@dataclass
class EntityCard:
    iri: str
    label: str
    type: str
    types: list[str]
    aliases: list[str] = field(default_factory=list)
    description: str | None = None
    identifiers: dict[str, str] = field(default_factory=dict)
    sources: list[dict] = field(default_factory=list)
    relationships: list[dict] = field(default_factory=list)
    family: list[dict] | None = None  # with --family: each member, and why it belongs

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def family_card(
    backend: Backend, iri: str, as_of: Any = None, ontology: Ontology | None = None
) -> EntityCard:
    """The entity's card with its whole corporate family (``family.family_of``): the members, each with
    the ownership record and certainty that puts it in the family, and every member's relationships,
    each marked with the member it belongs to.  Ownership between members is listed once."""
    from . import netgraph
    from .family import family_of

    onto = ontology or read_ontology(backend)
    card = entity_card(backend, iri, onto)
    fam = family_of(netgraph.project(backend), iri, as_of=as_of)
    card.family = [
        {"iri": m.entity, "label": m.label, "why": m.why(), "record": m.record, "certainty": m.certainty}
        for m in fam.members
    ]
    seen = {r["record"] for r in card.relationships}
    for m in fam.members:
        if m.entity == iri:
            continue
        for rel in _relationships(backend, URIRef(m.entity), onto):
            if rel["record"] in seen:
                continue
            seen.add(rel["record"])
            rel["member"], rel["member_iri"], rel["membership"] = m.label, m.entity, m.why()
            card.relationships.append(rel)
    return card


def entity_card(backend: Backend, iri: str, ontology: Ontology | None = None) -> EntityCard:
    """Everything the graph says about one entity, with every record it takes part in."""
    onto = ontology or read_ontology(backend)
    e = URIRef(iri)
    props = backend.select(SPARQL_PREFIXES + "SELECT ?p ?o WHERE { ?e ?p ?o }", {"e": e}).rows
    label, types, aliases, description, ids, src_iris = local_name(iri), [], [], None, {}, []
    for p, o in props:
        if p == URIRef("http://www.w3.org/2000/01/rdf-schema#label"):
            label = str(o)
        elif p == URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"):
            types.append(str(o))
        elif p == CG.alias:
            aliases.append(str(o))
        elif p == URIRef("https://schema.org/description"):
            description = str(o)
        elif isinstance(p, URIRef) and p in IDENTIFIERS:
            ids[IDENTIFIERS[p]] = str(o)
        elif p == CG.source:
            src_iris.append(str(o))
    known = [t for t in types if t in onto.entity_classes]
    main_type = max(known, key=lambda t: onto.entity_classes[t]) if known else (types[0] if types else "")
    card = EntityCard(
        iri,
        label,
        onto.class_labels.get(main_type, local_name(main_type)),
        [local_name(t) for t in types],
        sorted(aliases),
        description,
        ids,
    )
    card.sources = _sources(backend, src_iris)
    card.relationships = _relationships(backend, e, onto)
    return card


def _relationships(backend: Backend, e: URIRef, onto: Ontology) -> list[dict]:
    rows = backend.select(
        SPARQL_PREFIXES
        + """
        SELECT ?rec ?kind ?role ?p ?o ?olabel WHERE {
          ?rec ?role ?e . ?role a cg:RoleProperty .
          ?rec a ?kind . ?kind rdfs:subClassOf+ cg:Relationship .
          ?rec ?p ?o . OPTIONAL { ?o rdfs:label ?olabel }
        }""",
        {"e": e},
    ).rows
    recs: dict[str, dict] = {}
    roles_of_e: dict[str, set[str]] = defaultdict(set)
    values: dict[str, dict[Node | None, list]] = defaultdict(lambda: defaultdict(list))
    labels: dict[str, str] = {}
    for rec, kind, role, p, o, olabel in rows:
        r = str(rec)
        recs.setdefault(r, {"kind": str(kind)})
        roles_of_e[r].add(str(role))
        if o not in values[r][p]:
            values[r][p].append(o)
        if olabel is not None:
            labels[str(o)] = str(olabel)
    role_props = onto.roles
    kind_names = {
        local_name(str(k)): str(lbl)
        for k, lbl in backend.select(
            SPARQL_PREFIXES + "SELECT ?k ?l WHERE { ?k a cg:AmountKind ; rdfs:label ?l }"
        ).rows
    }
    fields = sorted((URIRef(p) for p in onto.record_fields), key=field_name)
    out = []
    for r, info in recs.items():
        kind = info["kind"]
        rule = onto.rules.get(kind)
        v = values[r]
        participants = [
            {
                "role": local_name(str(p)),
                "iri": str(o),
                "label": labels.get(str(o), local_name(o)),
                "is_self": o == e,
            }
            for p, os in v.items()
            if str(p) in role_props
            for o in os
        ]
        direction = "none"
        if rule:
            mine = roles_of_e[r]
            if rule.symmetric and rule.from_role in mine:
                direction = "both"
            elif rule.from_role in mine:
                direction = "out"
            elif rule.to_role in mine:
                direction = "in"
        item: dict[str, Any] = {
            "record": r,
            "kind": local_name(kind),
            "kind_label": onto.kind_labels.get(kind, local_name(kind)),
            "edge_label": rule.label if rule else None,
            "edge_from_role": local_name(rule.from_role) if rule else None,
            "edge_to_role": local_name(rule.to_role) if rule else None,
            "direction": direction,
            "my_roles": sorted(local_name(x) for x in roles_of_e[r]),
            "participants": participants,
            "certainty": local_name(v[CG.certainty][0]) if v.get(CG.certainty) else None,
            "quotes": [str(q) for q in v.get(CG.quote, [])],
        }
        for prop in fields:  # the record attributes the ontology declares (rdfs:domain cg:Relationship)
            if v.get(prop):
                item[field_name(prop)] = _py(v[prop][0])
        if "amount_kind" in item:
            item["amount_kind_label"] = kind_names.get(item["amount_kind"], item["amount_kind"])
        item["sources"] = _sources(backend, [str(s) for s in v.get(CG.source, [])])
        out.append(item)
    out.sort(
        key=lambda i: (
            {"out": 0, "both": 1, "in": 2}.get(i["direction"], 3),
            i["kind_label"],
            str(i.get("date") or i.get("start_date") or ""),
            i["record"],
        )
    )
    return out


def _sources(backend: Backend, iris: list[str]) -> list[dict]:
    if not iris:
        return []
    rows = backend.select(
        SPARQL_PREFIXES
        + "SELECT ?s ?url ?title ?pub ?issued WHERE { "
        + values_block(["s"], ([i] for i in sorted(set(iris))))
        + " OPTIONAL { ?s schema:url ?url } OPTIONAL { ?s dcterms:title ?title }"
        " OPTIONAL { ?s dcterms:publisher ?pub } OPTIONAL { ?s dcterms:issued ?issued } }"
    ).rows
    return [
        {"iri": str(s), "url": _s(u), "title": _s(t), "publisher": _s(p), "issued": _s(i)}
        for s, u, t, p, i in rows
    ]


def field_name(prop: str) -> str:
    """The key of a record attribute on a card: its local name in snake case (cg:startDate -> start_date)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", local_name(prop)).lower()


def _py(term: Any) -> Any:
    if isinstance(term, Literal):
        v = term.toPython()
        if isinstance(v, Decimal | bool | int | float | str):
            return v
        return str(term)
    if isinstance(term, URIRef):
        return local_name(term)
    return str(term)


def _s(term: Any) -> str | None:
    return None if term is None else str(term)


def _int(term: Node | None) -> int:
    """The value of a COUNT (an integer literal)."""
    return int(term.toPython()) if isinstance(term, Literal) else 0


# --------------------------------------------------------------------------------------------
# card rendering


def card_text(card: EntityCard, markdown: bool = False) -> str:
    """The card as plain text, or as Markdown with footnoted sources."""
    lines: list[str] = []
    h = (lambda s: f"## {s}") if markdown else (lambda s: s)
    lines.append(f"# {card.label}" if markdown else f"{card.label}  [{card.type}]")
    if markdown:
        lines.append(f"*{card.type}* — `{card.iri}`")
    else:
        lines.append(card.iri)
    if card.aliases:
        lines.append(("**Also known as:** " if markdown else "Also known as: ") + ", ".join(card.aliases))
    if card.identifiers:
        lines.append(
            ("**Identifiers:** " if markdown else "Identifiers: ")
            + ", ".join(f"{k} {v}" for k, v in card.identifiers.items())
        )
    if card.description:
        lines.append(card.description)
    footnotes: list[dict] = []

    def cite(sources: list[dict]) -> str:
        marks = []
        for s in sources:
            if s not in footnotes:
                footnotes.append(s)
            marks.append(footnotes.index(s) + 1)
        return "".join(f"[^{m}]" for m in marks) if markdown else " ".join(f"[{m}]" for m in marks)

    if card.family is not None:
        lines.append("")
        lines.append(h(f"Corporate family ({len(card.family)})"))
        for m in card.family:
            mark = " (this entity)" if m["iri"] == card.iri else ""
            lines.append(("- " if markdown else "* ") + f"{m['label']}{mark}: {m['why']}")
    lines.append("")
    lines.append(h(f"Relationships ({len(card.relationships)})"))
    for rel in card.relationships:
        member = f"[member {rel['member']}] " if rel.get("member") else ""
        lines.append(
            ("- " if markdown else "* ")
            + member
            + _relationship_line(_as_member(card, rel), rel)
            + " "
            + cite(rel["sources"])
        )
        for q in rel["quotes"]:
            lines.append(("  > " if markdown else "    “") + q + ("" if markdown else "”"))
        if rel.get("note"):
            lines.append(("  *Note:* " if markdown else "    Note: ") + str(rel["note"]))
    if card.sources:
        lines.append("")
        lines.append(("Entity described by: " if not markdown else "Described by: ") + cite(card.sources))
    if footnotes:
        lines.append("")
        lines.append(h("Sources"))
        for i, s in enumerate(footnotes, 1):
            text = (
                f"{s['title'] or s['iri']}, {s['publisher'] or 'unknown publisher'}"
                + (f", {s['issued']}" if s.get("issued") else "")
                + f". {s['url'] or ''}"
            )
            lines.append(f"[^{i}]: {text}" if markdown else f"[{i}] {text}")
    return "\n".join(lines) + "\n"


def _as_member(card: EntityCard, rel: dict) -> EntityCard:
    """The card a family member's relationship is read from (its own label on the self side)."""
    if not rel.get("member"):
        return card
    return EntityCard(rel["member_iri"], rel["member"], card.type, card.types)


def _relationship_line(card: EntityCard, rel: dict) -> str:
    others = [p for p in rel["participants"] if not p["is_self"]]
    edge = str(rel["title"]) if rel.get("title") else (rel.get("edge_label") or rel["kind_label"])
    far_role = {
        "in": rel.get("edge_from_role"),
        "out": rel.get("edge_to_role"),
        "both": rel.get("edge_to_role"),
    }
    far = [p for p in others if p["role"] == far_role.get(rel["direction"])]
    extra = [p for p in others if p not in far]
    if rel["direction"] != "none" and not far:  # e.g. a statement about nothing in particular
        head = f"{card.label}: {rel['kind_label']}"
    elif rel["direction"] == "in":
        head = f"{_names(far)} —{edge}→ {card.label}"
    elif rel["direction"] in ("out", "both"):
        head = f"{card.label} —{edge}→ {_names(far)}"
    else:  # the entity takes part in a side role (client, beneficiary, funder ...)
        src = [p for p in others if p["role"] == rel.get("edge_from_role")]
        dst = [p for p in others if p["role"] == rel.get("edge_to_role")]
        far, extra = src + dst, [p for p in others if p not in src + dst]
        if src or dst:
            head = f"{_names(src)} —{edge}→ {_names(dst)} [{card.label} as {', '.join(rel['my_roles'])}]"
        else:  # a record drawn as no edge, such as a figure about this entity
            head = rel["kind_label"].capitalize()
    if extra:
        head += " (" + ", ".join(f"{p['role']}: {p['label']}" for p in extra) + ")"
    bits = [head]
    if rel.get("amount") is not None:
        q = f"{rel['amount_qualifier']} " if rel.get("amount_qualifier") else ""
        bits.append(
            f"{q}{rel.get('currency', '')} {money(rel['amount'])} ({rel.get('amount_kind_label', 'amount')})".strip()
        )
    elif rel.get("amount_text"):
        bits.append(f"amount: {rel['amount_text']}")
    if rel.get("value") is not None:
        q = f"{rel['amount_qualifier']} " if rel.get("amount_qualifier") else ""
        bits.append(
            f"{rel.get('measure', 'value')}: {q}{money(rel['value'])} {rel.get('count_unit', '')}".strip()
        )
    when = rel.get("date") or rel.get("start_date")
    if when:
        bits.append(str(when) + (f"–{rel['end_date']}" if rel.get("end_date") else ""))
    if rel.get("duration"):
        bits.append(f"duration {rel['duration']}")
    if rel.get("no_bid"):
        bits.append("no-bid")
    for key in ("purpose", "commitment", "text", "medium"):
        if rel.get(key) and not any(str(rel[key]) in q for q in rel["quotes"]):
            bits.append(f"{key}: {rel[key]}")
    if rel.get("later_softened"):
        bits.append("later softened")
    if rel.get("responded") is False:
        bits.append("did not respond")
    bits.append(f"certainty: {rel['certainty']}")
    return "; ".join(bits)


def _names(parts: list[dict]) -> str:
    return ", ".join(p["label"] for p in parts) or "?"
