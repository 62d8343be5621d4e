"""The timeline beside the map in headless Chromium (issue 12 §3): clicking a record selects it on the
map, selecting a line on the map marks its records on the timeline, records drawn as no line
highlight their entities, and hostile strings stay text."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from corpgraph import render, subgraph
from corpgraph.timeline import timeline, timeline_document
from minigraph import HOSTILE, HOSTILE2

pytestmark = pytest.mark.browser

REC = "https://w3id.org/corpgraph/record/"


def _write(backend, path: Path, **selection) -> Path:
    sub = subgraph.select_subgraph(backend, **selection)
    render.write_map(sub, path, timeline=timeline_document(timeline(sub, backend)))
    return path


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda req: requests.append(req.url))
    page.on("dialog", lambda d: (errors.append("dialog " + d.message), d.dismiss()))
    page.goto(path.resolve().as_uri())
    deadline = time.monotonic() + 30
    while not page.evaluate("window.cgSettled === true && !!window.cgTimeline"):
        assert time.monotonic() < deadline, "the map or its timeline never came up"
        time.sleep(0.05)
    return page, errors, requests


def _selection(page) -> str | None:
    return page.evaluate("cgMap.getState().selection")


def test_click_on_a_timeline_record_selects_it_on_the_map(browser, bundled, tmp_path):
    out = _write(bundled, tmp_path / "amazon.html", focus=["Amazon"], depth=1)
    page, errors, requests = _open(browser, out)
    try:
        lanes = page.evaluate(
            "[...document.querySelectorAll('#cg-timeline .cg-timeline-list')].map(l => l.dataset.lane)"
        )
        assert lanes == ["said", "did"]
        record = REC + "amazon-federal-cloud-investment"
        page.click(f"#cg-timeline li[data-record='{record}'] button")
        edge = page.evaluate(f"cgMap.document.edges.find(e => e.records.includes('{record}')).id")
        assert _selection(page) == edge  # the map opened the line that holds the record
        assert (
            page.evaluate(
                f"document.querySelector(\"li[data-record='{record}']\").getAttribute('aria-current')"
            )
            == "true"
        )
        # a statement drawn as no line: its speaker is selected and highlighted instead
        page.click(f"#cg-timeline li[data-record='{REC}amazon-refugee-webpage'] button")
        assert _selection(page) == "https://w3id.org/corpgraph/entity/amazon"
        # the other way: selecting a line on the map marks its records on the timeline
        role = page.evaluate(
            f"cgMap.document.edges.find(e => e.records.includes('{REC}andy-jassy-amazon-ceo')).id"
        )
        page.evaluate(f"cgMap.select({role!r})")
        marked = page.evaluate(
            "[...document.querySelectorAll('#cg-timeline .cg-timeline-marked')].map(li => li.dataset.record)"
        )
        assert marked == [REC + "andy-jassy-amazon-ceo"]
        # a month is a month wide: July 2025 narrower than the year 2018
        widths = page.evaluate(
            "Object.fromEntries([...document.querySelectorAll('#cg-timeline li')].map(li => "
            "[li.dataset.record.split('/').pop(), li.querySelector('.cg-timeline-bar').getBoundingClientRect().width]))"
        )
        assert widths["jeff-bezos-amazon-ceo-2018"] > 8 * widths["amazon-federal-cloud-investment"]
        assert errors == [] and requests == [out.resolve().as_uri()]
    finally:
        page.close()


def test_hostile_strings_on_the_timeline_stay_text(browser, mini, tmp_path):
    out = _write(mini, tmp_path / "hostile.html")
    page, errors, requests = _open(browser, out)
    try:
        texts = page.evaluate(
            "[...document.querySelectorAll('#cg-timeline .cg-timeline-text')].map(s => s.textContent)"
        )
        assert any(HOSTILE in t or HOSTILE2 in t for t in texts)
        for li in page.query_selector_all("#cg-timeline li button"):
            li.click()
        assert page.evaluate(
            "[window.__pwned, document.querySelectorAll('#cg-timeline img, #cg-timeline script, #cg-timeline svg').length]"
        ) == [None, 0]
        assert errors == [] and requests == [out.resolve().as_uri()]
    finally:
        page.close()
