"""Name normalisation shared by look-ups (search, show) and entity resolution (imports)."""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"[^\w\s&]", re.UNICODE)
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Case- and accent-insensitive form for matching: 'Citizens’ Bánk' -> 'citizens bank'.

    Keeps letters, digits, spaces and '&' (so 'AT&T' stays distinct from 'ATT' until a rule merges them).
    """
    text = str(text)
    if text.isascii():  # nothing to decompose, no accents, no curly quotes
        stripped = text
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
        stripped = stripped.replace("’", "'").replace("‘", "'")
    stripped = _PUNCT.sub(" ", stripped.casefold())
    return _SPACE.sub(" ", stripped).strip()


def slugify(text: str) -> str:
    """A stable IRI slug: 'The GEO Group, Inc.' -> 'the-geo-group-inc'."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text).replace("&", " and ")).strip("-") or "unnamed"
