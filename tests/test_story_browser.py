"""Stories in headless Chromium: each step highlights what it says and fades the rest, lists its
records with their sources, steps with the buttons and the ← → keys, keeps the step in the URL, works
in the embed, and hostile captions stay text."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from corpgraph import render, subgraph
from corpgraph.story import parse_story, story_document
from minigraph import HOSTILE, HOSTILE2, e, r

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).resolve().parents[1] / "templates" / "story-aws-ice.md"
FADED = "rgba(200,200,200,0.35)"  # how the map draws what a highlight fades (web/static/map.js)


def _open(browser, path: Path, hash_: str = "", size=(1280, 900)):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda req: requests.append(req.url))
    page.on("dialog", lambda d: (errors.append("dialog " + d.message), d.dismiss()))
    page.goto(path.resolve().as_uri() + hash_)
    deadline = time.monotonic() + 30
    while not page.evaluate("window.cgSettled === true && !!window.cgStory"):
        assert time.monotonic() < deadline, "the map never settled"
        time.sleep(0.05)
    return page, errors, requests


def _faded(page) -> set[str]:
    return set(page.evaluate(f"cgNodes.get({{filter: n => n.color === '{FADED}'}}).map(n => n.id)"))


@pytest.fixture(scope="module")
def story_page(bundled, tmp_path_factory):
    sub = subgraph.select_subgraph(bundled)
    story = story_document(parse_story(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE)), sub, bundled)
    out = tmp_path_factory.mktemp("story") / "story.html"
    render.write_map(sub, out, story=story)
    embed = out.with_name("embed.html")
    render.write_map(sub, embed, story=story, embed=True)
    return out, embed, story, sorted(sub.net.nodes)


def test_each_step_highlights_what_it_says_and_fades_the_rest(browser, story_page):
    out, _embed, story, nodes = story_page
    page, errors, requests = _open(browser, out)
    try:
        for n, step in enumerate(story["steps"], 1):
            assert page.evaluate("document.getElementById('cg-story').dataset.step") == str(n)
            lit = set(step["nodes"]) | {end for f in step["facts"] for end in (f["from"], f["to"])}
            assert _faded(page) == set(nodes) - lit
            assert (
                page.evaluate("document.getElementById('cg-story-step-title').textContent") == step["title"]
            )
            facts = page.evaluate(
                "[...document.querySelectorAll('#cg-story-facts > li')].map(li => "
                "[li.dataset.record, li.querySelectorAll('.cg-story-source a').length])"
            )
            assert [f for f, _ in facts] == step["records"]
            assert all(links >= 1 for _, links in facts)  # every fact keeps its sources
            assert f"story={n}" in page.evaluate("location.hash")
            if n < len(story["steps"]):
                page.click("#cg-story-next")
        assert page.evaluate("document.getElementById('cg-story-next').disabled") is True
        page.keyboard.press("ArrowLeft")
        assert page.evaluate("document.getElementById('cg-story').dataset.step") == str(
            len(story["steps"]) - 1
        )
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")  # past the last step: stays
        assert page.evaluate("document.getElementById('cg-story').dataset.step") == str(len(story["steps"]))
        assert errors == [] and requests == [out.resolve().as_uri()]
    finally:
        page.close()


def test_step_in_the_url_and_the_embed(browser, story_page):
    out, embed, story, _nodes = story_page
    page, errors, _ = _open(browser, out, "#story=3")
    try:
        assert page.evaluate("document.getElementById('cg-story-count').textContent") == "Step 3 of 4"
    finally:
        page.close()
    page, errors, _ = _open(browser, embed, size=(600, 400))
    try:
        box = page.evaluate(
            "(() => { const r = document.getElementById('cg-story').getBoundingClientRect(); "
            "return [r.left, r.top, r.right, r.bottom]; })()"
        )
        assert box[0] >= 0 and box[1] >= 0 and box[2] <= 600 and box[3] <= 400
        page.keyboard.press("ArrowRight")
        assert page.evaluate("document.getElementById('cg-story').dataset.step") == "2"
        page.click("#cg-story-fold")
        assert page.evaluate("document.getElementById('cg-story-body').hidden") is True
        assert errors == []
    finally:
        page.close()


def test_hostile_captions_stay_text(browser, mini, tmp_path):
    sub = subgraph.select_subgraph(mini)
    text = (
        f"# {HOSTILE}\n\n{HOSTILE2}\n\n"
        f"## {HOSTILE2}\nhighlight: {e('evil')}\nrecords: {r('c2')}\n\n{HOSTILE}\n\n"
        f"## second {HOSTILE}\n\n{HOSTILE2}\n"
    )
    out = tmp_path / "hostile-story.html"
    render.write_map(sub, out, story=story_document(parse_story(text, "hostile.md"), sub, mini))
    page, errors, requests = _open(browser, out)
    try:
        assert page.evaluate("document.getElementById('cg-story-step-title').textContent") == HOSTILE2
        assert page.evaluate("document.getElementById('cg-story-caption').textContent") == HOSTILE
        page.keyboard.press("ArrowRight")
        assert page.evaluate("document.getElementById('cg-story-caption').textContent") == HOSTILE2
        assert page.evaluate(
            "[window.__pwned, document.querySelectorAll('#cg-story img, #cg-story script').length]"
        ) == [None, 0]
        assert errors == [] and requests == [out.resolve().as_uri()]
    finally:
        page.close()


def test_story_in_the_apps_linked_page(browser, story_page, bundled, tmp_path):
    """The app's pages link their scripts under `default-src 'self'` (no inline script): the story
    mounts there too, from a document the page holds as JSON."""
    import http.server
    import threading

    sub = subgraph.select_subgraph(bundled)
    doc = render.map_document(sub)
    doc["story"] = story_page[2]
    page_html = render.render_document(doc, assets="linked", static_prefix="/static/").encode("utf-8")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            if self.path.startswith("/static/"):
                try:
                    body, kind = render.static_asset(self.path[len("/static/") :])
                except KeyError:
                    self.send_error(404)
                    return
            else:
                body, kind = page_html, "text/html; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/map#story=2")
        deadline = time.monotonic() + 30
        while not page.evaluate("window.cgSettled === true && !!window.cgStory"):
            assert time.monotonic() < deadline, "the map never settled"
            time.sleep(0.05)
        assert page.evaluate("document.getElementById('cg-story-count').textContent") == "Step 2 of 4"
        step = story_page[2]["steps"][1]
        lit = set(step["nodes"]) | {end for f in step["facts"] for end in (f["from"], f["to"])}
        assert _faded(page) == set(story_page[3]) - lit
        assert errors == []
    finally:
        page.close()
        server.shutdown()
        server.server_close()
