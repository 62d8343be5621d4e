"""Detention facilities and the companies that run them: two lists, told apart by the header.

``icefacs``
    ICE's facility list with statistics as the Torn Apart project published it (``iceFacs.csv``:
    ``DETLOC``, ``Name``, ``City``, ``State``, ``Facility.Operator`` ...).  Rows whose ``DETLOC`` is
    ``Redacted`` are skipped (no identity to key them on); so are operators that name no one
    (``COUNTY (SHERIFF)``, ``CITY``, ``FEDERAL``, ``HOSPITAL`` ...) and empty ones.  Operator codes
    resolve through the variant table (``GEO`` -> GEO Group, ``CCA`` -> CoreCivic, ``M&TC`` ->
    Management & Training Corporation); other codes become entities named by the code.
``operators``
    A facility -> management company table (``Facility Name``, ``Location``, ``Management``), such
    as CarwilB/ice-detention's ``contractors-patch-fy26.csv``.  Facilities join those of the other
    list by whole normalised name in the same state.

Each operated facility becomes a ``cg:Facility`` and a ``cg:Operation`` record operator -> facility,
citing the list (certainty reported) and quoting the row's name and operator fields.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ImportFailed
from ..vocab import CG
from .common import BadRow, header_of, parse_date
from .context import Dataset, ImportContext

GENERIC_OPERATORS = frozenset(
    {
        "COUNTY",
        "COUNTY (SHERIFF)",
        "COUNTY (CORRECTIONS)",
        "COUNTY (JAILER)",
        "COUNTY (PRISON)",
        "CITY",
        "FEDERAL",
        "HOSPITAL",
        "HOTEL",
        "STATE",
        "PRIVATE",
        "OTHER",
    }
)
KNOWN_FILES = {
    "iceFacs.csv": Dataset(
        "https://github.com/xpmethod/torn-apart-open-data/blob/724e7c45e17740deb4d3bfe261c5383474bc36a2/iceFacs.csv",
        "Torn Apart / Separados: ICE detention facilities (iceFacs.csv)",
        "xpmethod (Torn Apart / Separados)",
    ),
    "contractors-patch-fy26.csv": Dataset(
        "https://github.com/CarwilB/ice-detention/blob/e6e096c1d5b8b9120525dd8db0c419b24da77caf/"
        "data/contractors-patch-fy26.csv",
        "ICE detention: FY26 facility management company corrections (contractors-patch-fy26.csv)",
        "CarwilB/ice-detention",
    ),
}


def dataset_for(ctx: ImportContext, default_title: str) -> Dataset:
    known = KNOWN_FILES.get(ctx.path.name)
    if known:
        return known
    return Dataset(ctx.path.resolve().as_uri(), f"{default_title} ({ctx.path.name})", "unknown publisher")


# The shapes in the order a folder's facility lists are resolved (folder_resolution): the list
# with ICE's DETLOC codes first, then the lists that name facilities by name and place only.
SHAPES = ("icefacs", "operators")


def shape_of(path: Path) -> str:
    """'icefacs' or 'operators', from the file's header; '' for neither."""
    header = set(header_of(path))
    if {"DETLOC", "Name", "Facility.Operator"} <= header:
        return "icefacs"
    if {"Facility Name", "Management"} <= header:
        return "operators"
    return ""


def run(ctx: ImportContext) -> None:
    ctx.shape = shape_of(ctx.path)
    if ctx.shape == "icefacs":
        _icefacs(ctx)
    elif ctx.shape == "operators":
        _operators(ctx)
    else:
        raise ImportFailed(
            f"{ctx.path}: not a facility list this importer knows: expected the columns "
            "DETLOC, Name, Facility.Operator (iceFacs.csv) or Facility Name, Location, Management"
        )


def _operator_code(code: str) -> str:
    """'AHTNA (GUARD)' -> 'AHTNA': the role in parentheses is not part of the name."""
    return code.split("(")[0].strip() if code.endswith(")") and "(" in code else code


def _icefacs(ctx: ImportContext) -> None:
    res = ctx.resolver
    src = ctx.dataset_source(dataset_for(ctx, "ICE detention facilities"))
    for row in ctx.rows():
        try:
            detloc = row.get("DETLOC")
            if not detloc:
                ctx.skip("facility redacted (no DETLOC)")
                continue
            operator = " ".join(row.get("Facility.Operator").split())
            if not operator:
                ctx.skip("no operator")
                continue
            if operator.upper() in GENERIC_OPERATORS:
                ctx.skip("operator names no one (county, city, federal ...)")
                continue
            name = row.get("Name")
            if not name:
                raise BadRow("no facility name", "Name")
            last_use = parse_date(row.data.get("Date.of.Last.Use", ""), "Date.of.Last.Use")
        except BadRow as exc:
            ctx.bad(row, exc)
            continue
        city, state = row.get("City"), row.get("State")
        place = ", ".join(x for x in (city, state) if x)
        fac = res.resolve_facility(name, place, detloc).iri
        op = res.resolve(_operator_code(operator), etype="Company").iri
        kind = row.get("Type.Detailed") or row.get("Type")
        ctx.record(
            ctx.record_iri("op", detloc, name),
            CG.Operation,
            {CG.operator: op, CG.asset: fac},
            certainty=CG.reported,
            sources=[src],
            quotes=[f"DETLOC: {detloc}; Name: {name}; Facility.Operator: {operator}"],
            names_as_written=[operator],
            date=last_use,
            note=(f"Facility type {kind}. " if kind else "") + "Dated with the list's Date.of.Last.Use.",
        )
        ctx.stats["facilities"] += 1


def _operators(ctx: ImportContext) -> None:
    res = ctx.resolver
    src = ctx.dataset_source(dataset_for(ctx, "Detention facility operators"))
    for row in ctx.rows():
        try:
            name = row.get("Facility Name")
            manager = " ".join(row.get("Management").split())
            if not name:
                raise BadRow("no facility name", "Facility Name")
            if not manager:
                raise BadRow("no management company", "Management")
        except BadRow as exc:
            ctx.bad(row, exc)
            continue
        place = " ".join(row.get("Location").split())
        fac = res.resolve_facility(name, place).iri
        op = res.resolve(manager, etype="Company").iri
        ctx.record(
            ctx.record_iri("op", name, place),
            CG.Operation,
            {CG.operator: op, CG.asset: fac},
            certainty=CG.reported,
            sources=[src],
            quotes=[f"Facility Name: {name}; Location: {place}; Management: {manager}"],
            names_as_written=[manager],
        )
        ctx.stats["facilities"] += 1
