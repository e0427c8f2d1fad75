"""Words and formats for figures in the prose: shares, counts, percentages.

The report puts figures into words ("just under half (47%)", "about a third
(7/20)"). Here a tested rule chooses those words from the number, so that
no sentence of the report is worded by hand and the words always agree with
the figure printed beside them.

Rule table for :func:`share_words` (``p`` = 100 x numerator / base, exact;
``d`` = ``p`` minus the nearest landmark, in percentage points):

=====================================  ==================================
share                                  words
=====================================  ==================================
numerator 0                            "none"
numerator equal to the base            "all"
p >= 90                                "almost all"
0 < p < 5                              "very few"
5 <= p < 15                            "a few"
exactly 1/4, 1/3, 1/2, 2/3, 3/4        "a quarter", "a third", "half",
                                       "two thirds", "three quarters"
|d| < 1, or |d| < 2 when the           "about <landmark>"
numerator is the single whole count
nearest to the landmark for this base
-1.5 < d < 0 (and not "about")         "almost <landmark>"
-4 < d <= -1.5                         "just under <landmark>"
0 < d < 4 (and not "about")            "just over <landmark>"
otherwise, p > 50                      "more than <the landmark below>"
otherwise, below the nearest landmark  "under <landmark>"
otherwise, above the nearest landmark  "more than <landmark>"
=====================================  ==================================

Landmarks are 1/4, 1/3, 1/2, 2/3 and 3/4; the bands never overlap (the
closest landmarks, 1/4 and 1/3, are 8.3 points apart). A share exactly
midway between two landmarks (5/12) takes the lower one: 5/12 is "more
than a third". Between bands, a majority is described from below (59% is
"more than half", as a report would put it, not "under two thirds"); a
minority by its nearest landmark (42% is "under half", 38% "more than a
third"). The "nearest whole count" clause lets a small base
say "about" when it cannot get closer (6/25 is "about a quarter": 6.25 of 25
would be exactly a quarter), while an odd base sitting exactly between two
counts says "just over" or "just under" (11/21 is "just over half"). "Almost"
is the closest approach from below (148/200, 74%, is "almost three
quarters"); "just under" is a little further off (47/100, 47%).
Everything is computed with exact fractions, so band edges do not depend on
floating point.

Evaluative words ("only", "just", "as many as") are a judgement on the
number, so they come from it too (:func:`evaluative_word`), never from the
text. Rule table (exact fractions; ``p`` as above):

=====================================  ==================================
share                                  word
=====================================  ==================================
no base, numerator 0, or all           nothing (the figure speaks)
p < 50 (a minority)                    "only" (or the ``low`` word, e.g. "just")
50 <= p < 75                           nothing
p >= 75 (and not all)                  "as many as" (or the ``high`` word)
=====================================  ==================================

Percentages are whole numbers rounded half up (12.5% is 13%), never Python's
round-half-to-even. A percentage on a base under ``caution_below`` (30 by
default) carries the visible marker :data:`CAUTION_MARK`, explained by
:data:`CAUTION_NOTE`; the mark is for percentages only, never for plain counts
("13 of 27", "13/27"). A base under :data:`COUNTS_ONLY_BELOW` (10) is too
small for a percentage at all: it is shown as counts only ("6 of 7").

How many people (or reviews, events ...) did something is written by one rule,
:func:`count_phrase`: "no one", "one person", "two people", "12 people".

Functions that return text return :data:`NO_BASE` for a base of 0; functions
that return numbers raise ``ValueError`` (never ``ZeroDivisionError``).
"""

from __future__ import annotations

import math
import numbers
import re
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from pdu_lib.analysis.metrics import round_half_up

__all__ = [
    "CAUTION_BELOW",
    "CAUTION_MARK",
    "CAUTION_NOTE",
    "COUNTS_ONLY_BELOW",
    "NO_BASE",
    "QUANTITY_WORDS",
    "caution_note",
    "count_phrase",
    "count_words",
    "evaluative_word",
    "format_fraction",
    "format_percent",
    "needs_caution",
    "percent",
    "quantity_words_in",
    "round_half_up",
    "share_phrase",
    "share_words",
    "wilson_interval",
    "with_evaluative_word",
]

