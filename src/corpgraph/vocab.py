"""The corpgraph vocabulary as Python terms, and the namespaces every module shares.

``CG`` is a closed namespace: a typo such as ``CG.suplier`` raises instead of silently minting a
new predicate.  The terms mirror graph/ontology.ttl; tests/test_vocab.py checks the two agree.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace
from rdflib.term import Node

BASE = "https://w3id.org/corpgraph/"
ENT = Namespace(BASE + "entity/")  # entities: companies, agencies, systems, people ...
REC = Namespace(BASE + "record/")  # relationship records
SRC = Namespace(BASE + "source/")  # sources
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
FTM = Namespace("https://schema.followthemoney.tech/#")


class CG(DefinedNamespace):
    """https://w3id.org/corpgraph/ns# -- see graph/ontology.ttl for each term's definition."""

    _NS = Namespace(BASE + "ns#")
    _fail = True

    # entity classes
    Entity: URIRef
    Organization: URIRef
    Company: URIRef
    GovernmentBody: URIRef
    Group: URIRef
    Person: URIRef
    System: URIRef
    Facility: URIRef
    Work: URIRef
    Legislation: URIRef
    Sector: URIRef
    Source: URIRef
    Certainty: URIRef
    AmountKind: URIRef
    RoleProperty: URIRef
    # relationship kinds
    Relationship: URIRef
    Contract: URIRef
    CreditFacility: URIRef
    BondUnderwriting: URIRef
    Ownership: URIRef
    Subdivision: URIRef
    Hosting: URIRef
    Development: URIRef
    SystemUse: URIRef
    Operation: URIRef
    ServiceProvision: URIRef
    Partnership: URIRef
    Role: URIRef
    Payment: URIRef
    Purchase: URIRef
    Production: URIRef
    Investment: URIRef
    Appropriation: URIRef
    SectorMembership: URIRef
    Pledge: URIRef
    Statement: URIRef
    CommentRequest: URIRef
    Event: URIRef
    Figure: URIRef
    # certainty levels (cg:rank 5..1)
    confirmed: URIRef
    reported: URIRef
    likely: URIRef
    alleged: URIRef
    denied: URIRef
    rank: URIRef
    # amount kinds
    contractValue: URIRef
    ceiling: URIRef
    obligated: URIRef
    fiscalYearObligation: URIRef
    totalObligated: URIRef
    currentValue: URIRef
    potentialValue: URIRef
    subaward: URIRef
    creditLine: URIRef
    bondIssue: URIRef
    costOfSystem: URIRef
    payment: URIRef
    investment: URIRef
    appropriation: URIRef
    # edge rules
    edgeFrom: URIRef
    edgeTo: URIRef
    edgeLabel: URIRef
    edgeLabelProperty: URIRef
    symmetric: URIRef
    moneyFlow: URIRef
    softTie: URIRef
    # how entities of a class are drawn
    colour: URIRef
    mapShape: URIRef
    figureShape: URIRef
    # how records read as sentences, and how uncertain claims are hedged in them
    factTemplate: URIRef
    hedge: URIRef
    caveat: URIRef
    # roles
    involves: URIRef
    buyer: URIRef
    supplier: URIRef
    beneficiary: URIRef
    lender: URIRef
    borrower: URIRef
    underwriter: URIRef
    issuer: URIRef
    owner: URIRef
    subsidiary: URIRef
    parentBody: URIRef
    unit: URIRef
    host: URIRef
    system: URIRef
    client: URIRef
    provider: URIRef
    developer: URIRef
    user: URIRef
    operator: URIRef
    asset: URIRef
    partner: URIRef
    person: URIRef
    organization: URIRef
    payer: URIRef
    payee: URIRef
    intermediary: URIRef
    funder: URIRef
    object: URIRef
    producer: URIRef
    work: URIRef
    investor: URIRef
    law: URIRef
    member: URIRef
    sector: URIRef
    pledger: URIRef
    speaker: URIRef
    about: URIRef
    addressee: URIRef
    requester: URIRef
    respondent: URIRef
    participant: URIRef
    subject: URIRef
    location: URIRef
    attributedTo: URIRef
    # record attributes
    source: URIRef
    quote: URIRef
    certainty: URIRef
    note: URIRef
    disputedBy: URIRef
    amount: URIRef
    currency: URIRef
    amountKind: URIRef
    amountQualifier: URIRef
    amountText: URIRef
    value: URIRef
    countUnit: URIRef
    measure: URIRef
    date: URIRef
    startDate: URIRef
    endDate: URIRef
    duration: URIRef
    noBid: URIRef
    purpose: URIRef
    awardId: URIRef
    awardKey: URIRef
    awardPiid: URIRef
    fiscalYear: URIRef
    asOf: URIRef
    nameAsWritten: URIRef
    sameTransactionAs: URIRef
    title: URIRef
    text: URIRef
    medium: URIRef
    commitment: URIRef
    laterSoftened: URIRef
    revision: URIRef
    responded: URIRef
    status: URIRef
    # entity attributes
    alias: URIRef
    uei: URIRef
    duns: URIRef
    cage: URIRef
    cik: URIRef
    lei: URIRef
    wikidata: URIRef
    detloc: URIRef
    agencyCode: URIRef
    place: URIRef
    retrieved: URIRef
    sourceKind: URIRef


PREFIXES: dict[str, str] = {
    "cg": str(CG._NS),
    "ent": str(ENT),
    "rec": str(REC),
    "src": str(SRC),
    "schema": str(SCHEMA),
    "org": str(ORG),
    "ftm": str(FTM),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "rdfs": str(RDFS),
    "rdf": str(RDF),
    "owl": str(OWL),
    "xsd": str(XSD),
}

# SPARQL prologue with the same prefixes, for library queries written in Python modules.
SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())

# Certainty names in order, most certain first; the rank is read from the ontology too.
from .certainty import CERTAINTY_ORDER, certainty_rank  # noqa: E402,F401  (re-exported)


def local_name(iri: str | Node) -> str:
    """The part after the last '#' or '/': the slug of an entity IRI, the name of a vocabulary term."""
    s = str(iri)
    return s.rsplit("#", 1)[-1] if "#" in s else s.rstrip("/").rsplit("/", 1)[-1]
