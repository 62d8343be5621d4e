"""Numbers, money, durations and counts for people: the one place they are worded.

* money: ``$450,000,000``, ``-$100,235.21`` (the sign before the symbol), ``EUR 1,250`` and ``-EUR 5``
  for other currencies; whole amounts without cents, others with two decimals;
* counts: ``1 hop``, ``2 hops``, ``1,234 entities`` (``plural``);
* durations: ISO 8601 ``P10Y`` reads ``10 years``, ``P1Y6M`` ``1 year 6 months``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation


def number(value: Decimal | float | int | str | None) -> str:
    """1234567.5 -> '1,234,567.50'; whole numbers without decimals; '' for None."""
    if value is None or value == "":
        return ""
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not d.is_finite():
        return str(value)
    return f"{d:,.0f}" if d == d.to_integral_value() else f"{d:,.2f}"


def money(amount: Decimal | float | int | str | None, currency: str | None = None) -> str:
    """An amount with its currency: '$1,250', '-$100,235.21', 'EUR 1,250', '-EUR 5'; '' for None."""
    if amount is None or amount == "":
        return ""
    return with_currency(number(amount), currency)


def with_currency(figure: str, currency: str | None) -> str:
    """A written figure ('-3,497.06', '305.8M') with its currency: '-$3,497.06', 'EUR 305.8M'."""
    sign = ""
    if figure.startswith("-"):
        sign, figure = "-", figure[1:]
    if currency in (None, ""):
        return sign + figure
    if currency == "USD":
        return f"{sign}${figure}"
    return f"{sign}{currency} {figure}"


def hedged_money(
    amount: Decimal | float | int | str | None, currency: str | None = None, qualifier: str | None = None
) -> str:
    """'more than $5,000,000': an amount with its hedge ("more than", "about") when there is one."""
    text = money(amount, currency)
    return f"{qualifier} {text}" if qualifier and text else text


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 hop', '2 hops', '1,234 entities' (give ``many`` when adding an s is wrong)."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


_DURATION = re.compile(
    r"P(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?(?:(?P<weeks>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)
_UNITS = (
    ("years", "year"),
    ("months", "month"),
    ("weeks", "week"),
    ("days", "day"),
    ("hours", "hour"),
    ("minutes", "minute"),
    ("seconds", "second"),
)


def duration(value: object) -> str:
    """An ISO 8601 duration in words: 'P10Y' -> '10 years', 'P1Y6M' -> '1 year 6 months'.  Anything
    that is not such a duration is returned as it is."""
    text = str(value).strip()
    m = _DURATION.fullmatch(text)
    if not m or text in ("P", "PT"):
        return text
    parts = []
    for group, word in _UNITS:
        amount = m.group(group)
        if amount is None:
            continue
        n = Decimal(amount)
        count = f"{n.normalize():f}"
        parts.append(f"{count} {word if n == 1 else word + 's'}")
    return " ".join(parts) if parts else text


def compact_money(amount: Decimal, currency: str | None = None) -> str:
    """305812345 -> '$305.8M', 1070000000 -> '$1.07B', 62013.29 -> '$62,013'; exact below a thousand."""
    a = abs(amount)
    sign = "-" if amount < 0 else ""
    for size, suffix, places in ((Decimal(10) ** 9, "B", 2), (Decimal(10) ** 6, "M", 1)):
        if a >= size:
            text = f"{a / size:.{places}f}".rstrip("0").rstrip(".")
            return with_currency(sign + text + suffix, currency)
    if a >= 1000:
        return with_currency(f"{sign}{a:,.0f}", currency)
    return money(amount, currency)


__all__ = ["compact_money", "duration", "hedged_money", "money", "number", "plural", "with_currency"]
