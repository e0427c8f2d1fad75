"""Words and formats for figures: share_words' rule table, half-up percentages, bases, cautions, intervals."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from pdu_lib.present import wording
from pdu_lib.present.wording import (
    CAUTION_MARK,
    CAUTION_NOTE,
    NO_BASE,
    count_words,
    format_fraction,
    format_percent,
    percent,
    share_phrase,
    share_words,
    wilson_interval,
)

# (numerator, base, words, why)
SHARE_CASES = [
    # the report's own wordings
    (36, 75, "just under half", "report: 48% of 75; exactly 2 points under is not 'about' nor 'almost'"),
    (13, 36, "just over a third", "report: 13/36"),
    (7, 29, "about a quarter", "report: 7/29; 7 is the nearest count to 29/4 = 7.25"),
    (10, 29, "about a third", "report: 10/29; 10 is the nearest count to 29/3 = 9.67"),
    (15, 29, "just over half", "report: 15/29; 14.5 is exactly between 14 and 15, so neither is 'about'"),
    (346, 468, "almost three quarters", "report's 74% voluntary; 1.07 points under"),
    # ends of the scale
    (0, 29, "none", "nobody"),
    (0, 1, "none", "nobody of one"),
    (29, 29, "all", "everybody"),
    (1, 1, "all", "everybody of one"),
    (1, 75, "very few", "1.3%"),
    (1, 21, "very few", "4.76%, just under 5"),
    (1, 20, "a few", "exactly 5% starts 'a few'"),
    (4, 29, "a few", "13.8%"),
    (29, 200, "a few", "14.5%"),
    (3, 20, "under a quarter", "exactly 15% leaves 'a few'"),
    (9, 10, "almost all", "exactly 90% starts 'almost all'"),
    (28, 29, "almost all", "96.6%"),
    (899, 1000, "more than three quarters", "89.9% is not yet 'almost all'"),
    # exact landmarks
    (1, 2, "half", "exactly half"),
    (117, 468, "a quarter", "exactly a quarter"),
    (1, 3, "a third", "exactly a third"),
    (2, 3, "two thirds", "exactly two thirds"),
    (3, 4, "three quarters", "exactly three quarters"),
    # 'about': within 1 point
    (99, 200, "about half", "49.5%"),
    (101, 200, "about half", "50.5%"),
    (49, 100, "almost half", "exactly 1 point under is not 'about'"),
    (51, 100, "just over half", "exactly 1 point over is not 'about'"),
    (33, 100, "about a third", "0.33 points under"),
    (66, 100, "about two thirds", "0.67 points under"),
    # 'about' by the nearest whole count, within 2 points
    (19, 29, "about two thirds", "19 nearest to 19.33; 1.15 points under"),
    (22, 29, "about three quarters", "0.86 points over"),
    (24, 75, "almost a third", "1.33 points under, 25 would be exact"),
    (26, 75, "just over a third", "1.33 points over, 25 would be exact"),
    (3, 10, "just under a third", "3 is the nearest count but 3.3 points is too far for 'about'"),
    (14, 29, "just under half", "the other side of the 14.5 tie"),
    # 'almost' / 'just under' edge at 1.5 points
    (293, 600, "almost half", "1.17 points under"),
    (97, 200, "just under half", "exactly 1.5 points under is 'just under'"),
    # the near band edge at 4 points
    (461, 1000, "just under half", "3.9 points under"),
    (46, 100, "under half", "exactly 4 points under leaves the band"),
    (539, 1000, "just over half", "3.9 points over"),
    (54, 100, "more than half", "exactly 4 points over leaves the band"),
    (21, 100, "under a quarter", "exactly 4 points under a quarter"),
    (22, 100, "just under a quarter", "3 points under"),
    (26, 100, "just over a quarter", "1 point over"),
    # between landmarks: the nearest one, with over/under
    (29, 100, "more than a quarter", "4 over a quarter, 4.33 under a third"),
    (41, 100, "more than a third", "nearer a third"),
    (42, 100, "under half", "nearer half"),
    (5, 12, "more than a third", "exactly midway: the lower landmark"),
    (7, 12, "more than half", "a majority: from below"),
    (59, 100, "more than half", "a majority: from below, though nearer two thirds"),
    (62, 100, "more than half", "a majority: from below"),
    (71, 100, "more than two thirds", "4 points under three quarters: from below"),
    (44, 100, "under half", "a minority: nearest landmark"),
    (24, 41, "more than half", "the report's 59% (24 of 41): 'Most people'"),
    (80, 100, "more than three quarters", "over the band"),
]


@pytest.mark.parametrize(("numerator", "base", "words", "why"), SHARE_CASES, ids=[f"{n}/{b}" for n, b, _, _ in SHARE_CASES])
def test_share_words_follows_the_rule_table(numerator, base, words, why):
    assert share_words(numerator, base) == words, why


VOCABULARY = {"none", "all", "almost all", "very few", "a few"} | {
    f"{prefix}{landmark}"
    for _, landmark in wording.LANDMARKS
    for prefix in ("", "about ", "almost ", "just under ", "just over ", "under ", "more than ")
}


def _rank(words: str) -> tuple:
    """Position of a phrase on the scale from none to all, for the monotonicity check."""
    fixed = {"none": (-3,), "very few": (-2,), "a few": (-1,), "almost all": (99,), "all": (100,)}
    if words in fixed:
        return fixed[words]
    order = ["under ", "just under ", "almost ", "about ", "", "just over ", "more than "]
    for position, (_, landmark) in enumerate(wording.LANDMARKS):
        for step, prefix in enumerate(order):
            if words == prefix + landmark:
                # 'about' can sit either side of the landmark: it ranks with the exact landmark
                return (position, 3 if prefix == "" else step)
    raise AssertionError(f"unexpected words {words!r}")


@pytest.mark.parametrize("base", [1, 2, 3, 7, 12, 27, 29, 36, 41, 75, 100, 192, 468])
def test_share_words_never_go_down_as_the_share_goes_up(base):
    ranks = [_rank(share_words(n, base)) for n in range(base + 1)]
    assert ranks == sorted(ranks)


@pytest.mark.parametrize("base", [29, 36, 75, 468])
def test_share_words_point_the_right_way(base):
    for n in range(base + 1):
        words = share_words(n, base)
        assert words in VOCABULARY
        share = Fraction(n, base)
        for fraction, landmark in wording.LANDMARKS:
            if words in (f"under {landmark}", f"just under {landmark}", f"almost {landmark}"):
                assert share < fraction, (n, base, words)
            if words in (f"more than {landmark}", f"just over {landmark}"):
                assert share > fraction, (n, base, words)
            if words == landmark:
                assert share == fraction, (n, base, words)
            if words == f"about {landmark}":
                assert abs(share - fraction) < Fraction(2, 100), (n, base, words)


def test_share_words_accepts_numpy_integers_and_whole_floats():
    assert share_words(np.int64(36), np.int64(75)) == "just under half"
    assert share_words(36.0, 75.0) == "just under half"


@pytest.mark.parametrize(("numerator", "base"), [(-1, 5), (6, 5), (2.5, 5), (float("nan"), 5), (True, 5), ("3", 5)])
def test_share_words_rejects_impossible_counts(numerator, base):
    with pytest.raises(ValueError):
        share_words(numerator, base)


def test_a_base_of_zero_gives_the_no_base_text_never_a_division_error():
    assert share_words(0, 0) == NO_BASE
    assert format_percent(0, 0) == NO_BASE
    assert format_fraction(0, 0) == NO_BASE
    assert share_phrase(0, 0) == NO_BASE
    with pytest.raises(ValueError, match="no base"):
        percent(0, 0)
    with pytest.raises(ValueError, match="no base"):
        wilson_interval(0, 0)


@pytest.mark.parametrize(
    ("numerator", "base", "expected"),
    [
        (36, 75, 48),
        (27, 75, 36),
        (11, 75, 15),
        (1, 75, 1),
        (11, 29, 38),
        (19, 29, 66),
        (346, 468, 74),
        (122, 468, 26),
        (1, 8, 13),  # 12.5: half up, where round() would give 12
        (5, 8, 63),  # 62.5: half up, where round() would give 62
        (1, 40, 3),  # 2.5: half up, where round() would give 2
        (1, 200, 1),  # 0.5
        (29, 200, 15),  # 14.5, a float trap: 100 * (29 / 200) is 14.499999999999998
        (0, 7, 0),
        (7, 7, 100),
    ],
)
def test_percent_rounds_half_up_exactly(numerator, base, expected):
    assert percent(numerator, base) == expected


def test_round_half_up_on_values():
    assert wording.round_half_up(2.5) == 3
    assert wording.round_half_up(0.5) == 1
    assert wording.round_half_up(36.499) == 36


@pytest.mark.parametrize(
    ("numerator", "base", "kwargs", "expected"),
    [
        (36, 75, {}, "48% (36 of 75)"),
        (24, 41, {}, "59% (24 of 41)"),
        (11, 29, {}, f"38% (11 of 29){CAUTION_MARK}"),
        (9, 30, {}, "30% (9 of 30)"),  # 30 is not under 30
        (11, 29, {"caution_below": None}, "38% (11 of 29)"),
        (11, 29, {"caution_below": 10}, "38% (11 of 29)"),
        (36, 75, {"caution_below": 100}, f"48% (36 of 75){CAUTION_MARK}"),
        (36, 75, {"intervals": True}, "48% (36 of 75; 95% CI 37\u201359%)"),
        (7, 29, {"intervals": True}, f"24% (7 of 29; 95% CI 12\u201342%){CAUTION_MARK}"),
    ],
)
def test_format_percent_shows_the_base_and_caution(numerator, base, kwargs, expected):
    assert format_percent(numerator, base, **kwargs) == expected


def test_format_fraction_is_a_plain_count_and_never_marked():
    assert format_fraction(13, 36) == "13/36"
    assert format_fraction(13, 27) == "13/27"


@pytest.mark.parametrize("numerator, base", [(6, 7), (0, 9), (9, 9), (1, 2)])
def test_a_base_under_10_shows_counts_only(numerator, base):
    assert format_percent(numerator, base) == f"{numerator} of {base}"
    assert "%" not in share_phrase(numerator, base) and CAUTION_MARK not in share_phrase(numerator, base)
    assert share_phrase(numerator, base).endswith(f"({numerator} of {base})")


def test_a_base_of_10_has_its_percentage_and_the_mark():
    assert format_percent(6, 10) == f"60% (6 of 10){CAUTION_MARK}"


@pytest.mark.parametrize(
    "n, noun, digits, expected",
    [
        (0, "person", False, "no one"),
        (1, "person", False, "one person"),
        (2, "person", False, "two people"),
        (10, "person", False, "10 people"),
        (0, "person", True, "no one"),
        (1, "person", True, "1 person"),
        (2, "person", True, "2 people"),
        (1, "review", True, "1 review"),
        (4, "review", False, "four reviews"),
    ],
)
def test_count_phrase_agrees_in_number(n, noun, digits, expected):
    assert wording.count_phrase(n, noun, digits=digits) == expected


def test_count_phrase_never_says_none_people_or_one_people():
    said = [wording.count_phrase(n, capitalise=cap) for n in range(30) for cap in (False, True)]
    assert not any(s.lower().startswith(("none ", "one people", "1 people")) for s in said)


def test_share_phrase_carries_words_percent_and_base():
    assert share_phrase(36, 75) == "just under half (48%, 36 of 75)"
    assert share_phrase(13, 36) == "just over a third (36%, 13 of 36)"
    assert share_phrase(15, 29) == f"just over half (52%, 15 of 29){CAUTION_MARK}"
    assert share_phrase(36, 75, intervals=True) == "just under half (48%, 36 of 75; 95% CI 37\u201359%)"


def test_caution_note_explains_the_marker():
    assert CAUTION_NOTE.startswith(CAUTION_MARK)
    assert "base of that percentage is under 30" in CAUTION_NOTE
    assert "treat it with care" in CAUTION_NOTE
    assert "under 50" in wording.caution_note(50)


def test_the_dagger_means_one_thing_the_base_of_that_percentage_is_under_30():
    # A response rate of 5 answers out of 30 attendances has a base of 30: no mark.
    assert CAUTION_MARK not in wording.format_percent(5, 30)
    assert wording.format_percent(5, 29).endswith(CAUTION_MARK)
    assert "answered" not in CAUTION_NOTE


def _wilson_by_quadratic(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Independent reference: the interval ends are the p with |k/n - p| = z * sqrt(p (1 - p) / n)."""
    share = k / n
    a, b, c = 1 + z * z / n, -(2 * share + z * z / n), share * share
    root = math.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


