"""A synthetic graph in the corpgraph vocabulary, for benchmarks.

``turtle(n_triples)`` returns Turtle text of about ``n_triples`` triples (the ontology not
included); ``graph(n_triples)`` parses it into an rdflib Graph with the bundled ontology;
``write(path, n_triples)`` writes a graph folder (ontology + data) that ``corpgraph --graph`` reads.

What it holds, in the same shapes as the bundled data: a department (``ent:dhs``, alias DHS) with
agencies below it (``ent:ice`` alias ICE, ``ent:cbp`` alias CBP, more) and sub-agencies under
those (cg:Subdivision records); many companies; contracts (about 70% of records) with buyer,
supplier, amount, currency, amount kind, date, certainty, source and quote, some no-bid; credit
facilities and bond underwritings towards companies in the "private prison industry" sector;
systems with hosting, development and use records and a cost figure; pledges and statements.
Hubs: the agencies are buyers of most contracts, and one company (``ent:megacorp``) supplies about
5% of them.  Names are made up (``Company 123``) and carry no facts.

Well-known IRIs for benchmarks: ``ent:dhs``, ``ent:ice``, ``ent:megacorp`` (hubs),
``ent:company-1`` .. ``ent:company-N`` (ordinary), ``ent:system-1``.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

HEADER = """@prefix cg: <https://w3id.org/corpgraph/ns#> .
@prefix ent: <https://w3id.org/corpgraph/entity/> .
@prefix rec: <https://w3id.org/corpgraph/record/> .
@prefix src: <https://w3id.org/corpgraph/source/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

CERTAINTIES = ("confirmed", "reported", "reported", "reported", "likely", "alleged")
CONTRACT_KINDS = ("contractValue", "obligated", "ceiling")


def _date(rng: random.Random) -> str:
    y, m = rng.randint(2015, 2025), rng.randint(1, 12)
    if rng.random() < 0.5:
        return f'"{y}-{m:02d}-{rng.randint(1, 28):02d}"^^xsd:date'
    return f'"{y}-{m:02d}"^^xsd:gYearMonth'


