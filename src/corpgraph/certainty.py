"""The certainty levels of a claim, most certain first: the one Python home of the ranked list.

The ontology (``graph/ontology.ttl``) declares each level as a ``cg:Certainty`` with its ``cg:rank``;
``tests/test_vocab.py`` checks that this list agrees with it.  The list is kept here, free of imports,
so that the command line can offer the levels as choices without loading rdflib.
"""

from __future__ import annotations

CERTAINTY_ORDER = ("confirmed", "reported", "likely", "alleged", "denied")
# drawn dashed in maps and figures: claims not (yet) established
WEAK_CERTAINTIES = frozenset({"likely", "alleged", "denied"})


def certainty_rank(name_or_iri: str) -> int:
    """5 for confirmed .. 1 for denied, 0 for anything unknown."""
    name = str(name_or_iri).rsplit("#", 1)[-1]
    return len(CERTAINTY_ORDER) - CERTAINTY_ORDER.index(name) if name in CERTAINTY_ORDER else 0


__all__ = ["CERTAINTY_ORDER", "WEAK_CERTAINTIES", "certainty_rank"]
