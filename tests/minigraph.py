"""Tiny graphs written inline in tests: Turtle with corpgraph's prefixes, over the bundled ontology."""

from __future__ import annotations

import shutil
from pathlib import Path

from corpgraph.backend.memory import MemoryBackend
from corpgraph.store import bundled_graph_dir, parse_turtle_file
from corpgraph.vocab import ENT, REC
from corpgraph.vocab import PREFIXES as VOCAB_PREFIXES

PREFIXES = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in VOCAB_PREFIXES.items())

# One source every test record can cite.
SOURCE = (
    'src:doc a cg:Source ; schema:url "https://example.org/doc"^^xsd:anyURI ; dcterms:title "Doc" ;\n'
    '    dcterms:publisher "Pub" .\n'
)


def backend_of(turtle: str) -> MemoryBackend:
    """The bundled ontology plus ``turtle`` (prefixes and src:doc provided), in memory."""
    g = parse_turtle_file(bundled_graph_dir() / "ontology.ttl")
    g.parse(data=PREFIXES + SOURCE + turtle, format="turtle")
    return MemoryBackend(g, "test")


def entities(*names: str, cls: str = "Company") -> str:
    return "".join(f'ent:{n} a cg:{cls} ; rdfs:label "{n.upper()}" .\n' for n in names)


def rec(name: str, kind: str, roles: str, certainty: str = "reported", extra: str = "") -> str:
    return (
        f"rec:{name} a cg:{kind} ; {roles} ; cg:certainty cg:{certainty} ; cg:source src:doc ; "
        f'cg:quote "q {name}" {extra}.\n'
    )


# -- the mini graph folder (conftest's mini_dir and mini fixtures) ---------------------------------

HOSTILE = '<img src=x onerror="window.__pwned=1;alert(1)">'
HOSTILE2 = "</script><script>window.__pwned=2</script>"
HOSTILE_TYPE = '<svg onload="window.__pwned=6">'

# A small graph of invented names that exercises every visual rule and hostile strings everywhere.
MINI_TTL = r"""
@prefix cg:     <https://w3id.org/corpgraph/ns#> .
@prefix ent:    <https://w3id.org/corpgraph/entity/> .
@prefix rec:    <https://w3id.org/corpgraph/record/> .
@prefix src:    <https://w3id.org/corpgraph/source/> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
@prefix owl:    <http://www.w3.org/2002/07/owl#> .

cg:HostileKind a owl:Class ; rdfs:subClassOf cg:Person ; rdfs:label "<svg onload=\"window.__pwned=6\">" .

ent:acme a cg:Company ; rdfs:label "Acme Corp" ; cg:alias "ACME" .
ent:agency a cg:GovernmentBody ; rdfs:label "Border Agency" .
ent:dept a cg:GovernmentBody ; rdfs:label "Department of Things" .
ent:bank a cg:Company ; rdfs:label "First Bank" .
ent:tracker a cg:System ; rdfs:label "TrackDB" .
ent:evil a cg:Company ; rdfs:label "<img src=x onerror=\"window.__pwned=1;alert(1)\">" .
ent:evil2 a cg:HostileKind ; rdfs:label "</script><script>window.__pwned=2</script>" .
ent:lonely a cg:Company ; rdfs:label "Lonely Ltd" .

src:s1 a cg:Source ; schema:url "https://example.org/report-a"^^xsd:anyURI ;
    dcterms:title "Report A" ; dcterms:publisher "Example News" ; dcterms:issued "2024-04"^^xsd:gYearMonth .
src:evil a cg:Source ; schema:url "javascript:window.__pwned=4"^^xsd:anyURI ;
    dcterms:title "<script>window.__pwned=3</script> [x](javascript:alert(1))" ;
    dcterms:publisher "E & <b>vil</b>" .

rec:c1 a cg:Contract ; cg:buyer ent:agency ; cg:supplier ent:acme ;
    cg:amount "1000000"^^xsd:decimal ; cg:currency "USD" ; cg:amountKind cg:contractValue ;
    cg:date "2024-03"^^xsd:gYearMonth ; cg:certainty cg:confirmed ; cg:source src:s1 ;
    cg:quote "The agency awarded Acme a contract." .
rec:c2 a cg:Contract ; cg:buyer ent:agency ; cg:supplier ent:evil ;
    cg:amount "250000.50"^^xsd:decimal ; cg:currency "USD" ; cg:amountKind cg:obligated ;
    cg:startDate "2020"^^xsd:gYear ; cg:endDate "2021"^^xsd:gYear ; cg:certainty cg:alleged ;
    cg:source src:evil ; cg:quote "<b>bold</b> & \u2028 </script><script>window.__pwned=5</script>" .
rec:sub1 a cg:Subdivision ; cg:unit ent:agency ; cg:parentBody ent:dept ; cg:certainty cg:reported ;
    cg:source src:s1 ; cg:quote "The agency is part of the department." .
rec:loan a cg:CreditFacility ; cg:lender ent:bank ; cg:borrower ent:acme ;
    cg:amount "5000000"^^xsd:decimal ; cg:currency "USD" ; cg:amountKind cg:creditLine ;
    cg:date "2023-06"^^xsd:gYearMonth ; cg:certainty cg:likely ; cg:source src:s1 ;
    cg:quote "First Bank lent." .
rec:host a cg:Hosting ; cg:host ent:acme ; cg:system ent:tracker ; cg:client ent:agency ;
    cg:certainty cg:reported ; cg:source src:s1 ; cg:quote "Acme hosts TrackDB." .
rec:st a cg:Statement ; cg:speaker ent:evil2 ; cg:about ent:acme ; cg:date "2025-01-02"^^xsd:date ;
    cg:certainty cg:denied ; cg:source src:s1, src:evil ; cg:quote "A statement." .
"""


def write_mini_graph(folder: Path) -> Path:
    """A graph folder: the bundled ontology and shapes plus MINI_TTL."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("ontology.ttl", "shapes.ttl"):
        shutil.copy(bundled_graph_dir() / name, folder / name)
    (folder / "mini.ttl").write_text(MINI_TTL, encoding="utf-8")
    return folder


def e(slug: str) -> str:
    return str(ENT[slug])


def r(slug: str) -> str:
    return str(REC[slug])