@pytest.mark.parametrize(
    ("numerator", "base", "low", "high"),
    [
        (36, 75, 0.37069, 0.59126),
        (24, 41, 0.43367, 0.72244),
        (0, 10, 0.0, 0.27754),
        (10, 10, 0.72246, 1.0),
        (1, 2, 0.09453, 0.90547),
        (7, 29, 0.12218, 0.42108),
    ],
)
def test_wilson_interval_matches_reference_values(numerator, base, low, high):
    got_low, got_high = wilson_interval(numerator, base)
    assert got_low == pytest.approx(low, abs=1e-5)
    assert got_high == pytest.approx(high, abs=1e-5)


@pytest.mark.parametrize("base", [3, 29, 75, 468])
def test_wilson_interval_agrees_with_the_quadratic_form(base):
    for n in range(base + 1):
        assert wilson_interval(n, base) == pytest.approx(_wilson_by_quadratic(n, base), abs=1e-9)


@pytest.mark.parametrize("base", [1, 5, 29, 75])
def test_wilson_interval_is_symmetric_bounded_and_contains_the_share(base):
    for n in range(base + 1):
        low, high = wilson_interval(n, base)
        assert 0.0 <= low <= n / base <= high <= 1.0
        other_low, other_high = wilson_interval(base - n, base)
        assert math.isclose(low, 1 - other_high, abs_tol=1e-12)
        assert math.isclose(high, 1 - other_low, abs_tol=1e-12)


