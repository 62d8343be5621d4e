"""Reading the outside files corpgraph imports: CSV dialect quirks, repaired text, amounts, dates.

What the real files contain (see shared/data/real/README.md) and how each is handled here:

* CRLF or LF line endings, newlines inside quoted fields: ``csv`` with ``newline=""``;
* a space before an opening quote (``El Valle Detention Facility, "Raymondville, TX",...``):
  ``skipinitialspace=True``;
* double-encoded UTF-8 ("CRCÃ¢Â‚¬Â„¢S" for "CRC’S"): :func:`repair_text`; zero-width spaces dropped;
* amounts as strings (``"29898236.0"``, ``"7391976"``, ``""``): :func:`parse_amount` -> Decimal;
* dates as ISO ``2025-04-11``, ``M/D/YY`` (two-digit years), ``DD.MM.YYYY`` or empty: :func:`parse_date`;
* ``NA``, ``N/A`` and ``Redacted`` as missing values: :func:`missing`.

A row that cannot be read raises :class:`BadRow` with the field and the reason; the importer adds the
file and line and carries on (or stops under ``--strict``).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..errors import ImportFailed

# progress(done, total): called now and then while a file is read; units are characters of the file.
Progress = Callable[[int, int], None]

MISSING = frozenset({"", "na", "n/a", "null", "none", "redacted", "-none-"})

csv.field_size_limit(16 * 1024 * 1024)


class BadRow(Exception):
    """A row (or one field of it) that cannot be imported."""

    def __init__(self, reason: str, field: str | None = None):
        self.reason, self.field = reason, field
        super().__init__(f"{field}: {reason}" if field else reason)


@dataclass(frozen=True)
class RowError:
    """A bad row as reported to the user: file, line (of the row's first physical line), reason."""

    file: str
    line: int
    reason: str
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


@dataclass
class Row:
    line: int  # physical line the record starts on (the header is line 1)
    # csv.DictReader's row: str keys, plus the key None holding the extra fields of a row wider than its header
    data: dict[Any, Any]

    def get(self, column: str) -> str:
        """The cleaned value, '' when absent or a missing-value marker."""
        value = self.data.get(column)
        if not value or value.strip().casefold() in MISSING:  # missing(), inlined: the hot path
            return ""
        return value


def missing(value: str | None) -> bool:
    return value is None or value.strip().casefold() in MISSING


# -- text -----------------------------------------------------------------------------------------
_TRIPLE = re.compile("Ã¢(?:Â..){2}")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"))


def _undo_triple(match: re.Match[str]) -> str:
    """'Ã¢Â‚¬Â„¢' -> '’': the bytes E2 80 99 went through cp1252 twice, losing the lead bytes' top bits."""
    text = match.group(0)
    try:
        chars = "â" + "".join(
            (b"\xe2" + text[i + 1 : i + 3].encode("cp1252")).decode("utf-8") for i in (2, 5)
        )
        return chars.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def repair_text(value: str) -> str:
    """Undo double-encoded UTF-8 and drop zero-width characters; ASCII passes through untouched."""
    if value.isascii():
        return value
    text = _TRIPLE.sub(_undo_triple, value)
    if "Ã" in text or "â€" in text or "Â" in text:
        try:
            text = text.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return text.translate(_ZERO_WIDTH)


_GOVERNMENT = re.compile(
    r"^(COUNTY|STATE|CITY|TOWN|VILLAGE|TOWNSHIP|COMMONWEALTH|GOVERNMENT) OF |\bCOUNTY$|\bDEPARTMENT OF\b"
)


@functools.lru_cache(maxsize=1 << 16)
def org_type(name: str) -> str:
    """'GovernmentBody' for names that say so ('COUNTY OF ANOKA', 'ANOKA COUNTY', 'STATE OF MINNESOTA'),
    else 'Company' ('COUNTY LINE CONSTRUCTION INC' stays a company)."""
    return "GovernmentBody" if _GOVERNMENT.search(" ".join(name.upper().split())) else "Company"


# -- amounts and dates ------------------------------------------------------------------------------
# No amount in any source comes near a quadrillion; past it a value is a typo or an attack
# (``1e999999999`` is a finite Decimal whose plain form fills a gigabyte).
MAX_AMOUNT = Decimal(10) ** 15
_THOUSANDS = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_PLAIN_NUMBER = re.compile(r"^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,2})?$")
# a plain numeral below MAX_AMOUNT (at most 15 digits before the point): no other check applies
_SIMPLE_AMOUNT = re.compile(r"-?\d{1,15}(?:\.\d{1,20})?").fullmatch


def parse_amount(text: str, field: str = "amount") -> Decimal | None:
    """'29898236.0' -> Decimal('29898236.0'); '$1,200' -> 1200; '' or NA -> None; else BadRow.

    A comma is read only as a thousands separator (``1,234,567.89``): ``1.234,56`` is refused rather
    than guessed.  NaN, infinities and anything of a quadrillion or more are refused too.
    """
    if _SIMPLE_AMOUNT(text):  # '29898236.0', '-1200': what the files mostly hold, read at once
        return Decimal(text)
    if missing(text):
        return None
    cleaned = text.strip().replace("$", "").replace(" ", "")
    if cleaned.startswith("(") and cleaned.endswith(")"):
        cleaned = "-" + cleaned[1:-1]
    if "," in cleaned:
        if not _THOUSANDS.match(cleaned):
            raise BadRow(f"not an amount: {text[:60]!r} (write 1234.56 or 1,234.56)", field)
        cleaned = cleaned.replace(",", "")
    if len(cleaned) > 40 or not _PLAIN_NUMBER.match(cleaned):
        raise BadRow(f"not an amount: {text[:60]!r}", field)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise BadRow(f"not an amount: {text[:60]!r}", field) from None
    if not value.is_finite() or abs(value) >= MAX_AMOUNT:
        raise BadRow(f"not a plausible amount: {text[:60]!r} (more than {MAX_AMOUNT:,.0f})", field)
    if "e" in cleaned.lower():  # xsd:decimal has no exponent: '1.5e3' is written 1500
        value = Decimal(format(value, "f"))
    return value


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
# Two-digit years: 00-69 are 2000-2069, 70-99 are 1970-1999 (USAspending holds no contracts before 1970).
CENTURY_PIVOT = 70


def parse_date(text: str, field: str = "date") -> str | None:
    """An ISO date string from ISO, M/D/YY, M/D/YYYY or DD.MM.YYYY; None when empty; else BadRow."""
    return _parse_date(text, field)


@functools.lru_cache(maxsize=1 << 14)  # a file's dates repeat: each is read once
def _parse_date(text: str, field: str) -> str | None:
    if missing(text):
        return None
    value = text.strip()
    year = month = day = None
    if m := _ISO.match(value):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _US.match(value):
        month, day, year = int(m[1]), int(m[2]), int(m[3])
        if len(m[3]) == 2:
            year += 2000 if year < CENTURY_PIVOT else 1900
    elif m := _DOTTED.match(value):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
    else:
        raise BadRow(f"not a date (ISO, M/D/YY or DD.MM.YYYY): {text!r}", field)
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        raise BadRow(f"no such day: {text!r}", field) from None


# -- files --------------------------------------------------------------------------------------------
def read_text(path: Path) -> str:
    """A file's text: UTF-8 (BOM allowed), falling back to cp1252 for files saved by old spreadsheets."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ImportFailed(f"{path}: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _lines(text: str) -> list[str]:
    """The lines of a CSV text as the csv module reads them: split at \\n, \\r\\n or \\r only
    (``str.splitlines`` also splits at U+2028, U+0085 and other separators that may sit in a field)."""
    return io.StringIO(text, newline="").readlines()


def header_of(path: Path) -> list[str]:
    """The first row of a CSV file, for detecting which shape it has."""
    text = read_text(path)
    first = next(csv.reader(_lines(text)[:1] or [""], skipinitialspace=True), [])
    return [h.strip() for h in first]


def read_csv(path: Path, progress: Progress | None = None, every: int = 2000) -> Iterator[Row]:
    """Rows of a CSV file as :class:`Row` (header row names the columns), text repaired.

    The line of each row is the physical line it starts on, so a record spanning several lines
    (a newline inside quotes) is reported where it begins.  A row with more fields than the header
    raises nothing here: its extra values are kept under the key ``None`` for the importer to reject.
    """
    text = read_text(path)
    total = len(text)
    lines = _lines(text)
    # the reader counts the physical lines it has read (line_num): a row starts on the line after
    # the previous row's last one
    reader = csv.reader(lines, skipinitialspace=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ImportFailed(f"{path}: the file is empty") from None
    width = len(header)
    start = reader.line_num + 1
    n = 0
    counted = chars = 0  # lines whose characters are summed into chars (for progress)
    repair = not text.isascii()  # an ASCII file has nothing to repair
    try:
        for values in reader:
            if not values or (len(values) == 1 and not values[0].strip()):
                start = reader.line_num + 1
                continue
            if repair:
                data: dict = {h: repair_text(v) for h, v in zip(header, values, strict=False)}
            else:
                data = dict(zip(header, values, strict=False))
            if len(values) != width:
                if len(values) > width:
                    data[None] = values[width:]
                else:
                    data[None] = []
                    data["__short__"] = str(len(values))
            yield Row(start, data)
            start = reader.line_num + 1
            n += 1
            if progress and n % every == 0:
                chars += sum(map(len, lines[counted : reader.line_num]))
                counted = reader.line_num
                progress(chars, total)
    except csv.Error as exc:
        raise ImportFailed(f"{path}:{start}: cannot read CSV: {exc}") from None
    if progress:
        progress(total, total)


def check_width(row: Row, header_len: int | None = None) -> None:
    """Raise BadRow when a row has more or fewer fields than the header."""
    if None in row.data:
        if "__short__" in row.data:
            raise BadRow(f"{row.data['__short__']} fields where the header has more")
        extra = len(row.data[None])
        raise BadRow(f"{extra} more field{'s' if extra != 1 else ''} than the header has")
