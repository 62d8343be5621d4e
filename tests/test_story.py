"""map --story FILE: a Markdown story file read into the map document's ``story`` (steps with their
entities, records, fading, focus, caption and facts with sources); a bad file names file, line, field."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from corpgraph.cli import cli
from corpgraph.story import StoryError, parse_story, story_document
from corpgraph.subgraph import select_subgraph

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "templates" / "story-aws-ice.md"
ENT = "https://w3id.org/corpgraph/entity/"
REC = "https://w3id.org/corpgraph/record/"

STORY = """# A test story

What the reader sees first,
on two lines.

## Citizens lends to GEO
highlight: "Citizens Financial Group", GEO
records: rec:citizens-geo-group-credit-line
fade: none

In July 2025 Citizens provided a credit line.

A second paragraph.

## Caption only
This step has no fields: its first line is caption.
"""


def _doc(page: Path) -> dict:
    text = page.read_text(encoding="utf-8")
    m = re.search(r'<script id="cg-data" type="application/json">(.*?)</script>', text, re.S)
    assert m, "no map document in the page"
    return json.loads(m.group(1))


def test_parse_fields_captions_title_and_intro():
    story = parse_story(STORY, "s.md")
    assert story.title == "A test story"
    assert story.intro == ["What the reader sees first, on two lines."]
    first, second = story.steps
    assert (first.title, first.line) == ("Citizens lends to GEO", 6)
    assert first.fields["highlight"] == [(7, '"Citizens Financial Group", GEO')]
    assert first.caption == ["In July 2025 Citizens provided a credit line.", "A second paragraph."]
    assert second.fields == {} and second.caption == ["This step has no fields: its first line is caption."]


def test_story_document_resolves_names_records_and_sources(bundled):
    sub = select_subgraph(bundled)
    doc = story_document(parse_story(STORY, "s.md"), sub, bundled)
    step = doc["steps"][0]
    assert step["nodes"] == [ENT + "citizens-financial-group", ENT + "geo-group"]
    assert step["records"] == [REC + "citizens-geo-group-credit-line"]
    assert step["fade"] is False
    (fact,) = step["facts"]
    assert fact["text"] == "Citizens Financial Group lends to GEO Group"
    assert fact["amount"] == "$450,000,000 credit line" and fact["date"] == "2025-07"
    assert fact["sources"][0]["url"] == "https://popular.info/p/the-corporate-enablers-of-the-ice"
    assert fact["quotes"] == [
        "In July 2025, Citizens provided a $450 million revolving credit line to GEO Group."
    ]
    assert doc["steps"][1]["fade"] is True and doc["steps"][1]["nodes"] == []


def test_example_story_rests_on_records_with_sources(bundled):
    doc = story_document(
        parse_story(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE)), select_subgraph(bundled), bundled
    )
    assert len(doc["steps"]) == 4
    for step in doc["steps"]:
        assert step["facts"], f"step {step['title']!r} names no record"
        for fact in step["facts"]:
            assert fact["quotes"] and fact["sources"] and fact["certainty"]
    hosting = {f["record"]: f for s in doc["steps"] for f in s["facts"]}
    assert hosting[REC + "aws-hosts-immigrationos"]["certainty"] == "likely"


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        (
            "## One\nhighlight: Palantr\n",
            2,
            "highlight: No entity matches 'Palantr'. Did you mean: Palantir Technologies",
        ),
        ("## One\nhilight: AWS\n", 2, "unknown field 'hilight'"),
        (
            "## One\nrecords: rec:aws-hosts-icmm\n",
            2,
            "records: no record 'rec:aws-hosts-icmm' is drawn on this map",
        ),
        ("## One\nfade: some\n", 2, "fade: 'some': use 'others' or 'none'"),
        ("## \n", 1, "a step heading needs a title"),
        ("# Only a title\n", None, "no steps"),
    ],
)
def test_bad_story_names_file_line_and_field(bundled, tmp_path, runner, text, line, needle):
    path = tmp_path / "bad.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StoryError) as err:
        story_document(parse_story(text, str(path)), select_subgraph(bundled), bundled)
    assert needle in str(err.value)
    assert str(err.value).startswith(f"{path}:{line}:" if line else f"{path}:")
    result = runner.invoke(cli, ["map", "--story", str(path), "-o", str(tmp_path / "m.html")])
    assert result.exit_code == 1 and needle in result.stderr
    assert not (tmp_path / "m.html").exists()


def test_entity_off_the_map_is_an_error(bundled):
    sub = select_subgraph(bundled, focus=("GEO Group",), depth=1)
    with pytest.raises(StoryError, match=r"s.md:2: highlight: .*Amazon Web Services.* is not on this map"):
        story_document(parse_story("## One\nhighlight: AWS\n", "s.md"), sub, bundled)


def test_map_story_writes_the_story_and_its_script(runner, tmp_path):
    out = tmp_path / "story.html"
    result = runner.invoke(cli, ["map", "--story", str(EXAMPLE), "-o", str(out), "--embed"])
    assert result.exit_code == 0, result.output
    doc = _doc(out)
    assert doc["story"]["title"] == "How AWS reaches ICE"
    assert [len(s["records"]) for s in doc["story"]["steps"]] == [2, 3, 3, 3]
    page = out.read_text(encoding="utf-8")
    assert "corpgraph.mountStory" in page  # story.js is inlined
    plain = runner.invoke(cli, ["map", "-o", str(tmp_path / "plain.html")])
    assert plain.exit_code == 0 and "mountStory" not in (tmp_path / "plain.html").read_text(encoding="utf-8")
