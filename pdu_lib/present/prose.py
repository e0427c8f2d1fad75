"""Sentences, lists, notes and tables rendered from data, safely, as HTML.

Answers, organisation names and event names come from spreadsheets anyone
could have typed into: they may hold ``<script>``, ``<img onerror=...>``,
``javascript:`` links or markdown tricks. Everything built here treats data
as text: every value is HTML-escaped, control characters are dropped, and
nothing is ever interpreted as markdown (:class:`Prose` has ``_repr_html_``
and deliberately no ``_repr_markdown_``).

Templates are trusted *text* written in the notebooks, with ``{name}``
placeholders. Their literal text is escaped too (so "Q&A" renders as
"Q&A"); HTML cannot be written in a template.

>>> s = sentence("{words} ({figure}) said {answer}.", words="just under half",
...              figure="47%, 47 of 100", answer="<script>alert(1)</script>")
>>> s.html
'just under half (47%, 47 of 100) said &lt;script&gt;alert(1)&lt;/script&gt;.'
>>> str(s)
'just under half (47%, 47 of 100) said <script>alert(1)</script>.'
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable

import pandas as pd

from pdu_lib.present import wording
from pdu_lib.present.escape import escape_html

__all__ = [
    "Prose",
    "bullet_list",
    "caution_if_marked",
    "empty_table_sentence",
    "escape",
    "note",
    "paragraph",
    "sentence",
    "table_html",
    "technical_details",
]

# C0/C1 control characters (except tab, newline, carriage return) and lone
# surrogates: dropped from data before it reaches HTML.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

NOTE_STYLE = "font-size:0.9em;color:#444;border-left:3px solid #E69F00;padding:0.2em 0 0.2em 0.6em;margin:0.5em 0"


def _clean(text: str) -> str:
    return _UNSAFE_CHARS.sub("", text)


class Prose:
    """A piece of report text: its safe HTML and its plain text.

    Build it with :func:`sentence`, :func:`paragraph`, :func:`bullet_list`,
    :func:`note` or :func:`table_html`; ``Prose(text)`` escapes plain text.
    Inline pieces display as a ``<p>``; blocks (paragraphs, lists, notes,
    tables) display as they are. ``str()`` gives the plain text.

    >>> Prose("<b>bold?</b>")._repr_html_()
    '<p class="pdu-prose">&lt;b&gt;bold?&lt;/b&gt;</p>'
    >>> (Prose("a & ") + "b").html
    'a &amp; b'
    """

    __slots__ = ("block", "html", "text")

    def __init__(self, text: object = "") -> None:
        plain = _clean(str(text))
        self.html = str(escape_html(plain))
        self.text = plain
        self.block = False

    @classmethod
    def _from_html(cls, html: str, text: str, block: bool) -> Prose:
        """Only for this module: ``html`` must already be safe."""
        piece = cls.__new__(cls)
        piece.html = html
        piece.text = text
        piece.block = block
        return piece

    def _repr_html_(self) -> str:
        return self.html if self.block else f'<p class="pdu-prose">{self.html}</p>'

    def __html__(self) -> str:  # markupsafe/jinja2 protocol: already escaped
        return self._repr_html_()

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Prose({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Prose) and (self.html, self.block) == (other.html, other.block)

    def __hash__(self) -> int:
        return hash((self.html, self.block))

    def __add__(self, other: object) -> Prose:
        right = _inline(other)
        if self.block:
            raise ValueError("cannot append text to a block (paragraph, list, note or table)")
        return Prose._from_html(self.html + right.html, self.text + right.text, False)

    def __radd__(self, other: object) -> Prose:
        return _inline(other) + self


def escape(value: object) -> Prose:
    """Any value as text: escaped, unless it is already :class:`Prose`.

    >>> escape('<img src=x onerror="alert(1)">').html
    '&lt;img src=x onerror=&#34;alert(1)&#34;&gt;'
    """
    return value if isinstance(value, Prose) else Prose(value)


def _inline(value: object) -> Prose:
    piece = escape(value)
    if piece.block:
        raise ValueError("a paragraph, list, note or table cannot go inside a sentence")
    return piece


_FORMATTER = string.Formatter()


def sentence(template: str, **values: object) -> Prose:
    """Fill a trusted text template with values from data, every value escaped.

    Placeholders are plain names, optionally with a format spec
    (``{n:,}``) or conversion (``{x!r}``); attribute and index lookups are
    refused. Every placeholder needs a value and every value a placeholder.
    Values that are :class:`Prose` go in as they are.

    >>> sentence("Just {n} of the {base} had used it.", n="four", base="eleven").html
    'Just four of the eleven had used it.'
    >>> sentence("{org} said [click](javascript:alert(1))", org="A & B <Ltd>").html
    'A &amp; B &lt;Ltd&gt; said [click](javascript:alert(1))'
    >>> sentence("{total:,} attendances", total=12345).text
    '12,345 attendances'
    """
    html_parts: list[str] = []
    text_parts: list[str] = []
    used: set[str] = set()
    for literal, field, spec, conversion in _FORMATTER.parse(template):
        if literal:
            piece = Prose(literal)
            html_parts.append(piece.html)
            text_parts.append(piece.text)
        if field is None:
            continue
        if not field.isidentifier():
            raise ValueError(f"placeholder {{{field}}} in {template!r}: use a plain name")
        if spec and "{" in spec:
            raise ValueError(f"placeholder {{{field}}} in {template!r}: nested fields are not allowed")
        if field not in values:
            raise ValueError(f"no value for placeholder {{{field}}} in {template!r}")
        used.add(field)
        value = values[field]
        if isinstance(value, Prose):
            if spec or conversion:
                raise ValueError(f"placeholder {{{field}}}: Prose values take no format or conversion")
            piece = _inline(value)
        else:
            if conversion:
                value = _FORMATTER.convert_field(value, conversion)
            piece = Prose(_FORMATTER.format_field(value, spec or ""))
        html_parts.append(piece.html)
        text_parts.append(piece.text)
    unused = sorted(set(values) - used)
    if unused:
        raise ValueError(f"values not used by {template!r}: {', '.join(unused)}")
    return Prose._from_html("".join(html_parts), "".join(text_parts), False)


def paragraph(*sentences: object) -> Prose:
    """Sentences (Prose or plain text) joined with spaces into one ``<p>``.

    >>> paragraph(sentence("{a} came.", a="<Ann>"), "Then B & C.")._repr_html_()
    '<p class="pdu-prose">&lt;Ann&gt; came. Then B &amp; C.</p>'
    """
    pieces = [_inline(s) for s in sentences]
    html = " ".join(p.html for p in pieces)
    text = " ".join(p.text for p in pieces)
    return Prose._from_html(f'<p class="pdu-prose">{html}</p>', text, True)


def bullet_list(items: Iterable[object]) -> Prose:
    """A bulleted list; each item is Prose or plain text (escaped).

    >>> bullet_list(["Housing", "<script>x</script>"]).html
    '<ul class="pdu-list"><li>Housing</li><li>&lt;script&gt;x&lt;/script&gt;</li></ul>'
    """
    pieces = [escape(item) for item in items]
    html = "".join(f"<li>{p.html}</li>" for p in pieces)
    text = "\n".join(f"- {p.text}" for p in pieces)
    return Prose._from_html(f'<ul class="pdu-list">{html}</ul>', text, True)


def note(text: object) -> Prose:
    """A caution or footnote, set apart from the prose (smaller, with a rule).

    >>> note(wording.CAUTION_NOTE).html
    '<p class="pdu-note" role="note" style="font-size:0.9em;color:#444;border-left:3px solid #E69F00;padding:0.2em 0 0.2em 0.6em;margin:0.5em 0">† The base of that percentage is under 30: treat it with care.</p>'
    """
    piece = _inline(text)
    return Prose._from_html(f'<p class="pdu-note" role="note" style="{NOTE_STYLE}">{piece.html}</p>', piece.text, True)


def caution_if_marked(*items: object, caution_below: int = wording.CAUTION_BELOW) -> Prose | None:
    """The caution footnote when any item carries the caution marker, else None.

    >>> caution_if_marked(sentence("{f}", f=wording.format_percent(7, 29))).text
    '† The base of that percentage is under 30: treat it with care.'
    >>> caution_if_marked("47% (47 of 100)") is None
    True
    """
    if any(wording.CAUTION_MARK in escape(item).text for item in items):
        return note(wording.caution_note(caution_below))
    return None


_PERCENT_NAMES = {"percent", "pct", "share", "%"}
_BASE_NAMES = {"base", "n"}


def _is_percent_column(name: object) -> bool:
    label = str(name).strip().lower()
    return label in _PERCENT_NAMES or "%" in label or label.startswith("percent")


def _is_base_column(name: object) -> bool:
    label = str(name).strip().lower()
    return label in _BASE_NAMES or label.startswith(("base", "n=", "n ", "(n"))


def _clean_cell(value: object) -> object:
    return _clean(value) if isinstance(value, str) else value


_CELL = re.compile(r"<t([dh])(?=[\s>])")


def _align_numbers(table: str, shown: pd.DataFrame, index: bool) -> str:
    """Mark the cells of numeric columns ``class="num"`` so they align right and text aligns left."""
    numeric = [pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c]) for c in shown.columns]
    offset = shown.index.nlevels if index else 0
    head, body = "", table
    rows = body.split("<tr")
    for r, row in enumerate(rows[1:], start=1):
        position = -1

        def mark(match: re.Match) -> str:
            nonlocal position
            position += 1
            column = position - offset
            return f'<t{match.group(1)} class="num"' if 0 <= column < len(numeric) and numeric[column] else match.group(0)

        rows[r] = _CELL.sub(mark, row)
    return head + "<tr".join(rows)


def _whole_number(value) -> str:
    return str(int(value))


#: Readers' headers for the share columns a table may show under their column names.
READER_HEADERS = {"count": "Number", "base": "Base", "percent": "%"}


def technical_details(summary: object, *pieces: Prose) -> Prose:
    """Pieces in a closed "technical details" part (``<details>``): file names and matching rules live only here.

    >>> technical_details("Input files", Prose("a.csv")).html
    '<details class="pdu-technical"><summary>Technical details: Input files</summary><p class="pdu-prose">a.csv</p></details>'
    """
    title = _inline(summary)
    inner = "".join(piece._repr_html_() for piece in pieces)
    text = "\n".join([f"Technical details: {title.text}", *(piece.text for piece in pieces)])
    return Prose._from_html(
        f'<details class="pdu-technical"><summary>Technical details: {title.html}</summary>{inner}</details>', text, True
    )


def empty_table_sentence(caption: object) -> str:
    """What a table with no rows says instead, in one sentence: "None in this period: <caption, lower case>."

    >>> empty_table_sentence("Learning events with more survey responses than attendances")
    'None in this period: learning events with more survey responses than attendances.'
    >>> empty_table_sentence("PDU staff")
    'None in this period: PDU staff.'
    """
    text = _inline(caption).text.rstrip(".")
    first = text[:1].lower() + text[1:] if len(text) > 1 and not text[1:2].isupper() else text
    return f"None in this period: {first}."


def table_html(
    df: pd.DataFrame,
    caption: object,
    index: bool = False,
    require_base: bool = True,
    *,
    empty: str | None = None,
    technical: bool = False,
) -> Prose:
    """A DataFrame as an escaped HTML table with a caption.

    A table with no rows is one sentence instead (``empty``, or
    :func:`empty_table_sentence`), never a header without rows. With
    ``technical`` the table sits in a closed "technical details" part
    (:func:`technical_details`): file names and matching rules go there.

    Cells, headers and the caption are escaped (``to_html(escape=True)``);
    the index is left out unless ``index=True``. Every column is kept, and
    with ``require_base`` a table showing percentages must also show a base
    (a column named ``base`` or ``n``), so no percentage stands without it.
    Where the table has ``count`` and ``base`` columns, a float ``percent``
    column is shown as whole percentages rounded half up
    (:func:`pdu_lib.present.wording.percent`), as in the prose and the charts;
    a row whose base is under ``wording.COUNTS_ONLY_BELOW`` shows its counts
    only (the percentage cell reads "–").
    The share columns take readers' headers (:data:`READER_HEADERS`): a
    reader sees "Number", "Base" and "%", never the column names.

    >>> t = pd.DataFrame({"label": ["<b>Housing</b>"], "count": [180], "base": [400],
    ...                   "percent": [44.017]})
    >>> print(table_html(t, "Work focus & sector").html)  # doctest: +NORMALIZE_WHITESPACE
    <table class="dataframe pdu-table"><caption>Work focus &amp; sector</caption>
    <thead> <tr style="text-align: left;"> <th>label</th> <th class="num">Number</th> <th class="num">Base</th>
    <th class="num">%</th> </tr> </thead> <tbody> <tr> <td>&lt;b&gt;Housing&lt;/b&gt;</td>
    <td class="num">180</td> <td class="num">400</td> <td class="num">45</td> </tr> </tbody> </table>
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"table_html needs a DataFrame, not {type(df).__name__}")
    if df.empty:
        said = paragraph(empty if empty is not None else empty_table_sentence(caption))
        return technical_details(caption, said) if technical else said
    columns = list(df.columns)
    if require_base and any(_is_percent_column(c) for c in columns) and not any(_is_base_column(c) for c in columns):
        raise ValueError(
            f"table {str(caption)!r} shows percentages without a base column ('base' or 'n'): keep the base beside every percentage"
        )
    shown = df.copy()
    shown.columns = [_clean_cell(c) for c in shown.columns]
    if shown.index.name is not None:
        shown.index.name = _clean_cell(shown.index.name)
    for column in shown.columns:
        if shown[column].dtype == object or pd.api.types.is_string_dtype(shown[column]):
            shown[column] = shown[column].map(_clean_cell)
    whole: dict = {}  # columns of whole numbers that hold a gap (NaN): shown without ".0"
    if {"percent", "count", "base"} <= set(shown.columns) and pd.api.types.is_float_dtype(shown["percent"]):
        shown["percent"] = [
            float(wording.percent(c, b)) if pd.notna(c) and pd.notna(b) and b >= wording.COUNTS_ONLY_BELOW else float("nan")
            for c, b in zip(shown["count"], shown["base"])
        ]
        whole["percent"] = _whole_number
    shown = shown.rename(columns=READER_HEADERS)
    whole = {READER_HEADERS.get(c, c): f for c, f in whole.items()}
    markup = _align_numbers(
        shown.to_html(escape=True, index=index, border=0, classes="pdu-table", na_rep="\u2013", justify="left", formatters=whole),
        shown,
        index,
    )
    title = _inline(caption)
    opening_end = markup.index(">") + 1
    html = f"{markup[:opening_end]}<caption>{title.html}</caption>{markup[opening_end:]}"
    text = f"{title.text}\n{shown.to_string(index=index)}"
    table = Prose._from_html(html, text, True)
    return technical_details(caption, table) if technical else table
