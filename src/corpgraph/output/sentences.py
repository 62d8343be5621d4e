"""Records as sentences a sub-editor would keep: "In July 2025, Citizens Financial Group provided a USD
450 million revolving credit line to GEO Group."

Each relationship kind's sentence is its ``cg:factTemplate`` in the ontology (the syntax is documented
there, beside the templates); this module only fills templates in.  Dates read at their precision
("In July 2025", "In 2019", "On 11 April 2025"), money as newsrooms write it, and a claim that is not
established carries its certainty's ``cg:hedge`` ("likely", "allegedly") and ``cg:caveat``: an
uncertain claim is never stated as fact.

Money reads ``USD 450 million``: the ISO code before the figure for every currency (``EUR 1,250``), not
``$450 million``, because one form serves a graph of several currencies, never leaves a reader to guess
which dollar, and keeps ``$`` out of pasted copy, where Markdown's math extensions (and CMSs built on
them) read a pair of dollar signs as TeX.  Figures of a million or more are rounded to three
significant digits ("USD 29.9 million"); exact amounts stay in the money tables.

Sentences are plain text: each format escapes them (``output.escape.md`` for Markdown).
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from .numbers import duration, number

if TYPE_CHECKING:
    from ..ontology import Ontology

SPECIAL_PLACEHOLDERS = frozenset({"when", "hedge"})


@dataclass
class FactRecord:
    """What a sentence is made of: a record's kind, its participants by role and its attributes, each
    keyed by the local name of its property (``lender``, ``purpose``, ``amountKind``)."""

    iri: str
    kind: str  # the relationship class IRI
    roles: dict[str, list[str]] = field(default_factory=dict)  # role -> entity labels
    values: dict[str, list[Any]] = field(default_factory=dict)  # attribute -> values
    certainty: str | None = None

    def first(self, name: str) -> Any:
        found = self.values.get(name)
        return found[0] if found else None

    @property
    def dated(self) -> bool:
        """Whether the record says when (its verbs are then in the past tense)."""
        return any(self.first(k) for k in ("date", "endDate", "fiscalYear", "asOf"))


# -- words for dates and money ----------------------------------------------------------------------


def date_words(text: object) -> str:
    """'2025-04-11' -> '11 April 2025', '2025-07' -> 'July 2025', '2019' -> '2019'."""
    s = str(text).strip()
    m = re.fullmatch(r"(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ].*|Z|[+-]\d{2}:\d{2})?", s)
    if not m:
        return s
    year, month, day = m.group(1), m.group(2), m.group(3)
    if month and 1 <= int(month) <= 12:
        name = calendar.month_name[int(month)]
        return f"{int(day)} {name} {year}" if day else f"{name} {year}"
    return year


def _is_day(text: object) -> bool:
    return bool(re.match(r"-?\d{4}-\d{2}-\d{2}", str(text).strip()))


def when_words(record: FactRecord) -> str:
    """When the record happened, as the opening of a sentence: 'In July 2025', 'On 11 April 2025',
    'From March 2021 to July 2025', 'Since 2021', 'Until 2024', 'In fiscal year 2025', 'As of ...';
    '' for an undated record."""
    date, start, end = record.first("date"), record.first("startDate"), record.first("endDate")
    if record.first(
        "fiscalYear"
    ):  # an amount summed over a fiscal year: its date is only the first transaction's
        return f"In fiscal year {date_words(record.first('fiscalYear'))}"
    if date:
        return f"{'On' if _is_day(date) else 'In'} {date_words(date)}"
    if start and end:
        return f"From {date_words(start)} to {date_words(end)}"
    if start:
        return f"Since {date_words(start)}"
    if end:
        return f"Until {date_words(end)}"
    if record.first("asOf"):
        return f"As of {date_words(record.first('asOf'))}"
    return ""


_SCALES = ((Decimal(10) ** 12, "trillion"), (Decimal(10) ** 9, "billion"), (Decimal(10) ** 6, "million"))


def figure_words(value: object) -> str:
    """450000000 -> '450 million', 29898236 -> '29.9 million', 1250 -> '1,250', 3497.06 -> '3,497.06'."""
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not d.is_finite():
        return str(value)
    sign, d = ("minus ", -d) if d < 0 else ("", d)
    for scale, word in _SCALES:
        if d >= scale:
            scaled = d / scale
            places = 2 if scaled < 10 else 1 if scaled < 100 else 0  # three significant digits
            text = f"{scaled:.{places}f}".rstrip("0").rstrip(".") if places else f"{scaled:.0f}"
            return f"{sign}{text} {word}"
    return sign + number(d)


def money_words(amount: object, currency: str | None = None, qualifier: str | None = None) -> str:
    """'USD 450 million', 'more than USD 170 billion', 'EUR 1,250'; '' for no amount."""
    if amount is None or amount == "":
        return ""
    figure = figure_words(amount)
    sign = ""
    if figure.startswith("minus "):
        sign, figure = "minus ", figure[len("minus ") :]
    text = f"{sign}{currency} {figure}" if currency else sign + figure
    return f"{qualifier} {text}" if qualifier else text


def names(items: Iterable[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    items = [str(i) for i in items if str(i).strip()]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# -- templates --------------------------------------------------------------------------------------


@dataclass
class _Text:
    text: str


@dataclass
class _Slot:
    spec: str


@dataclass
class _Optional:
    parts: list


@functools.lru_cache(maxsize=512)
def parse_template(template: str) -> list:
    """The template's parts: text, ``{slots}`` (their fallbacks may hold slots) and ``[optional]`` groups.
    Cached: one parse per template, however many records use it (do not modify the parts)."""
    parts, pos = _parse(template, 0, None)
    if pos != len(template):
        raise ValueError(f"unbalanced ']' at {pos} in fact template {template!r}")
    return parts


def _parse(t: str, pos: int, closer: str | None) -> tuple[list, int]:
    parts: list = []
    buf = ""
    while pos < len(t):
        ch = t[pos]
        if closer and ch == closer:
            break
        if ch == "{":
            depth, end = 1, pos + 1
            while end < len(t) and depth:
                depth += {"{": 1, "}": -1}.get(t[end], 0)
                end += 1
            if depth:
                raise ValueError(f"unclosed '{{' at {pos} in fact template {t!r}")
            if buf:
                parts.append(_Text(buf))
                buf = ""
            parts.append(_Slot(t[pos + 1 : end - 1]))
            pos = end
        elif ch == "[" and closer is None:
            if buf:
                parts.append(_Text(buf))
                buf = ""
            inner, pos = _parse(t, pos + 1, "]")
            if pos >= len(t):
                raise ValueError(f"unclosed '[' in fact template {t!r}")
            parts.append(_Optional(inner))
            pos += 1
        elif ch == "]" and closer is None:
            break
        else:
            buf += ch
            pos += 1
    if buf:
        parts.append(_Text(buf))
    return parts, pos


def slot_kind(spec: str) -> tuple[str, str, tuple[str, ...]]:
    """('name', NAME, ()), ('fallback', NAME, (FALLBACK,)), ('condition', NAME, (YES, NO, UNRECORDED)) or
    ('tense', '', FORMS) for a slot's text."""
    q, bar = spec.find("?"), spec.find("|")
    if q > 0 and (bar < 0 or q < bar) and "{" not in spec[:q]:
        return "condition", spec[:q], _split_branches(spec[q + 1 :])
    if bar > 0:
        return "fallback", spec[:bar], (spec[bar + 1 :],)
    if "/" in spec:
        return "tense", "", tuple(spec.split("/"))
    return "name", spec, ()


