"""How a source (a dict with iri, url, title, publisher, issued) is cited: the one formatter.

Plain text reads ``Title (Publisher, 2026-01) https://...``; Markdown ``*Title*, Publisher, 2026-01.
<https://...>`` with every part escaped and the link kept only when it is a plain http(s) URL.
"""

from __future__ import annotations

from .escape import md, md_url


def _title(s: dict) -> str:
    return str(s.get("title") or s.get("iri") or "")


def _meta(s: dict) -> list[str]:
    return [str(x) for x in (s.get("publisher"), s.get("issued")) if x]


def source_text(s: dict) -> str:
    """'The corporate enablers of the ICE crackdown (Popular Information, 2026-01) https://...'."""
    meta = ", ".join(_meta(s))
    bits = [_title(s), f"({meta})" if meta else "", str(s.get("url") or "")]
    return " ".join(b for b in bits if b)


def source_md(s: dict) -> str:
    """'*Title*, Publisher, 2026-01. <https://...>': escaped, the URL an autolink only if http(s)."""
    text = ", ".join([f"*{md(_title(s))}*", *(md(x) for x in _meta(s))]) + "."
    link = md_url(s.get("url"))
    return f"{text} {link}" if link else text


def source_urls(sources: list[dict]) -> str:
    """The URLs (or IRIs when a source has no URL) of several sources, space-separated."""
    return " ".join(str(s.get("url") or s.get("iri") or "") for s in sources)


__all__ = ["source_md", "source_text", "source_urls"]
