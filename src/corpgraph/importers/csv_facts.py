"""Hand-curated facts from a spreadsheet: one row per relationship (``corpgraph import csv FILE``).

The template (``corpgraph/data/facts-template.csv``, documented in ``facts-template.md`` beside it)
has these columns; only the starred ones are required:

=================  =====================================================================================
``kind`` *         relationship kind: its name or label (``Contract``, ``credit facility``, ``Ownership``)
``from`` *         the first participant, by name (resolved like every import; a new name creates an entity)
``from_role``      its role (``buyer``, ``lender``, ``owner``...); default: the kind's edge start
``from_type``      class for a new entity, any entity class of the ontology (Company, GovernmentBody, Person, ...)
``to`` *           the second participant
``to_role``        its role; default: the kind's edge end
``to_type``        class for a new entity
``also``           more participants: ``role=Name; role=Name`` (``client=ICE``)
``amount``         a number (``30000000``, ``$30,000,000``); with it ``currency`` (default USD) and
``amount_kind`` *  (when there is an amount) contractValue, ceiling, obligated, creditLine, bondIssue, ...
``amount_qualifier`` "more than", "about", "per year" ...
``date``, ``start_date``, ``end_date``  YYYY, YYYY-MM, YYYY-MM-DD (also M/D/YYYY, DD.MM.YYYY)
``certainty`` *    confirmed, reported, likely, alleged or denied
``source_url`` *   where a reader can check it; ``source_title`` * ; ``publisher`` * ; ``source_date``
``quote`` *        the words of the source that support the row, verbatim
``purpose``, ``award_id``, ``no_bid`` (yes/no), ``note``, ``id`` (a stable record name; default from kind,
                   names and date)
=================  =====================================================================================
"""

from __future__ import annotations

import re

from rdflib import Literal, URIRef

from ..errors import ImportFailed
from ..names import slugify
from ..ontology import Ontology, read_ontology
from ..vocab import CERTAINTY_ORDER, CG, SPARQL_PREFIXES, SRC, local_name
from .common import BadRow, Row, header_of, parse_amount, parse_date
from .context import ImportContext
from .matches import propose_for_curated

REQUIRED = ("kind", "from", "to", "certainty", "source_url", "source_title", "publisher", "quote")
COLUMNS = (
    "kind",
    "from",
    "from_role",
    "from_type",
    "to",
    "to_role",
    "to_type",
    "also",
    "amount",
    "currency",
    "amount_kind",
    "amount_qualifier",
    "date",
    "start_date",
    "end_date",
    "certainty",
    "source_url",
    "source_title",
    "publisher",
    "source_date",
    "quote",
    "purpose",
    "award_id",
    "no_bid",
    "note",
    "id",
)
_DEFAULT_TYPE = local_name(CG.Company)
_KINDS_QUERY = SPARQL_PREFIXES + "SELECT ?k WHERE { ?k a cg:AmountKind }"
_SOURCES_QUERY = SPARQL_PREFIXES + "SELECT ?s ?url WHERE { ?s a cg:Source ; schema:url ?url }"
_PARTIAL = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")


def run(ctx: ImportContext) -> None:
    header = header_of(ctx.path)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFailed(
            f"{ctx.path}:1: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}; see the template (corpgraph/data/facts-template.csv)"
        )
    ctx.shape = "facts"
    onto = read_ontology(ctx.backend)
    roles = {local_name(r).lower(): r for r in onto.roles}
    amount_kinds = {local_name(r[0]).lower(): str(r[0]) for r in ctx.backend.select(_KINDS_QUERY).rows}
    known_sources = {str(url): s for s, url in ctx.backend.select(_SOURCES_QUERY).rows}
    used_ids: set[str] = set()
    for row in ctx.rows(every=200):
        try:
            _row(ctx, row, onto, roles, amount_kinds, known_sources, used_ids)
        except BadRow as exc:
            ctx.bad(row, exc)


def _date(text: str, field: str) -> str | None:
    text = text.strip()
    return text if _PARTIAL.match(text) else parse_date(text, field)


