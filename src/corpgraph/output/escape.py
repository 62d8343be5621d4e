"""The package's one Markdown escaper, one HTML escaper and one spreadsheet-cell guard.

Markdown: only what a renderer would misread is escaped, so text pasted into a CMS stays readable
(``AT&T``, ``Melania (film)``, ``3 * 4``, ``snake_case`` and ``3 < 4`` are left alone), yet data can
never become a link, an image, raw HTML, emphasis, strikethrough, code, a table cell boundary, a list
or a heading:

* ``[`` and ``]`` (links, images, footnotes), ````` and ``|`` always;
* ``<`` where it could open a tag, a comment or an autolink (before a letter, ``/``, ``!`` or ``?``);
* ``*``, ``_`` and ``~`` where they could open or close emphasis or strikethrough: not between two
  spaces (``3 * 4``), and ``_`` not inside a word (``snake_case``);
* ``&`` only where it would start an entity (``&lt;``, ``&#60;``);
* ``\\`` only before punctuation, where it would escape it;
* at the start of the text: ``#``, ``>``, ``-``, ``+``, ``=``, ``*`` and ``1.`` (headings, quotes,
  lists, rules; a ``~~~`` fence is escaped as strikethrough is);
* line breaks become spaces (every value is one line of the output), other control characters
  (terminal escape sequences) U+FFFD.
"""

from __future__ import annotations

import re

from markupsafe import escape as _html_escape

_MD_ALWAYS = re.compile(r"[\[\]`|]")
_MD_TAG = re.compile(r"<(?=[A-Za-z/!?])")
# a run of * or ~ with a non-space on either side can open or close emphasis or strikethrough
_MD_FLANKING = re.compile(r"(?<=\S)[*~]+|[*~]+(?=\S)")
_MD_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~])")
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# an underscore can open or close emphasis unless it is inside a word or between two spaces
_MD_UNDERSCORE = re.compile(r"(?<=\S)_|_(?=\S)")  # then kept when between two letters or digits
_MD_LINE_START = re.compile(r"^(\s*)([#>+=*-]|\d+(?=[.)]))")
_SAFE_URL = re.compile(r"https?://[^\s<>\"'`\\\[\]()|]+", re.IGNORECASE)


def md(text: object) -> str:
    """``text`` as one line of Markdown that renders as exactly that text."""
    s = terminal(" ".join(str(text).split()))
    s = _MD_BACKSLASH.sub(r"\\\\", s)
    s = _MD_ALWAYS.sub(lambda m: "\\" + m.group(0), s)
    s = _MD_TAG.sub(r"\\<", s)
    s = _MD_FLANKING.sub(lambda m: "".join("\\" + c for c in m.group(0)), s)
    s = _MD_ENTITY.sub(r"\\&", s)
    s = _MD_UNDERSCORE.sub(_underscore, s)
    m = _MD_LINE_START.match(s)
    if m:
        lead, mark = m.group(1), m.group(2)
        rest = s[m.end() :]
        s = lead + (mark + "\\" + rest if mark[0].isdigit() else "\\" + mark + rest)
    return s


def _underscore(m: re.Match) -> str:
    s, i = m.string, m.start()
    inside_word = 0 < i < len(s) - 1 and s[i - 1].isalnum() and s[i + 1].isalnum()
    return "_" if inside_word else "\\_"


def md_code(text: object) -> str:
    """``text`` as an inline code span: the fence is longer than any run of backticks inside."""
    s = terminal(" ".join(str(text).split()))
    longest = max((len(run) for run in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or not s.strip() else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def safe_url(url: object) -> str | None:
    """The URL if it is a plain http(s) address that can be linked safely, else None."""
    if url is None:
        return None
    s = str(url).strip()
    return s if _SAFE_URL.fullmatch(s) else None


def md_url(url: object) -> str:
    """A URL as a Markdown autolink ``<https://...>``; anything else (``javascript:``) as escaped text."""
    ok = safe_url(url)
    return f"<{ok}>" if ok else (md(url) if url else "")


def md_link(text: object, url: object) -> str:
    """``[text](url)`` for an http(s) URL, the escaped text alone for anything else."""
    ok = safe_url(url)
    return f"[{md(text)}]({ok})" if ok else md(text)


def html(text: object) -> str:
    """Text safe inside HTML elements and quoted attributes (``& < > " '``): markupsafe's escape, the
    same that the map's Jinja template applies to every value (autoescape), so the package has one."""
    return str(_html_escape(str(text)))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_cell(value: str) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP "CSV injection"): text starting
    with = + - @ tab, CR or LF gets a leading apostrophe.  A cell that is nothing but a number
    (``-62013.29``, ``+1e3``) is left alone: it can only ever be that number."""
    if value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


# C0 and C1 control characters other than tab and line feed: ESC starts terminal escape sequences
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal(text: str) -> str:
    """Text safe to print on a terminal: control characters (ESC sequences, CR, BEL) become U+FFFD."""
    return _CONTROL.sub("\ufffd", text)


# characters XML 1.0 forbids even as character references (GraphML and GEXF are XML 1.0)
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """Text without the characters XML 1.0 cannot hold (control characters become U+FFFD)."""
    return _XML_INVALID.sub("\ufffd", text)
