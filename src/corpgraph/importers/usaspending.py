"""USAspending contract data in its three shapes, told apart by the header.

``transactions``
    The dashboard export of ``/api/v2/search/spending_by_transaction/`` (columns ``Award ID``,
    ``Recipient Name``, ``Federal Action Obligation``, ``Generated Award ID`` ...).  Transactions are
    summed per award and US federal fiscal year: one contract record per award and fiscal year with
    the summed obligation (de-obligations included) as ``cg:fiscalYearObligation``.  Exact
    duplicate rows are dropped and counted.
``awards``
    Prime-award summaries in the bulk-download schema (``contract_award_unique_key``,
    ``total_obligated_amount``, ``potential_total_value_of_award``, ``recipient_parent_*`` ...).
    One record per award and amount kind: ``total_obligated_amount`` as ``cg:totalObligated`` and
    ``potential_total_value_of_award`` as ``cg:potentialValue`` (a record carries one amount), as of
    the row's ``last_modified_date``, plus recipient -> parent ownership records.
``subawards``
    The bulk subaward download: prime -> subcontractor contract records (``cg:subaward``), the
    prime award itself (``cg:totalObligated``) and both sides' parents.

Records of an award are named by the award (agency code and PIID, ``cg:awardKey``), the amount kind
and the amount, never by the file: the same award in several files is one record per amount with
every file's source, and :mod:`corpgraph.awards` counts each amount kind of an award once.  Each
record keeps the recipient's name as the file wrote it (``cg:nameAsWritten``).

Every record cites the award's page on USAspending.gov (certainty confirmed) and quotes the award
or transaction description verbatim from the file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rdflib import URIRef

from ..awards import short_key
from ..entity_resolution import name_key
from ..errors import ImportFailed
from ..vocab import CG, local_name
from .common import BadRow, Row, header_of, org_type, parse_amount, parse_date
from .context import ImportContext, Ownerships, plain_literal
from .matches import RecordMatcher, keep_moves

SHAPES = {
    "transactions": {"Generated Award ID", "Federal Action Obligation", "Recipient Name", "Award ID"},
    "awards": {"contract_award_unique_key", "total_obligated_amount", "recipient_name"},
    "subawards": {"prime_award_unique_key", "subaward_number", "subaward_amount", "subawardee_name"},
}
MAX_QUOTES = 3


def detect(header: list[str]) -> str:
    cols = set(header)
    for shape, needed in SHAPES.items():
        if needed <= cols:
            return shape
    raise ImportFailed(
        "not a USAspending contract file this importer knows: expected the columns of dashboard "
        "transactions (Generated Award ID, Federal Action Obligation, ...), prime-award summaries "
        "(contract_award_unique_key, total_obligated_amount, ...) or subawards (prime_award_unique_key, "
        f"subaward_number, ...); found {', '.join(header[:8])}{' ...' if len(header) > 8 else ''}"
    )


def run(ctx: ImportContext) -> None:
    ctx.shape = detect(header_of(ctx.path))
    {"transactions": _transactions, "awards": _awards, "subawards": _subawards}[ctx.shape](ctx)


def award_parts(key: str) -> tuple[str, str, str, str]:
    """'CONT_AWD_{PIID}_{agency}_{parent PIID}_{parent agency}' -> its four parts ('' when absent)."""
    parts = key.split("_")
    if len(parts) >= 6 and parts[0] == "CONT" and parts[1] in ("AWD", "IDV"):
        return parts[2], parts[3], parts[4], parts[5]
    if len(parts) >= 4 and parts[0] == "CONT":
        return parts[2], parts[3], "", ""
    return "", "", "", ""


def award_key(generated_key: str, piid: str = "", agency: str = "") -> str:
    """The key that names one award in every file: USAspending's generated unique award ID
    ('CONT_AWD_70CTD022FR0000170_7012_GS35F0086U_4730') where the file gives it, else the awarding
    agency's code and the PIID ('7012/70CTD022FR0000170', as Torn Apart's files name awards).

    The PIID alone is not enough: two task orders under different parent contracts can share it.
    """
    if award_parts(generated_key)[0]:
        return generated_key.strip().upper()
    return f"{agency}/{(piid or generated_key).strip().upper()}"


def fiscal_year_of(day: str | None) -> str:
    """'2024-10-01' -> '2025' (US federal fiscal years start on 1 October); '' for no date."""
    if not day:
        return ""
    year, month = int(day[:4]), int(day[5:7])
    return str(year + 1 if month >= 10 else year)


def _subsidiary_of_known_parent(ctx: ImportContext, name: str, sub: str, source: URIRef) -> None:
    """'AT&T ENTERPRISES, LLC' -> ownership by AT&T, certainty likely (entity_resolution.SUBSIDIARIES)."""
    parent = ctx.resolver.parent_by_name(name)
    if not parent:
        return
    owner = ctx.resolver.resolve(parent).iri
    if owner == sub:
        return
    if (owner, sub) in ctx.seen_pairs:
        return
    ctx.seen_pairs.add((owner, sub))
    ctx.record(
        ctx.record_iri("likely-own", local_name(owner), local_name(sub)),
        CG.Ownership,
        {CG.owner: owner, CG.subsidiary: sub},
        certainty=CG.likely,
        sources=[source],
        quotes=[name],
        note="Parent inferred from the recipient name by corpgraph's table of known subsidiaries "
        "(rule subsidiary-table); check the parent recipient on the award page.",
    )


# -- transactions -------------------------------------------------------------------------------------
@dataclass
class _Award:
    key: str
    fiscal_year: str
    piid: str
    agency_code: str
    agency_abbr: str
    names: list[str] = field(default_factory=list)
    total: Decimal = Decimal(0)
    count: int = 0
    negatives: int = 0
    dates: list[str] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)  # (date, description)
    moves: list[tuple[str, Decimal, str]] = field(default_factory=list)  # (date, amount, modification)


def _transactions(ctx: ImportContext) -> None:
    seen: set[tuple[str, ...]] = set()
    awards: dict[tuple[str, str], _Award] = {}
    cols: list[str] | None = None  # every row that ctx.rows() yields has the header's columns
    for row in ctx.rows():
        try:
            data = row.data
            if cols is None:
                cols = sorted(k for k in data if k)
            signature = tuple([data.get(c) or "" for c in cols])
            if signature in seen:
                ctx.stats["duplicate rows dropped"] += 1
                continue
            seen.add(signature)
            key = row.get("Generated Award ID") or row.get("Award ID")
            if not key:
                raise BadRow("no award id", "Generated Award ID")
            name = row.get("Recipient Name")
            if not name:
                raise BadRow("no recipient", "Recipient Name")
            amount = parse_amount(row.data.get("Federal Action Obligation", ""), "Federal Action Obligation")
            if amount is None:
                raise BadRow("no obligation amount", "Federal Action Obligation")
            date = parse_date(row.data.get("Action Date", ""), "Action Date")
            piid, code, _, _ = award_parts(key)
            fy = fiscal_year_of(date)
            award = awards.get((key, fy))
            if award is None:
                award = _Award(key, fy, row.get("Award ID") or piid, code, row.get("Agency"))
                awards[(key, fy)] = award
        except BadRow as exc:
            ctx.bad(row, exc)
            continue
        award.names.append(" ".join(name.split()))
        award.moves.append((date or "", amount, f"transaction {row.get('Modification') or '0'}"))
        award.total += amount
        award.count += 1
        award.negatives += amount < 0
        if date:
            award.dates.append(date)
        text = row.get("Transaction Description")
        if text:
            award.texts.append((date or "", text))
        ctx.stats["transactions used"] += 1
    ctx.stats["awards"] = len({key for key, _ in awards})
    matcher = RecordMatcher.from_backend(ctx.backend) if ctx.backend is not None else None
    for award in awards.values():
        _emit_transaction_award(ctx, award, matcher)


_CONTRACT, _BUYER, _SUPPLIER, _CONFIRMED, _OBLIGATED = (
    CG.Contract,
    CG.buyer,
    CG.supplier,
    CG.confirmed,
    CG.obligated,
)
_FY_OBLIGATION = CG.fiscalYearObligation


def _emit_transaction_award(ctx: ImportContext, award: _Award, matcher: RecordMatcher | None) -> None:
    res = ctx.resolver
    if award.agency_code:
        buyer = res.agency(award.agency_code, award.agency_abbr).iri
    else:
        buyer = res.resolve(award.agency_abbr, etype="GovernmentBody").iri
    # the recipient's name as most transactions give it (ties: the latest spelling)
    counts = Counter(award.names)
    name = max(reversed(award.names), key=lambda n: counts[n])
    supplier = res.resolve(name, etype=org_type(name)).iri
    for other in counts:
        if other != name:
            res.resolve(other, etype=org_type(other))
    src = ctx.usaspending_source(award.key, award.piid)
    texts = []
    for _, t in sorted(award.texts):
        if t not in texts:
            texts.append(t)
    dates = sorted(award.dates)
    note = (
        f"Sum of {award.count} transaction{'s' if award.count != 1 else ''}"
        + (
            f" ({award.negatives} de-obligation{'s' if award.negatives != 1 else ''})"
            if award.negatives
            else ""
        )
        + (f" dated {dates[0]} to {dates[-1]}" if dates else "")
        + (f" (fiscal year {award.fiscal_year})" if award.fiscal_year else "")
        + f" in {ctx.path.name}."
    )
    kind = _FY_OBLIGATION if award.fiscal_year else _OBLIGATED
    key = award_key(award.key, award.piid, award.agency_abbr)
    iri = ctx.award_record_iri(key, local_name(kind), award.total, award.fiscal_year)
    subject = f"award {award.piid} to {name}" + (f", FY{award.fiscal_year}" if award.fiscal_year else "")
    if matcher is not None:
        matcher.propose(ctx, iri, buyer, supplier, award.moves, subject, key)
    keep_moves(ctx, str(iri), key, subject, buyer, supplier, award.moves)
    ctx.record(
        iri,
        _CONTRACT,
        {_BUYER: buyer, _SUPPLIER: supplier},
        certainty=_CONFIRMED,
        sources=[src],
        quotes=texts[:MAX_QUOTES] or [f"Award ID: {award.piid}; Recipient Name: {name}"],
        amount=award.total,
        amount_kind=kind,
        date=dates[0] if dates else None,
        purpose=texts[0] if texts else None,
        award_id=award.piid,
        note=note,
        award_key=key,
        fiscal_year=award.fiscal_year or None,
        names_as_written=counts,
    )
    _subsidiary_of_known_parent(ctx, name, supplier, src)


# -- prime-award summaries ---------------------------------------------------------------------------------
def _awards(ctx: ImportContext) -> None:
    res = ctx.resolver
    own = Ownerships(ctx, CG.confirmed)
    seen: set[str] = set()
    rows = list(ctx.rows())
    for row in rows:  # every name with its identifiers first: a name two UEIs share is known as such
        res.expect(
            row.get("recipient_name") or row.get("recipient_name_raw"),
            uei=row.get("recipient_uei"),
            duns=row.get("recipient_duns"),
        )
    for row in rows:
        try:
            key = row.get("contract_award_unique_key")
            if not key:
                raise BadRow("no award key", "contract_award_unique_key")
            if key in seen:
                ctx.stats["duplicate rows dropped"] += 1
                continue
            name = row.get("recipient_name") or row.get("recipient_name_raw")
            if not name:
                raise BadRow("no recipient", "recipient_name")
            obligated = parse_amount(row.data.get("total_obligated_amount", ""), "total_obligated_amount")
            ceiling = parse_amount(
                row.data.get("potential_total_value_of_award", ""), "potential_total_value_of_award"
            )
            start = parse_date(
                row.data.get("period_of_performance_start_date", ""), "period_of_performance_start_date"
            )
            end = parse_date(
                row.data.get("period_of_performance_current_end_date", ""),
                "period_of_performance_current_end_date",
            )
            signed = parse_date(row.data.get("award_base_action_date", ""), "award_base_action_date")
            modified = parse_date(row.data.get("last_modified_date", ""), "last_modified_date")
        except BadRow as exc:
            ctx.bad(row, exc)
            continue
        seen.add(key)
        code = row.get("awarding_sub_agency_code")
        buyer = (
            res.agency(code, row.get("awarding_sub_agency_name"))
            if code
            else res.resolve(
                row.get("awarding_sub_agency_name") or row.get("awarding_agency_name"), etype="GovernmentBody"
            )
        ).iri
        supplier = res.resolve(
            name,
            uei=row.get("recipient_uei"),
            duns=row.get("recipient_duns"),
            parent_uei=row.get("recipient_parent_uei"),
            cage=row.get("cage_code"),
            etype=org_type(name),
        ).iri
        piid = row.get("award_id_piid")
        src = ctx.usaspending_source(key, piid)
        text = row.get("prime_award_base_transaction_description")
        quote = text or f"award_id_piid: {piid}; recipient_name: {name}"
        akey = award_key(key, piid, code)
        common: dict[str, Any] = dict(
            certainty=CG.confirmed,
            sources=[src],
            quotes=[quote],
            date=signed,
            start=start,
            end=end,
            purpose=text or None,
            award_id=piid or None,
            award_key=akey,
            as_of=modified,
            names_as_written=[name],
            # how Torn Apart's files name the same award (for the money queries to count it once)
            extra=[(CG.awardPiid, plain_literal(short_key(akey)))] if akey.startswith("CONT_") else [],
        )
        ctx.stats["awards"] += 1
        roles = {CG.buyer: buyer, CG.supplier: supplier}
        for amount, kind in ((obligated, CG.totalObligated), (ceiling, CG.potentialValue)):
            if amount is not None:
                iri = ctx.award_record_iri(akey, local_name(kind), amount)
                ctx.record(iri, CG.Contract, roles, amount=amount, amount_kind=kind, **common)
        if obligated is None and ceiling is None:
            ctx.record(ctx.award_record_iri(akey, "no-amount"), CG.Contract, roles, **common)
        _parent(
            ctx,
            own,
            row,
            "recipient",
            name,
            supplier,
            modified or signed,
            src,
            ("recipient_parent_name", "recipient_parent_uei", "recipient_parent_duns"),
            (row.get("recipient_uei"), row.get("recipient_duns")),
        )
        _subsidiary_of_known_parent(ctx, name, supplier, src)
    own.emit()


def _parent(
    ctx: ImportContext,
    own: Ownerships,
    row: Row,
    role: str,
    name: str,
    child: str,
    date: str | None,
    src: URIRef,
    cols: tuple[str, str, str],
    child_ids: tuple[str, str],
) -> None:
    """Recipient -> parent from the *_parent_* columns, unless the parent is the recipient itself."""
    pname, puei, pduns = (row.get(c) for c in cols)
    if not pname:
        return
    if (
        (puei and puei == child_ids[0])
        or (pduns and pduns == child_ids[1])
        or name_key(pname) == name_key(name)
    ):
        ctx.skip(f"{role} parent is the {role} itself")
        return
    owner = ctx.resolver.resolve(pname, uei=puei, duns=pduns, etype=org_type(pname)).iri
    own.add(
        owner,
        child,
        date=date,
        source=src,
        quote=f"{cols[0].replace('_parent_name', '_name')}: {name}; {cols[0]}: {pname}",
    )


# -- subawards ---------------------------------------------------------------------------------------------
def _subawards(ctx: ImportContext) -> None:
    res = ctx.resolver
    own = Ownerships(ctx, CG.confirmed)
    seen: set[tuple[str, ...]] = set()
    primes: dict[str, dict] = {}
    rows = list(ctx.rows())
    for row in rows:  # every name with its identifiers first (see Resolver.expect)
        for who in ("prime_awardee", "subawardee"):
            res.expect(row.get(f"{who}_name"), uei=row.get(f"{who}_uei"), duns=row.get(f"{who}_duns"))
    for row in rows:
        try:
            signature = tuple(row.data.get(c) or "" for c in sorted(k for k in row.data if k))
            if signature in seen:
                ctx.stats["duplicate rows dropped"] += 1
                continue
            seen.add(signature)
            key = row.get("prime_award_unique_key")
            if not key:
                raise BadRow("no prime award key", "prime_award_unique_key")
            prime_name = row.get("prime_awardee_name")
            sub_name = row.get("subawardee_name")
            if not prime_name:
                raise BadRow("no prime awardee", "prime_awardee_name")
            if not sub_name:
                raise BadRow("no subawardee", "subawardee_name")
            amount = parse_amount(row.data.get("subaward_amount", ""), "subaward_amount")
            prime_amount = parse_amount(row.data.get("prime_award_amount", ""), "prime_award_amount")
            date = parse_date(row.data.get("subaward_action_date", ""), "subaward_action_date")
            p_start = parse_date(
                row.data.get("prime_award_period_of_performance_start_date", ""),
                "prime_award_period_of_performance_start_date",
            )
            p_end = parse_date(
                row.data.get("prime_award_period_of_performance_current_end_date", ""),
                "prime_award_period_of_performance_current_end_date",
            )
            p_signed = parse_date(
                row.data.get("prime_award_base_action_date", ""), "prime_award_base_action_date"
            )
        except BadRow as exc:
            ctx.bad(row, exc)
            continue
        ctx.stats["subaward rows used"] += 1
        piid = row.get("prime_award_piid")
        src = ctx.usaspending_source(key, piid)
        code = row.get("prime_award_awarding_sub_agency_code")
        agency = (
            res.agency(code, row.get("prime_award_awarding_sub_agency_name"))
            if code
            else res.resolve(row.get("prime_award_awarding_sub_agency_name"), etype="GovernmentBody")
        ).iri
        p_uei, p_duns = row.get("prime_awardee_uei"), row.get("prime_awardee_duns")
        prime = res.resolve(
            prime_name,
            uei=p_uei,
            duns=p_duns,
            parent_uei=row.get("prime_awardee_parent_uei"),
            etype=org_type(prime_name),
        ).iri
        s_uei, s_duns = row.get("subawardee_uei"), row.get("subawardee_duns")
        sub = res.resolve(
            sub_name,
            uei=s_uei,
            duns=s_duns,
            parent_uei=row.get("subawardee_parent_uei"),
            etype=org_type(sub_name),
        ).iri
        if key not in primes:
            primes[key] = dict(
                agency=agency,
                prime=prime,
                amount=prime_amount,
                piid=piid,
                src=src,
                name=prime_name,
                text=row.get("prime_award_base_transaction_description"),
                start=p_start,
                end=p_end,
                signed=p_signed,
                key=award_key(key, piid, code),
            )
        number = row.get("subaward_number")
        text = row.get("subaward_description")
        ctx.record(
            ctx.record_iri("sub", ctx.digest(key, number, s_uei or sub_name, date, amount, text)),
            CG.Contract,
            {CG.buyer: prime, CG.supplier: sub, CG.beneficiary: agency},
            certainty=CG.confirmed,
            sources=[src],
            names_as_written=[sub_name],
            quotes=[text or f"subaward_number: {number}; subawardee_name: {sub_name}"],
            amount=amount,
            amount_kind=CG.subaward,
            date=date,
            purpose=text or None,
            award_id=number or None,
            note=f"Subaward under prime award {piid or key}.",
        )
        modified = None
        try:
            modified = parse_date(row.data.get("subaward_fsrs_report_last_modified_date", ""), "")
        except BadRow:
            pass
        _parent(
            ctx,
            own,
            row,
            "prime_awardee",
            prime_name,
            prime,
            modified or date,
            src,
            ("prime_awardee_parent_name", "prime_awardee_parent_uei", "prime_awardee_parent_duns"),
            (p_uei, p_duns),
        )
        _parent(
            ctx,
            own,
            row,
            "subawardee",
            sub_name,
            sub,
            modified or date,
            src,
            ("subawardee_parent_name", "subawardee_parent_uei", "subawardee_parent_duns"),
            (s_uei, s_duns),
        )
        _subsidiary_of_known_parent(ctx, sub_name, sub, src)
    for p in primes.values():
        quotes = [p["text"] or f"prime_award_piid: {p['piid']}; prime_awardee_name: {p['name']}"]
        has_amount = p["amount"] is not None
        ctx.record(
            ctx.award_record_iri(p["key"], "totalObligated" if has_amount else "no-amount", p["amount"]),
            CG.Contract,
            {CG.buyer: p["agency"], CG.supplier: p["prime"]},
            certainty=CG.confirmed,
            sources=[p["src"]],
            quotes=quotes,
            amount=p["amount"],
            amount_kind=CG.totalObligated,
            award_key=p["key"],
            names_as_written=[p["name"]],
            date=p["signed"],
            start=p["start"],
            end=p["end"],
            purpose=p["text"] or None,
            award_id=p["piid"] or None,
            note="Prime award as the subaward file states it (prime_award_amount).",
        )
    ctx.stats["prime awards"] = len(primes)
    own.emit()
