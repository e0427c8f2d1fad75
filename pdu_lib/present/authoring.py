"""The evaluator's own words with computed numbers: ``{placeholder}`` text filled from the report's figures.

The evaluator writes a section's prose in a notebook cell that starts with
``%%prose``; every number in it is a placeholder naming a figure of the report
being rendered (an id of ``figures.csv``) or a value of the report's front
matter, never a typed number::

    %%prose
    A total of {individuals} individuals made {attendances} attendances.
    {attendances_voluntary_pct:Words} ({attendances_voluntary_pct}) came from the voluntary sector.

``%%prose final`` (or ``%%prose interim``) shows the text only in that report,
so changing ``report`` in the parameters cell and running again swaps it.

Formats (after the colon), for a share (a percentage or a fraction figure):

==========  ==========================================  =========================
format      gives                                       example
==========  ==========================================  =========================
(none)      percentage with its base                    ``47% (47 of 100)``
``frac``    the fraction                                ``47/100``
``of``      numerator of base                           ``47 of 100``
``words``   words for the share (``Words`` capitalised)  ``just under half``
``phrase``  words and figure                            ``just under half (47%, 47 of 100)``
``judged``  ``of`` with the evaluative word its share     ``only 13 of 36`` (``Judged``: ``Only ...``)
            earns (``wording.evaluative_word``)
``n``       the numerator alone                         ``47``
``base``    the base alone                              ``100``
==========  ==========================================  =========================

and for a count: (none) the digits, ``words``/``Words`` the count in words up
to nine, ``people``/``People`` the count with its noun agreeing
(``wording.count_phrase``: "no one", "one person", "five people"), and a noun
of ``wording.COUNT_NOUNS`` the same way (``{cop_sui_sessions:session}``: "one
session", "four sessions"; ``Session`` capitalised). A count
placeholder followed by a typed "people" or "person" is refused: write
``{pledge_adopters:People}``, so that no count of 0 or 1 reads "None people". A share whose base is under 30 carries the caution mark, and the
text then ends with the caution note. Values from data are escaped, so a label
can never act as markup. A placeholder that names no figure stops the
section with a :class:`PlaceholderError` naming the cell and the placeholder.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from IPython.display import Markdown

from pdu_lib.analysis.metrics import Share
from pdu_lib.present import wording
from pdu_lib.present.escape import escape_for_markdown

_FORMATTER = string.Formatter()
_SHARE_FORMATS = ("", "frac", "of", "words", "Words", "phrase", "judged", "Judged", "n", "base")
_COUNT_FORMATS = ("", "words", "Words", "people", "People")
_TYPED_NOUN = re.compile(r"\s+(people|persons?)\b", re.IGNORECASE)


class PlaceholderError(ValueError):
    """A placeholder in the evaluator's text that cannot be filled; names the cell and the placeholder."""

    def __init__(self, placeholder: str, where: str, problem: str) -> None:
        self.placeholder = placeholder
        self.where = where
        super().__init__(f"{where}: placeholder {{{placeholder}}} {problem}" if where else f"placeholder {{{placeholder}}} {problem}")


@dataclass
class TextValues:
    """What the evaluator's placeholders can name: the report's figures and its front matter.

    ``figures`` maps a figure id to its result (a :class:`Share`, a count, or
    None when the period has no data for it); ``values`` holds named text such
    as the report's title or period. ``report`` is the report being rendered,
    for ``%%prose final``-style cells.
    """

    figures: Mapping[str, Any] = field(default_factory=dict)
    values: Mapping[str, str | None] = field(default_factory=dict)
    report: str | None = None
    intervals: bool = False

    def known(self) -> list[str]:
        return sorted({*self.figures, *self.values})


def report_values(period, programme: str = "") -> dict[str, str | None]:
    """The front-matter values a placeholder can name: ``{report_title}``, ``{period_start}``, ``{author}`` ...

    ``{reviews_to}`` is "; Expert Citizens reviews to February 2019" when the
    reviews ran past the data (empty otherwise), for the pages' subtitles, so
    that every page says what the index says.

    ``period`` is a :class:`pdu_lib.config.ReportPeriod`; dates are written as
    reports write them ("October 2017").
    """
    return {
        "programme": programme,
        "report_title": period.title,
        "published": period.published,
        "period_start": f"{period.start:%B %Y}",
        "period_end": f"{period.end:%B %Y}",
        "author": period.author,
        "author_organisation": period.author_organisation,
        "commissioner": period.commissioner,
        "reviews_to": _reviews_to(period),
    }


def _reviews_to(period) -> str:
    """ "; Expert Citizens reviews to February 2019" when the reviews ran past the data's last month, else ""."""
    reviews_end = getattr(period, "reviews_end", None)
    if reviews_end is None or f"{reviews_end:%Y-%m}" <= f"{period.end:%Y-%m}":
        return ""
    return f"; Expert Citizens reviews to {reviews_end:%B %Y}"


