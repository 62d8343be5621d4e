"""What an importer works with: the output graph, the resolver, bad rows, counts, record helpers."""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD
from rdflib.term import Node

from ..dates import date_literal
from ..entity_resolution import Resolver
from ..names import slugify
from ..vocab import CG, PREFIXES, REC, SCHEMA, SRC
from .common import BadRow, Progress, Row, RowError, check_width, read_csv
from .turtle import abbreviated, object_text, quoted, text_triple


class Triples:
    """The triples an import produces, kept as text and grouped by subject: for each subject the
    set of its ``(predicate, object)`` strings, in the form :mod:`corpgraph.importers.turtle` writes
    (see its module doc), so that an import builds no rdflib term per triple, the writer finds each
    subject's statements together (no pass over every triple to group them), and its Turtle is
    joined from strings.

    :meth:`add_statements` (one subject, many statements) and :meth:`update_text` (text triples) are
    the importers' fast paths; :meth:`add`, iteration, ``len`` and ``in`` speak rdflib triples (the
    part of the Graph API the importers and the backends use), and :meth:`to_graph` gives an rdflib
    Graph for a backend or a test.
    """

    def __init__(self) -> None:
        self._by_subject: dict[str, set[tuple[str, str]]] = {}
        self._count = 0

    def add_statements(self, subject: str, statements: Iterable[tuple[str, str]]) -> None:
        """Add ``(predicate, object)`` text pairs about one subject (a triple already held is kept once)."""
        have = self._by_subject.get(subject)
        if have is None:
            have = self._by_subject[subject] = set(statements)
            self._count += len(have)
        else:
            before = len(have)
            have.update(statements)
            self._count += len(have) - before

    def update_text(self, triples: Iterable[tuple[str, str, str]]) -> None:
        """Add text triples ``(subject, predicate, object)``."""
        by, n = self._by_subject, 0
        for s, p, o in triples:
            have = by.get(s)
            if have is None:
                by[s] = {(p, o)}
                n += 1
            elif (p, o) not in have:
                have.add((p, o))
                n += 1
        self._count += n

    def add(self, triple: tuple[Node, Node, Node]) -> None:
        self.update_text((text_triple(triple),))

    def by_subject(self) -> dict[str, set[tuple[str, str]]]:
        """Each subject's ``(predicate, object)`` text pairs (the store itself, not a copy)."""
        return self._by_subject

    def text(self) -> set[tuple[str, str, str]]:
        """The text triples, as a new set of ``(subject, predicate, object)``."""
        return {(s, p, o) for s, pairs in self._by_subject.items() for p, o in pairs}

    def turtle_lines(self) -> Iterator[str]:
        """Each triple as one Turtle statement (under :data:`corpgraph.vocab.PREFIXES`)."""
        for s, pairs in self._by_subject.items():
            subject = s if s.startswith("_:") else f"<{s}>"
            for p, o in pairs:
                yield f"{subject} <{p}> {o} ."

    def __iter__(self) -> Iterator[tuple[Node, Node, Node]]:
        """The triples as rdflib terms, read back by Oxigraph's parser (a bad IRI is a SyntaxError)."""
        import pyoxigraph as ox

        from ..backend.oxigraph_store import from_ox

        head = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())
        text = head + "\n".join(self.turtle_lines()) + "\n"
        cache: dict[Any, Node] = {}
        for t in ox.parse(text.encode("utf-8"), ox.RdfFormat.TURTLE):
            yield from_ox(t.subject, cache), from_ox(t.predicate, cache), from_ox(t.object, cache)

    def __len__(self) -> int:
        return self._count

    def __contains__(self, triple: object) -> bool:
        try:
            s, p, o = text_triple(triple)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
        return (p, o) in self._by_subject.get(s, ())

    def to_graph(self) -> Graph:
        g = Graph()
        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns, override=True)
        add = g.add
        for t in self:
            add(t)
        return g


