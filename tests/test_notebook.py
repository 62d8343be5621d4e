"""Jupyter: a subgraph, a path result and a map display inline (`_repr_html_`): the map page in a
sandboxed `<iframe srcdoc>`, escaped so that nothing of it is markup of the notebook's page."""

from __future__ import annotations

import html
from html.parser import HTMLParser

from corpgraph import notebook, render, subgraph
from corpgraph.paths import PathResult, find_paths
from minigraph import HOSTILE, HOSTILE2, e


class Tags(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def frame_of(markup: str) -> dict:
    tags = Tags(markup).tags
    assert [t for t, _ in tags] == ["iframe"]  # one element, nothing else for the notebook to run
    attrs = tags[0][1]
    assert attrs["sandbox"] == "allow-scripts"  # no allow-same-origin: the map cannot reach the notebook
    return attrs


def test_a_subgraph_shows_as_its_map(mini, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    sub = subgraph.select_subgraph(mini)
    markup = sub._repr_html_()
    attrs = frame_of(markup)
    assert attrs["srcdoc"] == render.render_map(sub, embed=True)  # the whole page, unchanged once unescaped
    for raw in (HOSTILE, HOSTILE2, "<script"):
        assert raw not in markup  # inside the attribute every < is &lt;
    assert html.unescape(markup).count("<script") >= 2


def test_a_path_result_shows_its_paths(bundled_net):
    result = find_paths(bundled_net, e("aws"), e("ice"), max_hops=2)
    attrs = frame_of(result._repr_html_())
    page = attrs["srcdoc"]
    assert "paths Amazon Web Services -> U.S. Immigration and Customs Enforcement" in html.unescape(page)
    for hop in result.paths[0].hops:
        assert hop.source in page and hop.target in page


def test_a_path_result_without_its_network_shows_text():
    bare = PathResult("urn:a", "urn:<b>", [])
    assert bare._repr_html_() == "<pre></pre>"


def test_a_map_view_shows_and_saves(mini, tmp_path):
    view = notebook.map_view(subgraph.select_subgraph(mini), height=420, title="<b>t</b>")
    attrs = frame_of(view._repr_html_())
    assert "height: 420px" in attrs["style"]
    assert "&lt;b&gt;t&lt;/b&gt;" in attrs["srcdoc"]  # the title is escaped in the page, then again here
    view.save(tmp_path / "m.html")
    assert (tmp_path / "m.html").read_text(encoding="utf-8") == view.html