def _result(value: Any) -> Any:
    """A figure's result: a FigureValue object gives its ``result``; a Share or a count stays as it is."""
    return getattr(value, "result", value)


def format_value(value: Any, spec: str, *, intervals: bool = False) -> str:
    """One placeholder's text (not yet escaped).

    >>> format_value(Share(47, 100), "")
    '47% (47 of 100)'
    >>> format_value(Share(12, 25), "frac"), format_value(Share(12, 25), "Words")
    ('12/25', 'Just under half')
    >>> format_value(Share(0, 40), "of"), format_value(Share(0, 40), "Judged")
    ('none of 40', 'None of 40')
    >>> format_value(4, "words"), format_value(12, ""), format_value(0, "People"), format_value(1, "people")
    ('four', '12', 'No one', 'one person')
    >>> format_value(1, "session"), format_value(4, "Session")
    ('one session', 'Four sessions')
    >>> format_value(None, "")
    'no figure: no data in this period'
    """
    value = _result(value)
    if value is None:
        return "no figure: no data in this period"
    if isinstance(value, Share):
        return _format_share(value, spec, intervals=intervals)
    if isinstance(value, (int,)) and not isinstance(value, bool):
        if spec not in _COUNT_FORMATS and spec.lower() not in wording.COUNT_NOUNS:
            raise ValueError(f"has an unknown format {spec!r} for a count; use one of: {', '.join(f for f in _COUNT_FORMATS if f)}")
        if spec in ("people", "People"):
            return wording.count_phrase(value, capitalise=spec == "People")
        if spec.lower() in wording.COUNT_NOUNS:
            return wording.count_phrase(value, spec.lower(), capitalise=spec[:1].isupper())
        return wording.count_words(value, capitalise=spec == "Words") if spec else str(value)
    if spec:
        raise ValueError(f"is text and takes no format (got {spec!r})")
    return str(value)


def _format_share(value: Share, spec: str, *, intervals: bool) -> str:
    """A share's placeholder text in one of :data:`_SHARE_FORMATS`."""
    if spec not in _SHARE_FORMATS:
        raise ValueError(f"has an unknown format {spec!r} for a share; use one of: {', '.join(f for f in _SHARE_FORMATS if f)}")
    n, base = value.numerator, value.base
    if spec == "":
        return wording.format_percent(n, base, intervals=intervals)
    if spec == "frac":
        return wording.format_fraction(n, base)
    if spec == "of":
        return f"{n} of {base}" if n else f"none of {base}"
    if spec in ("words", "Words"):
        words = wording.share_words(n, base)
        return words[:1].upper() + words[1:] if spec == "Words" else words
    if spec == "phrase":
        return wording.share_phrase(n, base, intervals=intervals)
    if spec in ("judged", "Judged"):
        return (
            wording.with_evaluative_word(format_value(value, "of"), n, base, capitalise=spec == "Judged")
            if n
            else ("None" if spec == "Judged" else "none") + f" of {base}"
        )
    return str(n if spec == "n" else base)


def _is_count(value: Any) -> bool:
    value = _result(value)
    return isinstance(value, int) and not isinstance(value, bool)


def fill(template: str, text_values: TextValues, *, where: str = "") -> str:
    """The evaluator's markdown with every placeholder replaced by its escaped value.

    ``{{`` and ``}}`` stand for literal braces. When a filled share carries the
    caution mark, the caution note is added as the text's last line.

    >>> values = TextValues(figures={"made_contact": Share(13, 36), "events": 19})
    >>> fill("{events} events; {made_contact:Words} ({made_contact:frac}) made contact.", values)
    '19 events; Just over a third (13/36) made contact.'
    >>> try:
    ...     fill("{unknown} people", values, where="cell 3")
    ... except PlaceholderError as err:
    ...     print(err)
    cell 3: placeholder {unknown} names no figure or value of this report
    >>> fill("{adopters:People} said so.", TextValues(figures={"adopters": 0}))
    'No one said so.'
    """
    parts: list[str] = []
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as err:
        raise PlaceholderError("", where, f"cannot be read: {err} (write {{{{ and }}}} for literal braces)") from None
    for position, (literal, name, spec, conversion) in enumerate(parsed):
        parts.append(literal)
        if name is None:
            continue
        following = parsed[position + 1][0] if position + 1 < len(parsed) else ""
        if conversion or not name.isidentifier():
            raise PlaceholderError(name, where, "must be a plain figure id, optionally with a format after a colon")
        if name in text_values.figures:
            value = text_values.figures[name]
        elif name in text_values.values:
            value = text_values.values[name]
        else:
            raise PlaceholderError(name, where, "names no figure or value of this report")
        try:
            text = format_value(value, spec or "", intervals=text_values.intervals)
        except ValueError as err:
            raise PlaceholderError(name, where, str(err)) from None
        if (spec or "") in ("", "words", "Words") and _is_count(value) and _TYPED_NOUN.match(following):
            raise PlaceholderError(
                name, where, f"is a count followed by a typed noun: write {{{name}:people}} (or :People) so that 0 and 1 agree"
            )
        parts.append(escape_for_markdown(text))
    filled = "".join(parts)
    if wording.CAUTION_MARK in filled:
        # An HTML block, not inline HTML: nbconvert's markdown renderer re-parses each inline tag on its own and would empty it.
        filled = filled.rstrip("\n") + f'\n\n<p class="pdu-caution"><small>{escape_for_markdown(wording.CAUTION_NOTE)}</small></p>\n'
    return filled