def turtle(n_triples: int, seed: int = 7) -> str:
    """Turtle text of about ``n_triples`` triples."""
    rng = random.Random(seed)
    out: list[str] = [HEADER]
    count = 0

    def emit(text: str, triples: int) -> None:
        nonlocal count
        out.append(text)
        count += triples

    n_sources = max(10, n_triples // 20000)
    for i in range(1, n_sources + 1):
        emit(
            f'src:s{i} a cg:Source ; schema:url "https://example.org/doc/{i}"^^xsd:anyURI ; '
            f'dcterms:title "Synthetic document {i}" ; dcterms:publisher "Publisher {i % 7}" ; '
            f'dcterms:issued "2025-{(i % 12) + 1:02d}"^^xsd:gYearMonth .\n',
            5,
        )

    def src() -> str:
        return f"src:s{rng.randint(1, n_sources)}"

    # government: DHS > agencies > sub-agencies
    agencies = ["ice", "cbp", "uscis", "fema", "tsa", "uscg", "ssa", "cisa"]
    emit(
        'ent:dhs a cg:GovernmentBody ; rdfs:label "U.S. Department of Homeland Security" ; cg:alias "DHS" ; '
        "cg:source src:s1 .\n",
        4,
    )
    emit(
        'ent:ice a cg:GovernmentBody ; rdfs:label "U.S. Immigration and Customs Enforcement" ; '
        'cg:alias "ICE" ; cg:source src:s1 .\n',
        4,
    )
    emit(
        'ent:cbp a cg:GovernmentBody ; rdfs:label "U.S. Customs and Border Protection" ; cg:alias "CBP" ; '
        "cg:source src:s1 .\n",
        4,
    )
    for a in agencies[2:]:
        emit(f'ent:{a} a cg:GovernmentBody ; rdfs:label "Agency {a.upper()}" ; cg:source src:s1 .\n', 3)
    buyers = ["dhs", *agencies]
    rid = 0

    def record(kind: str, body: str, triples: int) -> None:
        nonlocal rid
        rid += 1
        cert = rng.choice(CERTAINTIES)
        emit(
            f"rec:r{rid} a cg:{kind} ; {body} ; cg:certainty cg:{cert} ; cg:source {src()} ; "
            f'cg:quote "Synthetic quote {rid}." .\n',
            triples + 4,
        )

    for a in agencies:
        record("Subdivision", f"cg:unit ent:{a} ; cg:parentBody ent:dhs", 2)
        for j in range(1, 4):
            unit = f"{a}-unit-{j}"
            emit(
                f'ent:{unit} a cg:GovernmentBody ; rdfs:label "{a.upper()} unit {j}" ; cg:source src:s1 .\n',
                3,
            )
            record("Subdivision", f"cg:unit ent:{unit} ; cg:parentBody ent:{a}", 2)
            buyers.append(unit)

    # sector, systems
    emit('ent:prisons a cg:Sector ; rdfs:label "Private prison industry" ; cg:source src:s1 .\n', 3)
    n_companies = max(50, n_triples // 60)
    n_systems = max(5, n_triples // 20000)
    emit('ent:megacorp a cg:Company ; rdfs:label "Megacorp" ; cg:alias "MC" ; cg:source src:s1 .\n', 4)
    for i in range(1, n_companies + 1):
        emit(f'ent:company-{i} a cg:Company ; rdfs:label "Company {i}" ; cg:source {src()} .\n', 3)
    for i in range(1, n_systems + 1):
        emit(f'ent:system-{i} a cg:System ; rdfs:label "System {i}" ; cg:source src:s1 .\n', 3)

    def company() -> str:
        return f"ent:company-{rng.randint(1, n_companies)}"

    operators = [f"ent:company-{i}" for i in range(1, max(3, n_companies // 500) + 1)]
    for op in operators:
        record("SectorMembership", f"cg:member {op} ; cg:sector ent:prisons", 2)
    for i in range(1, n_systems + 1):
        s = f"ent:system-{i}"
        record("Hosting", f"cg:host {company()} ; cg:system {s}", 2)
        record("Development", f"cg:developer {company()} ; cg:system {s}", 2)
        record("SystemUse", f"cg:user ent:{rng.choice(buyers)} ; cg:system {s}", 2)
        record(
            "Figure",
            f'cg:subject {s} ; cg:amount "{rng.randint(1, 900) * 1000000}"^^xsd:decimal ; '
            'cg:currency "USD" ; cg:amountKind cg:costOfSystem',
            4,
        )
    for i in range(1, 7):
        b = company()
        record(
            "Pledge",
            f'cg:pledger {b} ; cg:about ent:prisons ; cg:commitment "stop financing" ; '
            f'cg:date "2019"^^xsd:gYear ; cg:laterSoftened {"true" if i % 3 == 0 else "false"}',
            5,
        )
        record("Statement", f'cg:speaker {b} ; cg:text "We care about communities." ; cg:medium "website"', 3)

    # money: contracts (hubs: agencies, megacorp), credit lines and bonds towards operators
    while count < n_triples:
        r = rng.random()
        if r < 0.85:
            buyer = "ice" if rng.random() < 0.3 else rng.choice(buyers)
            supplier = "ent:megacorp" if rng.random() < 0.05 else company()
            nobid = " ; cg:noBid true" if rng.random() < 0.03 else ""
            record(
                "Contract",
                f"cg:buyer ent:{buyer} ; cg:supplier {supplier} ; "
                f'cg:amount "{rng.randint(10, 100000) * 1000}"^^xsd:decimal ; cg:currency "USD" ; '
                f"cg:amountKind cg:{rng.choice(CONTRACT_KINDS)} ; cg:date {_date(rng)}{nobid}",
                6 + (1 if nobid else 0),
            )
        elif r < 0.93:
            record(
                "CreditFacility",
                f"cg:lender {company()} ; cg:borrower {rng.choice(operators)} ; "
                f'cg:amount "{rng.randint(1, 900) * 1000000}"^^xsd:decimal ; '
                f'cg:currency "USD" ; cg:amountKind cg:creditLine ; cg:date {_date(rng)}',
                6,
            )
        elif r < 0.97:
            record(
                "BondUnderwriting",
                f"cg:underwriter {company()} ; cg:issuer {rng.choice(operators)} ; "
                f'cg:amount "{rng.randint(1, 900) * 1000000}"^^xsd:decimal ; '
                f'cg:currency "USD" ; cg:amountKind cg:bondIssue ; cg:date {_date(rng)}',
                6,
            )
        else:
            record("Partnership", f"cg:partner {company()}, {company()}", 2)
    return "".join(out)


def graph(n_triples: int, seed: int = 7):
    """An rdflib Graph of the bundled ontology plus ``turtle(n_triples)``."""
    from corpgraph.store import bundled_graph_dir, parse_turtle_file

    g = parse_turtle_file(bundled_graph_dir() / "ontology.ttl")
    g.parse(data=turtle(n_triples, seed), format="turtle")
    return g


def write(folder: str | Path, n_triples: int, seed: int = 7) -> Path:
    """A graph folder: the bundled ontology and shapes, and ``synthetic.ttl``."""
    from corpgraph.store import bundled_graph_dir

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("ontology.ttl", "shapes.ttl"):
        shutil.copy(bundled_graph_dir() / name, folder / name)
    (folder / "synthetic.ttl").write_text(turtle(n_triples, seed), encoding="utf-8")
    return folder


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder")
    ap.add_argument("--triples", type=int, default=100_000)
    args = ap.parse_args()
    print(write(args.folder, args.triples))