def test_wilson_interval_narrows_with_a_wider_z():
    narrow = wilson_interval(36, 75, z=1.0)
    wide = wilson_interval(36, 75, z=2.576)
    assert wide[0] < narrow[0] < narrow[1] < wide[1]


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "none"),
        (1, "one"),
        (2, "two"),
        (3, "three"),
        (4, "four"),
        (5, "five"),
        (6, "six"),
        (7, "seven"),
        (8, "eight"),
        (9, "nine"),
        (10, "10"),
        (11, "11"),
        (291, "291"),
    ],
)
def test_count_words_spells_out_one_to_nine(n, words):
    assert count_words(n) == words


def test_count_words_capitalises_and_rejects_negative():
    assert count_words(4, capitalise=True) == "Four"
    assert count_words(12, capitalise=True) == "12"
    with pytest.raises(ValueError):
        count_words(-1)


# --- Evaluative words come from the numbers (issue 12, case 5) -------------------------------------

from pdu_lib.present.wording import evaluative_word, with_evaluative_word  # noqa: E402


@pytest.mark.parametrize(
    ("numerator", "base", "word"),
    [
        (29, 29, ""),  # all aware: "only" would contradict the figure
        (0, 29, ""),
        (0, 0, ""),
        (1, 29, "only"),
        (14, 29, "only"),  # 48%: a minority
        (15, 30, ""),  # exactly half earns no word
        (22, 30, ""),  # 73%
        (3, 4, "as many as"),  # exactly 75%
        (28, 29, "as many as"),
    ],
)
def test_evaluative_word_follows_the_rule_table(numerator, base, word):
    assert evaluative_word(numerator, base) == word


def test_evaluative_word_band_edges_are_exact():
    # Every share of every base up to 60 falls in exactly the band its exact fraction says.
    for base in range(1, 61):
        for n in range(base + 1):
            word = evaluative_word(n, base)
            if n in (0, base):
                assert word == ""
            elif 2 * n < base:
                assert word == "only", (n, base)
            elif 4 * n >= 3 * base:
                assert word == "as many as", (n, base)
            else:
                assert word == "", (n, base)


def test_with_evaluative_word_never_writes_only_before_all():
    assert with_evaluative_word("100% (29 of 29)", 29, 29) == "100% (29 of 29)"
    assert with_evaluative_word("four", 4, 11, low="just", capitalise=True) == "Just four"
    assert with_evaluative_word("four", 4, 5, low="just", high="as many as", capitalise=True) == "As many as four"
    with pytest.raises(ValueError):
        evaluative_word(5, 4)