# --- In the notebook: the %%prose cell magic ---------------------------------------------------

PAGE_VARIABLE = "page"  # the notebooks' ``page = notebook.setup(...)``


def active_text_values(namespace: Mapping[str, Any]) -> TextValues:
    """What ``%%prose`` cells fill from: the text values of the notebook's page, found in its namespace.

    The page is the variable ``page`` (every section's ``page = notebook.setup(...)``), else the
    last variable holding text values (a page by another name, or a TextValues). With none (the
    setup cell not run yet) there is nothing to fill from, and every placeholder fails, named.
    The values travel with the page: a kernel that forgets its variables forgets them too.

    >>> class Page:
    ...     text_values = TextValues(figures={"events": 3})
    >>> active_text_values({"page": Page()}).figures, active_text_values({"p": Page()}).figures, active_text_values({}).known()
    ({'events': 3}, {'events': 3}, [])
    """
    candidates = [namespace[PAGE_VARIABLE]] if PAGE_VARIABLE in namespace else []
    candidates += reversed(list(namespace.values()))
    for value in candidates:
        found = value if isinstance(value, TextValues) else getattr(value, "text_values", None)
        if isinstance(found, TextValues):
            return found
    return TextValues()


#: What a passage shows instead of its text when a figure it quotes has no data in the period (an empty survey round).
LEFT_OUT = '<p class="pdu-note">This passage is left out: it quotes figures for which this period has no data.</p>\n'


def has_no_data(value: Any) -> bool:
    """True for a figure or value with nothing behind it in the period: None, or a share of nobody.

    >>> has_no_data(None), has_no_data(Share(0, 0)), has_no_data(Share(0, 12)), has_no_data(0)
    (True, True, False, False)
    """
    value = _result(value)
    return value is None or (isinstance(value, Share) and value.base == 0)


def empty_placeholders(template: str, text_values: TextValues) -> list[str]:
    """The placeholders of ``template`` whose figure or value has no data in the period (unknown names are left to :func:`fill`).

    >>> empty_placeholders("{a} and {b:of}", TextValues(figures={"a": Share(0, 0), "b": Share(3, 7)}))
    ['a']
    """
    try:
        names = [name for _, name, _, _ in _FORMATTER.parse(template) if name]
    except ValueError:
        return []
    # Each name looked up on its own (a figure before a value, as in fill): a section is keyed on the figures it names.
    figures, values = text_values.figures, text_values.values
    empty = []
    for name in dict.fromkeys(names):
        if name in figures:
            value = figures[name]
        elif name in values:
            value = values[name]
        else:
            continue
        if has_no_data(value):
            empty.append(name)
    return empty


def prose_cell(line: str, cell: str, text_values: TextValues, *, cell_number: int | None = None) -> Markdown | None:
    """What a ``%%prose [report ...]`` cell shows: its filled text, or nothing in another report.

    A passage quoting a figure with no data in the period (every figure of an
    empty follow-up round) is left out, with a note saying so, rather than
    printed with "no base" in place of its numbers.
    """
    reports = line.split()
    if reports and text_values.report not in reports:
        return None
    where = f"prose cell [{cell_number}]" if cell_number is not None else "prose cell"
    first_line = next((text.strip() for text in cell.splitlines() if text.strip()), "")
    if first_line:
        where += f" starting {first_line[:40]!r}"
    filled = fill(cell.strip("\n"), text_values, where=where)  # unknown placeholders fail first, named
    return Markdown(LEFT_OUT if empty_placeholders(cell, text_values) else filled)


def load_ipython_extension(ipython) -> None:
    """``%load_ext pdu_lib.present.authoring`` registers the ``%%prose`` cell magic.

    The magic keeps nothing: each cell fills from the page in the notebook's namespace
    (:func:`active_text_values`), so a kernel kept for another section, its namespace
    emptied, has nothing of the section before.
    """

    def prose(line: str, cell: str):
        text_values = active_text_values(ipython.user_ns)
        return prose_cell(line, cell, text_values, cell_number=getattr(ipython, "execution_count", None))

    ipython.register_magic_function(prose, magic_kind="cell", magic_name="prose")


def unload_ipython_extension(ipython) -> None:
    """``%unload_ext``: the ``%%prose`` magic goes (a render's kept kernel unloads it between sections)."""
    ipython.magics_manager.magics["cell"].pop("prose", None)