# Vocabulary terms looked up once (attribute access on the closed CG namespace is slow in a hot loop).
_TYPE, _CERTAINTY, _SOURCE, _QUOTE = RDF.type, CG.certainty, CG.source, CG.quote
_AMOUNT, _CURRENCY, _AMOUNT_KIND, _CONTRACT_VALUE = CG.amount, CG.currency, CG.amountKind, CG.contractValue
_DATE, _START, _END = CG.date, CG.startDate, CG.endDate
_PURPOSE, _AWARD_ID, _NOTE = CG.purpose, CG.awardId, CG.note
_AWARD_KEY, _AS_OF, _FISCAL_YEAR, _NAME_AS_WRITTEN = CG.awardKey, CG.asOf, CG.fiscalYear, CG.nameAsWritten
_SOURCE_CLASS, _URL, _TITLE, _PUBLISHER = CG.Source, SCHEMA.url, DCTERMS.title, DCTERMS.publisher
_ISSUED, _SOURCE_KIND, _ANY_URI = DCTERMS.issued, CG.sourceKind, XSD.anyURI
REC_BASE, SRC_BASE = str(REC), str(SRC)
_plain = functools.lru_cache(maxsize=1024)(Literal)
_new_str = str.__new__


def _fast_plain(text: str) -> Literal:
    lit = _new_str(Literal, text)
    lit._language = None
    lit._datatype = None
    lit._value = text
    lit._ill_typed = None
    return lit


def _fast_any_uri(url: str) -> Literal:
    lit = _new_str(Literal, url)
    lit._language = None
    lit._datatype = _ANY_URI
    lit._value = url
    lit._ill_typed = False
    return lit


def _same_terms(fast: Callable[[str], Literal], slow: Callable[[str], Literal]) -> bool:
    """Whether ``fast`` builds the very term rdflib's constructor builds: every slot equal."""
    try:
        for text in ("text", "Caf\u00e9 & Co", "https://example.org/a?b=1"):
            a, b = fast(text), slow(text)
            if type(a) is not type(b) or a != b or hash(a) != hash(b) or a.n3() != b.n3():
                return False
            if any(getattr(a, slot) != getattr(b, slot) for slot in Literal.__slots__):
                return False
    except (AttributeError, TypeError):
        return False
    return True


def _slow_any_uri(url: str) -> Literal:
    return Literal(url, datatype=_ANY_URI)


# The fast builders set rdflib's slots themselves (8x faster than the constructor, the hot loop of an
# import).  They are used only when they build exactly what the constructor builds, checked once here,
# so an rdflib release that changes its slots costs speed, never a wrong term.
FAST_LITERALS = _same_terms(_fast_plain, Literal) and _same_terms(_fast_any_uri, _slow_any_uri)
plain_literal: Callable[[str], Literal] = _fast_plain if FAST_LITERALS else Literal
any_uri_literal: Callable[[str], Literal] = _fast_any_uri if FAST_LITERALS else _slow_any_uri


_date = functools.lru_cache(maxsize=1 << 14)(date_literal)
_XSD_DECIMAL = XSD.decimal
_decimal = functools.lru_cache(maxsize=1 << 16)(lambda text: Literal(text, datatype=_XSD_DECIMAL))


def _fast_iri(value: str) -> URIRef:
    # URIRef's constructor only adds a logged warning for a doubtful IRI; the writer checks every IRI
    return _new_str(URIRef, value)


_iri: Callable[[str], URIRef] = (
    _fast_iri if _fast_iri("urn:x") == URIRef("urn:x") and type(_fast_iri("urn:x")) is URIRef else URIRef
)