def _split_branches(text: str) -> tuple[str, str, str]:
    """'YES:NO:UNRECORDED' split at the colons outside braces and brackets (a branch may hold slots of
    its own); missing branches are empty."""
    parts: list[str] = []
    depth = start = 0
    for i, ch in enumerate(text):
        depth += {"{": 1, "[": 1, "}": -1, "]": -1}.get(ch, 0)
        if ch == ":" and depth == 0 and len(parts) < 2:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    parts += [""] * (3 - len(parts))
    return parts[0], parts[1], parts[2]


def placeholders(template: str) -> set[str]:
    """Every name a template asks for (fallbacks included), for checking it against the ontology."""
    found: set[str] = set()

    def walk(parts: list) -> None:
        for p in parts:
            if isinstance(p, _Optional):
                walk(p.parts)
            elif isinstance(p, _Slot):
                kind, name, extra = slot_kind(p.spec)
                if name:
                    found.add(name)
                if kind in ("fallback", "condition"):
                    for branch in extra:
                        walk(parse_template(branch))

    walk(parse_template(template))
    return found


def _value(record: FactRecord, name: str, onto: Ontology) -> str:
    """The words for one placeholder of ``record``; '' when it has none."""
    if name in record.roles:
        return names(record.roles[name])
    vals = [v for v in record.values.get(name, []) if v is not None and str(v) != ""]
    if name == "amount":
        if vals:
            return money_words(vals[0], record.first("currency"), record.first("amountQualifier"))
        return str(record.first("amountText") or "")
    if name == "value":
        if not vals:
            return ""
        q = record.first("amountQualifier")
        return f"{q} {figure_words(vals[0])}" if q else figure_words(vals[0])
    if not vals:
        return ""
    if name == "amountKind":
        return names(onto.amount_kind_labels.get(str(v), _words(str(v))) for v in vals)
    if name == "duration":
        return names(duration(v) for v in vals)
    if name == "text":
        return " and ".join(f"“{str(v).strip()}”" for v in vals)
    if all(isinstance(v, bool) for v in vals):
        return "yes" if vals[0] else "no"
    return names(str(v).strip() for v in vals)


