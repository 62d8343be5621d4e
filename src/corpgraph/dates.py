"""Dates with precision.  A graph date is an xsd:date, xsd:gYearMonth or xsd:gYear literal: its
datatype is its precision, and it stands for the span of days it covers."""

from __future__ import annotations

import calendar
import datetime as dt
import os

from rdflib import Literal
from rdflib.namespace import XSD

from .errors import ExportError


def span(value: Literal | str) -> tuple[dt.date, dt.date]:
    """The first and last day a date of any precision covers: '2025-07' -> (2025-07-01, 2025-07-31)."""
    text = str(value).strip()
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        day = dt.date.fromisoformat(text[:10])
        return day, day
    if len(text) == 7 and text[4] == "-":
        year, month = int(text[:4]), int(text[5:7])
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    if len(text) == 4 and text.isdigit():
        year = int(text)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    raise ValueError(f"not a date, year-month or year: {text!r}")


def parse_as_of(text: str) -> dt.date:
    """A user's --as-of value (YYYY, YYYY-MM or YYYY-MM-DD), taken as its last day."""
    try:
        return span(text)[1]
    except ValueError:
        raise ValueError(f"{text!r} is not a date; use YYYY-MM-DD, YYYY-MM or YYYY") from None


def fiscal_year(day: dt.date) -> int:
    """The US federal fiscal year: FY2025 runs from 2024-10-01 to 2025-09-30."""
    return day.year + 1 if day.month >= 10 else day.year


def date_literal(text: str) -> Literal:
    """'2025-07-15' -> xsd:date, '2025-07' -> xsd:gYearMonth, '2025' -> xsd:gYear."""
    text = text.strip()
    span(text)  # validates
    if len(text) == 4:
        return Literal(text, datatype=XSD.gYear)
    if len(text) == 7:
        return Literal(text, datatype=XSD.gYearMonth)
    return Literal(text[:10], datatype=XSD.date)


def in_force(as_of: dt.date, start: str | None, end: str | None, date: str | None) -> bool:
    """Whether a record was in force on ``as_of``: started (or dated) on or before it and not yet ended.

    A start of month precision counts from the month's first day, an end until its last day, so a
    record is kept whenever its dates could cover ``as_of``.  Undated records count as in force.
    """
    begin = start or date
    if begin and span(begin)[0] > as_of:
        return False
    return not (end and span(end)[1] < as_of)


def generated_at() -> dt.datetime:
    """When an export or map is made (UTC, whole seconds).  $SOURCE_DATE_EPOCH (seconds since 1970, the
    reproducible-builds.org convention) fixes it, so that two exports of one selection are identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise ExportError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {epoch!r}") from None
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