# -- terms as the text the writer prints (see importers.turtle): the hot path of an import ---------
_T_TYPE, _T_CERTAINTY, _T_SOURCE, _T_QUOTE = str(_TYPE), str(_CERTAINTY), str(_SOURCE), str(_QUOTE)
_T_AMOUNT, _T_CURRENCY, _T_AMOUNT_KIND = str(_AMOUNT), str(_CURRENCY), str(_AMOUNT_KIND)
_T_CONTRACT_VALUE = f"<{_CONTRACT_VALUE}>"
_T_DATE, _T_START, _T_END = str(_DATE), str(_START), str(_END)
_T_PURPOSE, _T_AWARD_ID, _T_NOTE = str(_PURPOSE), str(_AWARD_ID), str(_NOTE)
_T_AWARD_KEY, _T_AS_OF, _T_FISCAL_YEAR = str(_AWARD_KEY), str(_AS_OF), str(_FISCAL_YEAR)
_T_NAME_AS_WRITTEN, _T_SOURCE_CLASS, _T_URL = str(_NAME_AS_WRITTEN), f"<{_SOURCE_CLASS}>", str(_URL)
_T_TITLE, _T_PUBLISHER, _T_ISSUED, _T_SOURCE_KIND = (
    str(_TITLE),
    str(_PUBLISHER),
    str(_ISSUED),
    str(_SOURCE_KIND),
)
_T_ANY_URI = "^^" + abbreviated(str(_ANY_URI))
_T_DECIMAL = "^^" + abbreviated(str(_XSD_DECIMAL))
_PLAIN_DECIMAL = re.compile(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$").match


@functools.lru_cache(maxsize=1 << 14)
def _date_text(text: str) -> str:
    return object_text(date_literal(text))


def _decimal_text(text: str) -> str:
    """``str(amount)`` as an xsd:decimal literal's text: a plain numeral is written as it is (as rdflib
    keeps it); any other form (``1E+3``, ``.5``) as rdflib's literal normalises it."""
    if _PLAIN_DECIMAL(text):
        return f'"{text}"{_T_DECIMAL}'
    return object_text(_decimal(text))


def _object_of(value: str | Literal | URIRef) -> str:
    """An ``extra`` object: an IRI or a literal, as text."""
    return object_text(value)


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def fast_slug(text: str) -> str:
    """``names.slugify`` with a fast path for ASCII text (the same result, without Unicode folding)."""
    if text.isascii():
        return _NOT_SLUG.sub("-", text.lower().replace("&", " and ")).strip("-") or "unnamed"
    return slugify(text)


@functools.lru_cache(maxsize=256)
def _record_key(cls: str) -> str:
    return f"records: {cls.rsplit('#', 1)[-1]}"


@dataclass(frozen=True)
class Dataset:
    """Where a whole file comes from, cited by records that have no page of their own."""

    url: str
    title: str
    publisher: str
    issued: str | None = None


@dataclass
class ImportContext:
    kind: str
    path: Path
    part: str  # 'imports/<kind>-<file slug>': the file (and named part) this import writes
    resolver: Resolver
    progress: Progress | None = None
    backend: Any = None  # the Backend names were resolved against (for importers that read the ontology)
    graph: Triples = field(default_factory=Triples)
    errors: list[RowError] = field(default_factory=list)
    stats: Counter = field(default_factory=Counter)
    shape: str = ""
    seen_pairs: set[tuple[str, str]] = field(default_factory=set)
    # the transactions of the awards written (see importers.matches): kept beside the part, so a
    # curated record imported later is compared with them as an award import compares it now
    moves: list[tuple[str, ...]] = field(default_factory=list)
    _sources: set[URIRef] = field(default_factory=set)

    @property
    def slug(self) -> str:
        return self.part.rsplit("/", 1)[-1]

    # -- problems ---------------------------------------------------------------------------------
    def bad(self, row: Row | int, exc: BadRow | str, field_name: str | None = None) -> None:
        line = row.line if isinstance(row, Row) else row
        if isinstance(exc, BadRow):
            self.errors.append(RowError(self.path.name, line, exc.reason, exc.field))
        else:
            self.errors.append(RowError(self.path.name, line, str(exc), field_name))
        self.stats["bad rows"] += 1

    def rows(self, every: int = 2000) -> Iterator[Row]:
        """The file's rows, counted; a row with more or fewer fields than the header is reported and skipped."""
        for row in read_csv(self.path, self.progress, every=every):
            self.stats["rows read"] += 1
            try:
                check_width(row)
            except BadRow as exc:
                self.bad(row, exc)
                continue
            yield row

    def skip(self, reason: str) -> None:
        self.stats[f"skipped: {reason}"] += 1

    # -- IRIs -------------------------------------------------------------------------------------
    def record_iri(self, *parts: str) -> URIRef:
        """A record IRI unique to this import: 'rec:<kind>-<file>-<parts>'."""
        return _iri(REC_BASE + "-".join([self.slug, *(fast_slug(p) for p in parts)]))

    def award_record_iri(
        self, key: str, kind: str, amount: Decimal | None = None, fiscal_year: str = ""
    ) -> URIRef:
        """The same IRI for the same amount of the same award, whichever file states it.

        'rec:award-70cdcr25fr0000011-7012-70cdcr20d00000007-7012-fy2025-fiscalyearobligation-<digest>':
        from the award key (:func:`corpgraph.importers.usaspending.award_key`),
        the amount kind (and fiscal year) and the amount itself, never the file, so two files stating
        one amount of one award write one record (with both sources); two files stating different
        amounts of one kind write two records of one award, of which the later counts
        (:mod:`corpgraph.awards`).
        """
        parts = ["award", fast_slug(key.removeprefix("CONT_AWD_")), fast_slug(kind)]
        if fiscal_year:
            parts.insert(-1, f"fy{fiscal_year}")
        if amount is not None:
            parts.append(self.digest(amount.normalize())[:8])
        return _iri(REC_BASE + "-".join(parts))

    @staticmethod
    def digest(*values: object) -> str:
        return hashlib.sha1("\x1f".join(str(v) for v in values).encode("utf-8")).hexdigest()[:12]

    # -- sources ----------------------------------------------------------------------------------
    def source(
        self,
        iri: URIRef,
        url: str,
        title: str,
        publisher: str,
        issued: str | None = None,
        kind: str = "record",
    ) -> URIRef:
        if iri not in self._sources:
            self._sources.add(iri)
            st = [
                (_T_TYPE, _T_SOURCE_CLASS),
                (_T_URL, quoted(url) + _T_ANY_URI),
                (_T_TITLE, quoted(title)),
                (_T_PUBLISHER, quoted(publisher)),
                (_T_SOURCE_KIND, quoted(kind)),
            ]
            if issued:
                st.append((_T_ISSUED, _date_text(issued)))
            self.graph.add_statements(str(iri), st)
        return iri

    def usaspending_source(self, award_key: str, piid: str = "") -> URIRef:
        """The award's page on USAspending.gov, the primary record every USAspending row comes from."""
        key = award_key.strip().strip("/")
        return self.source(
            _iri(SRC_BASE + "usaspending-award-" + fast_slug(key)),
            f"https://www.usaspending.gov/award/{key}",
            f"USAspending.gov award {piid or key}",
            "USAspending.gov",
        )

    def dataset_source(self, ds: Dataset) -> URIRef:
        return self.source(
            SRC["dataset-" + slugify(ds.url.split("://", 1)[-1])[:120]],
            ds.url,
            ds.title,
            ds.publisher,
            ds.issued,
            kind="dataset",
        )

    # -- records ----------------------------------------------------------------------------------
    def record(
        self,
        iri: URIRef,
        cls: URIRef,
        roles: Mapping[URIRef, str | Iterable[str]],
        *,
        certainty: URIRef,
        sources: Iterable[URIRef],
        quotes: Iterable[str] = (),
        amount: Decimal | None = None,
        amount_kind: URIRef | None = None,
        currency: str = "USD",
        date: str | None = None,
        start: str | None = None,
        end: str | None = None,
        purpose: str | None = None,
        award_id: str | None = None,
        note: str | None = None,
        award_key: str | None = None,
        as_of: str | None = None,
        fiscal_year: str | None = None,
        names_as_written: Iterable[str] = (),
        extra: Iterable[tuple[URIRef, Literal | URIRef]] = (),
    ) -> URIRef:
        st = [(_T_TYPE, f"<{cls}>"), (_T_CERTAINTY, f"<{certainty}>")]
        add = st.append
        for prop, who in roles.items():
            p = str(prop)
            if isinstance(who, str):
                add((p, f"<{who}>"))
            else:
                for w in who:
                    add((p, f"<{w}>"))
        for src in sources:
            add((_T_SOURCE, f"<{src}>"))
        for q in quotes:
            if q:
                q = q.strip()
                if q:
                    add((_T_QUOTE, quoted(q)))
        if amount is not None:
            add((_T_AMOUNT, _decimal_text(str(amount))))
            add((_T_CURRENCY, quoted(currency)))
            add((_T_AMOUNT_KIND, f"<{amount_kind}>" if amount_kind else _T_CONTRACT_VALUE))
        if date:
            add((_T_DATE, _date_text(date)))
        if start:
            add((_T_START, _date_text(start)))
        if end:
            add((_T_END, _date_text(end)))
        if purpose:
            purpose = purpose.strip()
            if purpose:
                add((_T_PURPOSE, quoted(purpose)))
        if award_id:
            add((_T_AWARD_ID, quoted(award_id)))
        if note:
            add((_T_NOTE, quoted(note)))
        if award_key:
            add((_T_AWARD_KEY, quoted(award_key)))
        if as_of:
            add((_T_AS_OF, _date_text(as_of)))
        if fiscal_year:
            add((_T_FISCAL_YEAR, _date_text(fiscal_year)))
        for name in names_as_written:
            add((_T_NAME_AS_WRITTEN, quoted(name)))
        for p_, o in extra:
            add((str(p_), _object_of(o)))
        self.graph.add_statements(str(iri), st)
        self.stats[_record_key(cls)] += 1
        return iri


@dataclass
class _Owned:
    dates: set[str] = field(default_factory=set)
    sources: set[URIRef] = field(default_factory=set)
    quotes: set[str] = field(default_factory=set)


class Ownerships:
    """Parent -> subsidiary links gathered over many rows; one ownership record per pair.

    The record is dated with the latest date a row gave (the last time the source stated the link);
    the span of dates goes into the note.  A parent whose name is the recipient's own name in other
    punctuation, or with the recipient's own identifier, is never a link (see :meth:`add`).
    """

    MAX_SOURCES = 5

    def __init__(self, ctx: ImportContext, certainty: URIRef):
        self.ctx, self.certainty = ctx, certainty
        self.pairs: dict[tuple[str, str], _Owned] = {}

    def add(self, owner: str, subsidiary: str, *, date: str | None, source: URIRef, quote: str) -> None:
        if owner == subsidiary:
            self.ctx.skip("parent is the recipient itself")
            return
        item = self.pairs.setdefault((owner, subsidiary), _Owned())
        if date:
            item.dates.add(date)
        item.sources.add(source)
        item.quotes.add(quote)

    def emit(self, note: str = "") -> None:
        from ..vocab import local_name

        for (owner, sub), item in sorted(self.pairs.items()):
            dates = sorted(item.dates)
            text = note
            if len(dates) > 1:
                text = (text + " " if text else "") + f"Stated in rows dated {dates[0]} to {dates[-1]}."
            self.ctx.record(
                self.ctx.record_iri("own", local_name(owner), local_name(sub)),
                CG.Ownership,
                {CG.owner: owner, CG.subsidiary: sub},
                certainty=self.certainty,
                sources=sorted(item.sources)[: self.MAX_SOURCES],
                quotes=sorted(item.quotes)[:3],
                date=dates[-1] if dates else None,
                note=text or None,
            )
