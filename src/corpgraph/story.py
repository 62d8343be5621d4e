"""Stories: a map read step by step (``corpgraph map --story FILE``), as Oligrapher's annotations do.

A story file is a small Markdown file; no markup in it is interpreted, captions stay plain text::

    # How AWS reaches ICE                      <- the story's title (optional)

    What the reader sees first (optional).

    ## AWS hosts ICE's case system            <- one step per "## " heading, in order
    highlight: AWS, Investigative Case Management
    records: rec:aws-hosts-icm
    fade: others

    The caption: one or more paragraphs of plain text.

The lines right under a heading, up to the first blank line, are the step's fields:

* ``highlight:`` entities, by any name, alias, slug or IRI (as every command takes them), comma-separated
  (quote a name that holds a comma: ``"GEO Group, Inc."``);
* ``records:`` relationship records, by IRI, ``rec:slug`` or slug; each is listed under the caption
  with its sources, and its line on the map is highlighted;
* ``fade:`` ``others`` (the default: everything not highlighted is faded) or ``none``;
* ``focus:`` entities to centre the view on (default: what the step highlights).

Every name is resolved against the graph and must be on the map; a mistake is a ``StoryError`` naming
the file, line and field (an unknown entity with close matches).  The result is the map document's
``story`` key, drawn by ``web/static/story.js``.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AmbiguousEntity, CorpgraphError, UnknownEntity
from .vocab import REC, local_name

if TYPE_CHECKING:
    from .backend import Backend
    from .subgraph import Subgraph

FIELDS = ("highlight", "records", "fade", "focus")
FADE_VALUES = ("others", "none")
MAX_BYTES = 1 << 20
MAX_STEPS = 500
_FIELD_LINE = re.compile(r"^([A-Za-z][A-Za-z_-]*)\s*:\s*(.*)$")


class StoryError(CorpgraphError):
    """A story file that cannot be used: names the file, line and field."""

    def __init__(self, path: str, line: int | None, message: str, field_name: str | None = None):
        self.path, self.line, self.field = path, line, field_name
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {field_name + ': ' if field_name else ''}{message}")


@dataclass
class RawStep:
    """A step as written: its heading, fields (name -> [(line, value)]) and caption paragraphs."""

    title: str
    line: int
    fields: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    caption: list[str] = field(default_factory=list)


@dataclass
class RawStory:
    path: str
    title: str | None
    intro: list[str]
    steps: list[RawStep]


def _paragraphs(lines: list[str]) -> list[str]:
    out, cur = [], []
    for ln in [*lines, ""]:
        if ln.strip():
            cur.append(ln.strip())
        elif cur:
            out.append(" ".join(cur))
            cur = []
    return out


def parse_story(text: str, path: str = "<story>") -> RawStory:
    """Split a story file into its title, intro and steps (names are resolved by ``story_document``)."""
    title: str | None = None
    intro: list[str] = []
    steps: list[RawStep] = []
    body: list[str] = []
    in_fields = False

    def close() -> None:
        if steps:
            steps[-1].caption = _paragraphs(body)
        body.clear()

    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if line.startswith("## ") or line == "##":
            close()
            heading = line[2:].strip()
            if not heading:
                raise StoryError(path, n, "a step heading needs a title ('## What this step shows')")
            steps.append(RawStep(heading, n))
            in_fields = True
            if len(steps) > MAX_STEPS:
                raise StoryError(path, n, f"more than {MAX_STEPS} steps")
            continue
        if not steps:
            if line.startswith("# ") and title is None and not any(x.strip() for x in intro):
                title = line[2:].strip()
            else:
                intro.append(line)
            continue
        if in_fields:
            if not line.strip():
                in_fields = False
                continue
            m = _FIELD_LINE.match(line.strip())
            if m is None:
                in_fields = False  # the caption starts right under the heading
            else:
                key = m.group(1).lower()
                if key not in FIELDS:
                    raise StoryError(
                        path,
                        n,
                        f"unknown field {m.group(1)!r}: a step's fields are {', '.join(FIELDS)} "
                        "(leave a blank line between the fields and the caption)",
                    )
                steps[-1].fields.setdefault(key, []).append((n, m.group(2).strip()))
                continue
        body.append(line)
    close()
    if not steps:
        raise StoryError(path, None, "no steps: each step starts with a '## ' heading")
    return RawStory(path, title, _paragraphs(intro), steps)


def read_story(path: str | Path) -> RawStory:
    p = Path(path)
    try:
        raw = p.read_bytes() if p.stat().st_size <= MAX_BYTES else None
    except OSError as exc:
        raise StoryError(str(p), None, f"cannot read it: {exc.strerror or exc}") from None
    if raw is None:
        raise StoryError(str(p), None, f"more than {MAX_BYTES:,} bytes: not a story file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StoryError(str(p), raw.count(b"\n", 0, exc.start) + 1, "not UTF-8") from None
    return parse_story(text, str(p))


def _names(value: str) -> list[str]:
    """'AWS, "GEO Group, Inc.", ICE' -> ['AWS', 'GEO Group, Inc.', 'ICE']."""
    row = next(csv.reader([value], skipinitialspace=True), [])
    return [x.strip() for x in row if x.strip()]


def story_document(story: RawStory, sub: Subgraph, backend: Backend) -> dict[str, Any]:
    """The map document's ``story``: each step with the entity IRIs and record IRIs it highlights,
    whether it fades the rest, what to focus on, its caption, and its facts (each highlighted record
    as a sentence with its date, amount, certainty, quotes and sources)."""
    from .resolve import EntityIndex

    index = EntityIndex.from_backend(backend)
    g = sub.net
    records = {k: (u, v, d) for u, v, k, d in g.edges(keys=True, data=True)}
    slugs: dict[str, list[str]] = {}
    for rec in records:
        slugs.setdefault(local_name(rec), []).append(rec)

    def label(iri: str) -> str:
        return str(g.nodes[iri].get("label") or local_name(iri)) if iri in g else local_name(iri)

    def entity(name: str, n: int, fld: str) -> str:
        try:
            iri = index.resolve(name)
        except (UnknownEntity, AmbiguousEntity) as exc:
            raise StoryError(story.path, n, str(exc), fld) from None
        if iri not in g:
            raise StoryError(
                story.path,
                n,
                f"{index.entities[iri].label} ({iri}) is not on this map "
                f"({sub.selection.describe()}): widen the selection or leave it out",
                fld,
            )
        return iri

    def record(name: str, n: int) -> str:
        text = name.strip()
        if text.startswith("<") and text.endswith(">"):
            text = text[1:-1]
        candidates = [text, str(REC) + text[4:] if text.startswith("rec:") else str(REC) + text]
        for c in candidates:
            if c in records:
                return c
        by_slug = slugs.get(local_name(text), [])
        if len(by_slug) == 1:
            return by_slug[0]
        close = difflib.get_close_matches(local_name(text), list(slugs), n=5, cutoff=0.6)
        hint = f" Did you mean: {', '.join('rec:' + c for c in close)}?" if close else ""
        raise StoryError(
            story.path,
            n,
            f"no record {name!r} is drawn on this map ({sub.selection.describe()}); records are named by "
            f"IRI, rec:slug or slug (corpgraph show ENTITY lists them).{hint}",
            "records",
        )

    steps = []
    for step in story.steps:
        nodes = [entity(x, n, "highlight") for n, v in step.fields.get("highlight", []) for x in _names(v)]
        recs = [record(x, n) for n, v in step.fields.get("records", []) for x in _names(v)]
        focus = [entity(x, n, "focus") for n, v in step.fields.get("focus", []) for x in _names(v)]
        fade = True
        for n, v in step.fields.get("fade", []):
            if v.lower() not in FADE_VALUES:
                raise StoryError(story.path, n, f"{v!r}: use 'others' or 'none'", "fade")
            fade = v.lower() == "others"
        ends = [e for r in recs for e in records[r][:2]]
        steps.append(
            {
                "title": step.title,
                "line": step.line,
                "caption": step.caption,
                "nodes": list(dict.fromkeys(nodes)),
                "records": list(dict.fromkeys(recs)),
                "fade": fade,
                "focus": list(dict.fromkeys(focus or nodes + ends)),
                "facts": [_fact(r, *records[r], label) for r in dict.fromkeys(recs)],
            }
        )
    return {
        "title": story.title or "",
        "intro": story.intro,
        "file": Path(story.path).name,
        "steps": steps,
    }


def _fact(rec: str, u: str, v: str, d: dict, label) -> dict[str, Any]:
    """One highlighted record as the story lists it: its sentence, date, amount, certainty, quotes, sources."""
    from .output.ties import record_amount

    return {
        "record": rec,
        "text": f"{label(u)} {d.get('label') or d.get('kind_label') or ''} {label(v)}",
        "from": u,
        "to": v,
        "date": d.get("date") or d.get("start") or "",
        "amount": record_amount(d),
        "certainty": d.get("certainty") or "",
        "quotes": list(d.get("quote") or []),
        "sources": [
            {
                "title": s.get("title") or s.get("iri") or "",
                "publisher": s.get("publisher") or "",
                "issued": s.get("issued") or "",
                "url": s.get("url")
                if str(s.get("url") or "").lower().startswith(("https://", "http://"))
                else None,
            }
            for s in d.get("sources") or ()
        ],
    }


__all__ = ["FIELDS", "RawStory", "StoryError", "parse_story", "read_story", "story_document"]
