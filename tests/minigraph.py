"""Tiny graphs written inline in tests: Turtle with corpgraph's prefixes, over the bundled ontology."""

from __future__ import annotations

from corpgraph.backend.memory import MemoryBackend
from corpgraph.store import bundled_graph_dir, parse_turtle_file
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