def _words(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()


def _render(parts: list, record: FactRecord, onto: Ontology, ctx: dict[str, str]) -> tuple[str, bool]:
    """The text of ``parts`` and whether every slot in them had a value."""
    out, complete = [], True
    for p in parts:
        if isinstance(p, _Text):
            out.append(p.text)
        elif isinstance(p, _Optional):
            text, ok = _render(p.parts, record, onto, ctx)
            out.append(text if ok else "")
        else:
            kind, name, extra = slot_kind(p.spec)
            if kind == "tense":
                forms = extra
                pick = forms[1] if record.dated and len(forms) > 1 else forms[0]
                if not record.dated and record.first("startDate") and len(forms) > 2:
                    pick = forms[2]  # a third form for "since ...": {is/was/has been}
                out.append(pick)
                continue
            if name in SPECIAL_PLACEHOLDERS:
                text = ctx[name]
            elif kind == "condition":  # true, or any value that is not a boolean: the first branch
                flag = record.first(name)
                branch = extra[2] if flag is None else extra[0] if _truthy(flag) else extra[1]
                out.append(_render(parse_template(branch), record, onto, ctx)[0] if branch else "")
                continue
            else:
                text = _value(record, name, onto)
            if not text and kind == "fallback":
                text, _ = _render(parse_template(extra[0]), record, onto, ctx)
            if not text and name not in SPECIAL_PLACEHOLDERS:
                complete = False
            out.append(text)
    return "".join(out), complete


def _truthy(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    return str(v).strip().lower() not in ("false", "0", "no", "")


def sentence(record: FactRecord, onto: Ontology) -> str:
    """The record as one sentence, from its kind's ``cg:factTemplate``."""
    template = onto.fact_templates.get(record.kind)
    certainty = record.certainty or ""
    hedge = onto.hedges.get(certainty, "")
    when = when_words(record)
    ctx = {"when": f"{when}, " if when else "", "hedge": f"{hedge} " if hedge else ""}
    if template is None:  # a kind the ontology gives no sentence: its label and participants
        label = onto.kind_labels.get(record.kind, record.kind.rsplit("#", 1)[-1])
        who = "; ".join(f"{role} {names(v)}" for role, v in sorted(record.roles.items()))
        template = "{when}{hedge}" + f"{label}: {who}."
    text, _ = _render(parse_template(template), record, onto, ctx)
    body = re.sub(r"\s+", " ", text).strip()
    # the hedge may sit in a part the record left out: then the sentence still says how certain it is
    hedged = not hedge or re.search(rf"\b{re.escape(hedge)}\b", body, flags=re.I) is not None
    body = re.sub(r"\s+([,.:;)])", r"\1", body).rstrip()
    end = "."
    if body.endswith("."):
        body = body[:-1]
    if re.search(r"[.!?…]”?$", body):  # the words said already end the sentence
        end = ""
    extras = []
    if "attributedTo" in record.roles and "attributedTo" not in (template or ""):
        extras.append(f"according to {names(record.roles['attributedTo'])}")
    if not hedged:
        extras.append(f"certainty: {certainty}")
    if onto.caveats.get(certainty):
        extras.append(onto.caveats[certainty])
    if extras:
        body = body.rstrip(".") + ", " + ", ".join(extras)
        end = "."
    body = body[:1].upper() + body[1:]
    return body + end


__all__ = [
    "FactRecord",
    "date_words",
    "figure_words",
    "money_words",
    "names",
    "parse_template",
    "placeholders",
    "sentence",
    "when_words",
]