CAUTION_BELOW = 30
#: A base under this is shown as counts only ("6 of 7"), never as a percentage.
COUNTS_ONLY_BELOW = 10
CAUTION_MARK = "\u2020"  # dagger
NO_BASE = "no base: nobody answered"

# (fraction, words), in increasing order.
LANDMARKS: tuple[tuple[Fraction, str], ...] = (
    (Fraction(1, 4), "a quarter"),
    (Fraction(1, 3), "a third"),
    (Fraction(1, 2), "half"),
    (Fraction(2, 3), "two thirds"),
    (Fraction(3, 4), "three quarters"),
)
# Band widths, in percentage points.
ABOUT_WITHIN = Fraction(1)
ABOUT_NEAREST_COUNT_WITHIN = Fraction(2)
ALMOST_WITHIN = Fraction(3, 2)
NEAR_WITHIN = Fraction(4)
# Evaluative words: a share below LOW_BELOW is "only"; from HIGH_FROM (and not all) "as many as".
LOW_BELOW = Fraction(1, 2)
HIGH_FROM = Fraction(3, 4)
# Small and large shares, in percent.
VERY_FEW_BELOW = Fraction(5)
A_FEW_BELOW = Fraction(15)
ALMOST_ALL_FROM = Fraction(90)

_SMALL_NUMBERS = ("none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def caution_note(caution_below: int = CAUTION_BELOW) -> str:
    """The footnote that explains the caution marker.

    >>> caution_note()
    '† The base of that percentage is under 30: treat it with care.'
    >>> caution_note(50)
    '† The base of that percentage is under 50: treat it with care.'

    One meaning wherever the mark appears: the base (the n after "of") is
    under the threshold, whatever the base counts (answers, attendances).
    """
    return f"{CAUTION_MARK} The base of that percentage is under {int(caution_below)}: treat it with care."


CAUTION_NOTE = caution_note(CAUTION_BELOW)


def _whole(value, what: str) -> int:
    """``value`` as a non-negative int; ValueError for anything else (NaN, 2.5, -1, True)."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a whole number, not {value!r}")
    if isinstance(value, numbers.Integral):
        number = int(value)
    elif isinstance(value, numbers.Real) and math.isfinite(float(value)) and float(value).is_integer():
        number = int(float(value))
    else:
        raise ValueError(f"{what} must be a whole number, not {value!r}")
    if number < 0:
        raise ValueError(f"{what} must not be negative, got {number}")
    return number


def _counts(numerator, base) -> tuple[int, int]:
    n = _whole(numerator, "numerator")
    b = _whole(base, "base")
    if n > b:
        raise ValueError(f"numerator {n} is larger than its base {b}")
    return n, b


def needs_caution(base, caution_below: int | None = CAUTION_BELOW) -> bool:
    """True when a base is small enough to carry the caution marker.

    >>> needs_caution(29), needs_caution(30), needs_caution(29, caution_below=None)
    (True, False, False)
    """
    if not caution_below:
        return False
    return _whole(base, "base") < caution_below


def percent(numerator, base) -> int:
    """The share as a whole percentage, rounded half up.

    >>> percent(47, 100), percent(1, 8), percent(11, 28)
    (47, 13, 39)

    A base of 0 has no percentage: ValueError (never ZeroDivisionError).
    """
    n, b = _counts(numerator, base)
    if b == 0:
        raise ValueError(f"no percentage of a base of 0 ({n} of 0): {NO_BASE}")
    # Exact enough: a share k/b is never closer than 1/(2b) to a half without
    # being one, far beyond the 60 digits used here.
    with localcontext() as ctx:
        ctx.prec = 60
        value = Decimal(100 * n) / Decimal(b)
        return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def wilson_interval(numerator, base, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval for a share, as proportions between 0 and 1.

    >>> low, high = wilson_interval(47, 100)
    >>> round(low, 3), round(high, 3)
    (0.375, 0.567)
    >>> wilson_interval(0, 10)[0]
    0.0
    """
    n, b = _counts(numerator, base)
    if b == 0:
        raise ValueError(f"no interval for a base of 0: {NO_BASE}")
    p = n / b
    z2 = z * z
    denominator = 1 + z2 / b
    centre = (p + z2 / (2 * b)) / denominator
    half_width = (z / denominator) * math.sqrt(p * (1 - p) / b + z2 / (4 * b * b))
    low = 0.0 if n == 0 else max(0.0, centre - half_width)
    high = 1.0 if n == b else min(1.0, centre + half_width)
    return low, high


def _interval_text(numerator: int, base: int, z: float) -> str:
    low, high = wilson_interval(numerator, base, z)
    level = "95%" if z == 1.96 else f"z={z}"
    return f"{level} CI {round_half_up(low * 100)}\u2013{round_half_up(high * 100)}%"


def format_percent(
    numerator,
    base,
    caution_below: int | None = CAUTION_BELOW,
    intervals: bool = False,
    z: float = 1.96,
) -> str:
    """A percentage with its base beside it, the way every share in the report is shown.

    >>> format_percent(47, 100)
    '47% (47 of 100)'
    >>> format_percent(11, 28)
    '39% (11 of 28)†'
    >>> format_percent(47, 100, intervals=True)
    '47% (47 of 100; 95% CI 38–57%)'
    >>> format_percent(0, 0)
    'no base: nobody answered'

    A base under :data:`COUNTS_ONLY_BELOW` gives counts only, unmarked:

    >>> format_percent(6, 7)
    '6 of 7'
    """
    n, b = _counts(numerator, base)
    if b == 0:
        return NO_BASE
    if b < COUNTS_ONLY_BELOW:
        return f"{n} of {b}"
    inside = f"{n} of {b}"
    if intervals:
        inside += f"; {_interval_text(n, b, z)}"
    mark = CAUTION_MARK if needs_caution(b, caution_below) else ""
    return f"{percent(n, b)}% ({inside}){mark}"


#: Marks a rate whose count exceeds its base (e.g. a survey link forwarded beyond those who attended).
OVER_BASE_MARK = "\u2021"  # double dagger
OVER_BASE_NOTE = f"{OVER_BASE_MARK} More responses than attendances were recorded: see the data-quality appendix."


def format_rate(numerator, base, caution_below: int | None = CAUTION_BELOW, no_base: str = NO_BASE) -> str:
    """A rate with its counts, like :func:`format_percent`, except that a count above its base is shown, flagged.

    A response rate can exceed 100% when more people answered than were
    recorded as attending; that is a finding about the data, not an error.

    >>> format_rate(11, 28), format_rate(9, 7), format_rate(12, 10), format_rate(0, 0, no_base="no attendances")
    ('39% (11 of 28)†', '9 of 7‡', '120% (12 of 10)‡', 'no attendances')
    """
    n = _whole(numerator, "numerator")
    b = _whole(base, "base")
    if n <= b:
        return no_base if b == 0 else format_percent(n, b, caution_below)
    if b == 0:
        return f"{n} with no base{OVER_BASE_MARK}"
    if b < COUNTS_ONLY_BELOW:
        return f"{n} of {b}{OVER_BASE_MARK}"
    return f"{round_half_up(Decimal(100 * n) / Decimal(b))}% ({n} of {b}){OVER_BASE_MARK}"


def format_fraction(numerator, base) -> str:
    """A share written as a fraction ("13/40"): plain counts, so never marked, whatever the base.

    >>> format_fraction(13, 40), format_fraction(12, 25)
    ('13/40', '12/25')
    >>> format_fraction(0, 0)
    'no base: nobody answered'
    """
    n, b = _counts(numerator, base)
    if b == 0:
        return NO_BASE
    return f"{n}/{b}"


def count_words(n, capitalise: bool = False) -> str:
    """A count as prose writes it: words up to nine, digits from 10.

    >>> count_words(4), count_words(9), count_words(11), count_words(0)
    ('four', 'nine', '11', 'none')
    >>> count_words(6, capitalise=True)
    'Six'
    """
    number = _whole(n, "count")
    text = _SMALL_NUMBERS[number] if number < len(_SMALL_NUMBERS) else str(number)
    return text[0].upper() + text[1:] if capitalise else text


#: Nouns the report counts, with their plurals and what "none" of them reads as.
_NOUNS: dict[str, tuple[str, str]] = {
    "person": ("people", "no one"),
    "respondent": ("respondents", "no respondent"),
    "review": ("reviews", "no review"),
    "session": ("sessions", "no sessions"),
    "event": ("events", "no events"),
    "interview": ("interviews", "no interviews"),
    "action": ("actions", "no actions"),
}
#: The nouns :func:`count_phrase` knows by name (a %%prose count can take one as its format: ``{x:session}``).
COUNT_NOUNS = ("person", *(noun for noun in _NOUNS if noun != "person"))


def count_phrase(n, noun: str = "person", *, digits: bool = False, capitalise: bool = False) -> str:
    """How many of something, with the noun agreeing: the one rule for "no one", "one person", "2 people".

    Prose writes counts in words up to nine (:func:`count_words`); tables
    (``digits=True``) in digits. Zero people is "no one", never "none people".

    >>> [count_phrase(n) for n in (0, 1, 2, 12)]
    ['no one', 'one person', 'two people', '12 people']
    >>> [count_phrase(n, digits=True) for n in (0, 1, 2)]
    ['no one', '1 person', '2 people']
    >>> count_phrase(1, "review", digits=True), count_phrase(3, "review"), count_phrase(0, "review", capitalise=True)
    ('1 review', 'three reviews', 'No review')
    >>> count_phrase(1, "Expert Citizen"), count_phrase(6, "Expert Citizen")
    ('one Expert Citizen', 'six Expert Citizens')
    """
    number = _whole(n, "count")
    plural, nobody = _NOUNS.get(noun, (noun + "s", "no " + noun + "s"))
    if number == 0:
        text = nobody
    else:
        amount = str(number) if digits else count_words(number)
        text = f"{amount} {noun if number == 1 else plural}"
    return text[0].upper() + text[1:] if capitalise else text


def share_words(numerator, base) -> str:
    """The words for a share, chosen from the number (see the module's rule table).

    >>> share_words(47, 100)
    'just under half'
    >>> share_words(35, 100)
    'just over a third'
    >>> share_words(6, 25), share_words(7, 20), share_words(11, 21)
    ('about a quarter', 'about a third', 'just over half')
    >>> share_words(148, 200)
    'almost three quarters'
    >>> share_words(0, 20), share_words(1, 50), share_words(19, 20), share_words(20, 20)
    ('none', 'very few', 'almost all', 'all')
    """
    n, b = _counts(numerator, base)
    if b == 0:
        return NO_BASE
    if n == 0:
        return "none"
    if n == b:
        return "all"
    share = Fraction(n, b)
    p = share * 100
    if p >= ALMOST_ALL_FROM:
        return "almost all"
    if p < VERY_FEW_BELOW:
        return "very few"
    if p < A_FEW_BELOW:
        return "a few"
    landmark, words = min(LANDMARKS, key=lambda item: abs(share - item[0]))
    d = p - landmark * 100
    if d == 0:
        return words
    if abs(d) < NEAR_WITHIN:
        nearest_count = abs(n - landmark * b) < Fraction(1, 2)
        if abs(d) < ABOUT_WITHIN or (abs(d) < ABOUT_NEAREST_COUNT_WITHIN and nearest_count):
            return f"about {words}"
        if d < 0:
            return f"almost {words}" if d > -ALMOST_WITHIN else f"just under {words}"
        return f"just over {words}"
    if share > Fraction(1, 2):
        # A majority is described from below ("more than half", not "under two thirds").
        below = [w for fraction, w in LANDMARKS if fraction < share]
        return f"more than {below[-1]}"
    return f"under {words}" if d < 0 else f"more than {words}"


def share_phrase(
    numerator,
    base,
    caution_below: int | None = CAUTION_BELOW,
    intervals: bool = False,
    z: float = 1.96,
) -> str:
    """Words and figure together, as the prose carries them.

    >>> share_phrase(47, 100)
    'just under half (47%, 47 of 100)'
    >>> share_phrase(6, 25)
    'about a quarter (24%, 6 of 25)†'
    >>> share_phrase(47, 100, intervals=True)
    'just under half (47%, 47 of 100; 95% CI 38–57%)'
    >>> share_phrase(6, 7)
    'more than three quarters (6 of 7)'
    """
    n, b = _counts(numerator, base)
    if b == 0:
        return NO_BASE
    if b < COUNTS_ONLY_BELOW:
        return f"{share_words(n, b)} ({n} of {b})"
    figure = format_percent(n, b, caution_below=caution_below, intervals=intervals, z=z)
    # "47% (47 of 100)" -> "47%, 47 of 100"
    pct, _, rest = figure.partition(" (")
    return f"{share_words(n, b)} ({pct}, {rest}"


def evaluative_word(numerator, base, low: str = "only", high: str = "as many as") -> str:
    """The evaluative word a share earns, or "" when it earns none (see the module's rule table).

    ``low`` is the word for a minority ("only", or "just" before a count);
    ``high`` the word for a large majority ("as many as").

    >>> evaluative_word(13, 30), evaluative_word(4, 11, low="just"), evaluative_word(15, 30)
    ('only', 'just', '')
    >>> evaluative_word(24, 30), evaluative_word(29, 29), evaluative_word(0, 12), evaluative_word(0, 0)
    ('as many as', '', '', '')
    """
    n, b = _counts(numerator, base)
    if b == 0 or n == 0 or n == b:
        return ""
    share = Fraction(n, b)
    if share < LOW_BELOW:
        return low
    if share >= HIGH_FROM:
        return high
    return ""


def with_evaluative_word(text: str, numerator, base, low: str = "only", high: str = "as many as", capitalise: bool = False) -> str:
    """``text`` (a figure as prose writes it) preceded by the evaluative word its share earns, if any.

    >>> with_evaluative_word("43% (13 of 30)", 13, 30)
    'only 43% (13 of 30)'
    >>> with_evaluative_word("100% (29 of 29)", 29, 29)
    '100% (29 of 29)'
    >>> with_evaluative_word("four", 4, 11, low="just", capitalise=True)
    'Just four'
    """
    word = evaluative_word(numerator, base, low=low, high=high)
    phrase = f"{word} {text}" if word else text
    return phrase[0].upper() + phrase[1:] if capitalise and phrase else phrase


#: Words that say how many without a figure: authored text may not type them (a figure's format gives them).
QUANTITY_WORDS: tuple[str, ...] = (
    "almost all",
    "nearly all",
    "almost everyone",
    "nearly everyone",
    "everyone",
    "most",
    "majority",
    "minority",
    "a large share",
    "a small share",
    "a large number",
    "a number of",
    "a handful",
    "numerous",
    "several",
    "few",
    "many",
    "half",
    "a third",
    "two thirds",
    "a quarter",
    "three quarters",
)
_QUANTITY = re.compile(r"(?<!how )(?<![\w-])(" + "|".join(re.escape(w) for w in QUANTITY_WORDS) + r")(?![\w-])", re.IGNORECASE)


def quantity_words_in(text: str) -> list[str]:
    """The quantity words typed in ``text``, lower case, in order of appearance, each once.

    >>> quantity_words_in("Most were very positive; a few had concerns, and MOST came back.")
    ['most', 'few']
    >>> quantity_words_in("The mostly-attended half-day sessions, and how many came")
    []
    """
    return list(dict.fromkeys(match.group(1).casefold() for match in _QUANTITY.finditer(text)))