def _row(ctx, row: Row, onto, roles, amount_kinds, known_sources, used_ids) -> None:
    for col in REQUIRED:
        if not row.get(col).strip():
            raise BadRow("required", col)
    kind = onto.kind_by_name(row.get("kind"))
    if kind is None:
        raise BadRow(
            f"unknown kind {row.get('kind')!r} (use a relationship kind such as Contract, Ownership)", "kind"
        )
    rule = onto.rules.get(kind)
    certainty = row.get("certainty").strip().lower()
    if certainty not in CERTAINTY_ORDER:
        raise BadRow(f"{certainty!r} is not one of {', '.join(CERTAINTY_ORDER)}", "certainty")
    url = row.get("source_url").strip()
    if not re.match(r"^(https?|file)://\S+$", url):
        raise BadRow(f"not a URL: {url!r}", "source_url")
    participants: list[tuple[str, str, str, str]] = []  # (role IRI, name, type, column)
    for side in ("from", "to"):
        role = row.get(f"{side}_role").strip() or (
            rule and (rule.from_role if side == "from" else rule.to_role)
        )
        if not role:
            raise BadRow(f"kind {local_name(kind)} has no default role; fill {side}_role", f"{side}_role")
        participants.append(
            (
                _role(role, roles, f"{side}_role"),
                row.get(side).strip(),
                _type(row.get(f"{side}_type"), f"{side}_type", onto),
                side,
            )
        )
    for item in filter(None, (x.strip() for x in row.get("also").split(";"))):
        if "=" not in item:
            raise BadRow(f"{item!r} is not role=Name", "also")
        role, name = (x.strip() for x in item.split("=", 1))
        participants.append((_role(role, roles, "also"), name, _DEFAULT_TYPE, "also"))
    amount = parse_amount(row.data.get("amount", ""), "amount")
    amount_kind = None
    if amount is not None:
        ak = row.get("amount_kind").strip()
        if not ak:
            raise BadRow(
                "an amount needs an amount_kind (contractValue, ceiling, obligated, ...)", "amount_kind"
            )
        amount_kind = amount_kinds.get(ak.replace(" ", "").lower()) or amount_kinds.get(ak.lower())
        if amount_kind is None:
            raise BadRow(
                f"unknown amount kind {ak!r}; one of: {', '.join(sorted(amount_kinds))}", "amount_kind"
            )
    currency = (row.get("currency").strip() or "USD").upper()
    if amount is not None and not re.match(r"^[A-Z]{3}$", currency):
        raise BadRow(f"{currency!r} is not an ISO 4217 code", "currency")
    date, start, end = (_date(row.get(c), c) for c in ("date", "start_date", "end_date"))
    issued = _date(row.get("source_date"), "source_date")
    extra: list[tuple[URIRef, Literal]] = []
    no_bid = row.get("no_bid").strip().lower()
    if no_bid:
        if no_bid not in ("yes", "no", "true", "false", "1", "0"):
            raise BadRow(f"{no_bid!r} is not yes or no", "no_bid")
        extra.append((CG.noBid, Literal(no_bid in ("yes", "true", "1"))))
    # everything checked: resolve and build
    res = ctx.resolver
    by_role: dict[URIRef, list[str]] = {}
    names = []
    for role_iri, name, etype, _ in participants:
        iri = res.resolve(name, etype=etype).iri
        by_role.setdefault(URIRef(role_iri), []).append(iri)
        names.append(local_name(iri))
    if url in known_sources:
        src = known_sources[url]
    else:
        src = ctx.source(
            SRC["web-" + slugify(url.split("://", 1)[-1])[:60] + "-" + ctx.digest(url)[:6]],
            url,
            row.get("source_title").strip(),
            row.get("publisher").strip(),
            issued,
            kind="article",
        )
    base = (
        slugify(row.get("id"))
        if row.get("id").strip()
        else "-".join([local_name(kind).lower(), *names[:2], *([date] if date else [])])
    )
    rid, n = base, 1
    while rid in used_ids:
        n += 1
        rid = f"{base}-{n}"
    used_ids.add(rid)
    if row.get("amount_qualifier").strip():
        extra.append((CG.amountQualifier, Literal(row.get("amount_qualifier").strip())))
    record = ctx.record_iri(rid)
    ctx.record(
        record,
        URIRef(kind),
        {r: v for r, v in by_role.items()},
        certainty=CG[certainty],
        sources=[URIRef(src)],
        quotes=[row.get("quote")],
        amount=amount,
        amount_kind=URIRef(amount_kind) if amount_kind else None,
        currency=currency,
        date=date,
        start=start,
        end=end,
        purpose=row.get("purpose") or None,
        award_id=row.get("award_id") or None,
        note=row.get("note") or None,
        extra=extra,
    )
    if (
        URIRef(kind) == CG.Contract
        and amount is not None
        and by_role.get(CG.buyer)
        and by_role.get(CG.supplier)
    ):
        # an award imported earlier may be this very transaction: propose the match (importers.matches)
        propose_for_curated(ctx, str(record), by_role[CG.buyer][0], by_role[CG.supplier][0], amount, date)


def _role(name: str, roles: dict[str, str], field: str) -> str:
    """The ontology's role property named ``name`` (its local name or its full IRI); else BadRow."""
    if name in roles.values():
        return name
    key = name.removeprefix("cg:")
    iri = None if ":" in key else roles.get(key.lower())
    if iri is None:
        raise BadRow(f"unknown role {name!r} (one of: {', '.join(sorted(roles))})", field)
    return iri


def _type(name: str, field: str, onto: Ontology) -> str:
    """The entity class a type column names (local name or label, as the ontology declares it)."""
    name = name.strip()
    if not name:
        return _DEFAULT_TYPE
    iri = onto.entity_class_by_name(name)
    if iri is None or iri == str(CG.Entity):
        known = sorted(local_name(c) for c in onto.entity_classes if c != str(CG.Entity))
        raise BadRow(f"unknown entity type {name!r} (one of: {', '.join(known)})", field)
    return local_name(iri)
