"""Metric functions: pure, a tidy DataFrame in, a value or a table out.

Shares always travel with their numerator and base (``Share``); distributions
are tables with ``category, label, count, base, percent`` so that charts and
prose can show the base beside every percentage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from pdu_lib.inputs.dataset import Dataset


def round_half_up(value) -> int:
    """Round to a whole number, halves away from zero (2.5 -> 3, not Python's 2): the workbook's one rounding rule.

    >>> round_half_up(12.5), round_half_up(2.5), round_half_up(2.4999)
    (13, 3, 2)
    """
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


DISTRIBUTION_COLUMNS = ["category", "label", "count", "base", "percent"]


@dataclass(frozen=True)
class Share:
    """A part of a whole: numerator of base, and its percentage.

    >>> s = Share(47, 100)
    >>> s.percent, s.rounded
    (47.0, 47)

    How a share reads on the page is the present layer's job (``present.wording``).
    """

    numerator: int
    base: int

    @property
    def percent(self) -> float:
        return 100.0 * self.numerator / self.base if self.base else float("nan")

    @property
    def rounded(self) -> int | None:
        return round_half_up(self.percent) if self.base else None


def share(mask: pd.Series) -> Share:
    """The share of True values in a boolean Series (missing values excluded from the base).

    >>> share(pd.Series([True, False, True, None], dtype="boolean"))
    Share(numerator=2, base=3)
    """
    known = mask.dropna().astype(bool)
    return Share(int(known.sum()), len(known))


def distinct_count(frame: pd.DataFrame, column: str) -> int:
    """How many different values ``column`` holds (missing values not counted).

    >>> distinct_count(pd.DataFrame({"person_id": ["P1", "P2", "P1"]}), "person_id")
    2
    """
    return int(frame[column].dropna().nunique())


def distribution(
    values: pd.Series,
    scale: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    base: int | None = None,
) -> pd.DataFrame:
    """Counts and percentages of each category, in scale order, with the base on every row.

    The base is the number of non-missing values unless given (as for
    multi-select questions, where it is the number who answered).

    >>> distribution(pd.Series(["yes", "no", "yes", None]), ["yes", "no", "not_sure"])[["category", "count", "base"]].values.tolist()
    [['yes', 2, 3], ['no', 1, 3], ['not_sure', 0, 3]]
    """
    known = values.dropna()
    counts = known.value_counts()
    order = list(scale) if scale is not None else sorted(counts.index)
    extra = [c for c in counts.index if c not in order]
    if extra:
        raise ValueError(f"values outside the scale: {extra}")
    total = len(known) if base is None else int(base)
    rows = []
    for category in order:
        count = int(counts.get(category, 0))
        rows.append(
            {
                "category": category,
                "label": (labels or {}).get(category, str(category)),
                "count": count,
                "base": total,
                "percent": 100.0 * count / total if total else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=DISTRIBUTION_COLUMNS)


def categories_share(table: pd.DataFrame, categories: Sequence[str]) -> Share:
    """Several categories of a distribution table together, as one Share of the same base.

    >>> categories_share(distribution(pd.Series(["a", "b", "a", "c"])), ["a", "b"])
    Share(numerator=3, base=4)
    """
    shares = [category_share(table, category) for category in categories]
    base = max((share.base for share in shares), default=0)
    return Share(sum(share.numerator for share in shares), base)


def category_share(table: pd.DataFrame, category: str) -> Share:
    """One category of a distribution table as a Share.

    >>> category_share(distribution(pd.Series(["a", "b", "a"])), "a")
    Share(numerator=2, base=3)
    """
    row = table.loc[table["category"] == category]
    if row.empty:
        base = int(table["base"].iloc[0]) if len(table) else 0
        return Share(0, base)
    return Share(int(row["count"].iloc[0]), int(row["base"].iloc[0]))


# --- Survey answers -------------------------------------------------------------
# ``answers`` is the tidy survey frame: response_id, measure, kind, answer, text, ...


def answered_rows(answers: pd.DataFrame) -> pd.Series:
    """Which answer rows count as an answer: THE one definition of "answered" in the workbook.

    A row answers its measure when it holds a coded answer, or typed text: an
    open answer, or the typed-in Other text of a question that has an Other
    option (the survey loader keeps such text only there). Figures, prose
    helpers and the data-quality checks all use this rule.

    >>> a = pd.DataFrame({"answer": ["yes", None, None], "text": [None, "a typed Other", None]})
    >>> answered_rows(a).tolist()
    [True, True, False]
    """
    known = answers["answer"].notna()
    if "text" in answers.columns:
        known = known | answers["text"].notna()
    return known


def answered(answers: pd.DataFrame, measure: str) -> pd.Index:
    """The response ids that answered ``measure`` (see :func:`answered_rows`; multi-select: ticked or typed at least one).

    >>> a = pd.DataFrame({"response_id": ["r1", "r1", "r2", "r3"], "measure": ["m", "m", "x", "m"],
    ...                   "answer": ["a", "b", "c", None], "text": [None, None, None, "Other text"]})
    >>> list(answered(a, "m"))
    ['r1', 'r3']
    """
    rows = answers.loc[(answers["measure"] == measure) & answered_rows(answers), "response_id"]
    return pd.Index(rows.unique())


def conditional_share(answers: pd.DataFrame, condition: str, condition_code: str, measure: str, code: str) -> Share:
    """A conditional question's share: of those who gave ``condition_code`` to ``condition`` AND answered ``measure``,
    how many answered ``code``. Those asked who skipped the question are not in the base.

    >>> a = pd.DataFrame({"response_id": ["r1", "r1", "r2", "r2", "r3"],
    ...                   "measure": ["aware", "used", "aware", "used", "aware"],
    ...                   "answer": ["yes", "yes", "yes", "no", "yes"], "text": [None] * 5})
    >>> conditional_share(a, "aware", "yes", "used", "yes")
    Share(numerator=1, base=2)
    """
    asked = set(answers.loc[(answers["measure"] == condition) & (answers["answer"] == condition_code), "response_id"])
    base = asked & set(answered(answers, measure))
    yes = set(answers.loc[(answers["measure"] == measure) & (answers["answer"] == code), "response_id"])
    return Share(len(yes & base), len(base))


def single_choice(
    answers: pd.DataFrame,
    measure: str,
    scale: Sequence[str],
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Distribution of a single-choice measure among those who answered it.

    >>> a = pd.DataFrame({"response_id": ["r1", "r2", "r3"], "measure": "took_action", "answer": ["yes", "no", "yes"]})
    >>> single_choice(a, "took_action", ["yes", "no"])[["category", "count", "base"]].values.tolist()
    [['yes', 2, 3], ['no', 1, 3]]
    """
    rows = answers.loc[(answers["measure"] == measure) & answers["answer"].notna()]
    duplicated = rows["response_id"].duplicated()
    if duplicated.any():
        raise ValueError(f"measure {measure!r} has more than one answer for response(s) {sorted(rows.loc[duplicated, 'response_id'])}")
    # The base is everyone who answered (a typed Other answer too), so the prose and the appendix agree.
    return distribution(rows["answer"], scale, labels, base=len(answered(answers, measure)))


def multi_select(
    answers: pd.DataFrame,
    measure: str,
    options: Sequence[str],
    labels: Mapping[str, str] | None = None,
    base: int | None = None,
) -> pd.DataFrame:
    """Share of respondents ticking each option of a multi-select measure.

    The base is those who answered the question (ticked at least one option
    or typed an Other answer: :func:`answered`), unless a different base is given.

    >>> a = pd.DataFrame({"response_id": ["r1", "r1", "r2"], "measure": "heard_via", "answer": ["word_of_mouth", "newsletter", "word_of_mouth"]})
    >>> multi_select(a, "heard_via", ["word_of_mouth", "newsletter"])[["category", "count", "base"]].values.tolist()
    [['word_of_mouth', 2, 2], ['newsletter', 1, 2]]
    """
    rows = answers.loc[(answers["measure"] == measure) & answers["answer"].notna()]
    ticks = rows.drop_duplicates(["response_id", "answer"])
    total = len(answered(answers, measure)) if base is None else base
    return distribution(ticks["answer"], options, labels, base=total)


def answered_vs_responses(responses: pd.DataFrame, answers: pd.DataFrame, asked: pd.DataFrame) -> pd.DataFrame:
    """For each survey and measure: responses to surveys that asked it, and how many answered.

    The gap between the two is a base a reader could confuse (e.g. a figure
    quoted over everyone who took the survey when fewer answered).

    >>> r = pd.DataFrame({"response_id": ["a", "b"], "survey_id": "S"})
    >>> ans = pd.DataFrame({"response_id": ["a"], "survey_id": "S", "measure": "m", "answer": ["yes"]})
    >>> answered_vs_responses(r, ans, pd.DataFrame({"survey_id": ["S"], "measure": ["m"]})).values.tolist()
    [['m', 2, 1, 1]]
    """
    asked_responses = asked.merge(responses[["response_id", "survey_id"]], on="survey_id")
    respondents = asked_responses.groupby("measure")["response_id"].nunique().rename("responses")
    known = answers.loc[answered_rows(answers)]
    answering = known.merge(asked_responses[["response_id", "measure"]], on=["response_id", "measure"])
    answered_counts = answering.groupby("measure")["response_id"].nunique().rename("answered")
    table = pd.concat([respondents, answered_counts], axis=1).fillna(0).astype(int).reset_index()
    table["not_answered"] = table["responses"] - table["answered"]
    return table.sort_values("measure").reset_index(drop=True)


# --- Attendance -------------------------------------------------------------------


def events_per_person(attendances: pd.DataFrame) -> pd.Series:
    """How many different events each person attended, indexed by person_id.

    >>> events_per_person(pd.DataFrame({"person_id": ["P1", "P1", "P2"], "event_id": ["E1", "E2", "E1"]})).to_dict()
    {'P1': 2, 'P2': 1}
    """
    return attendances.groupby("person_id")["event_id"].nunique().sort_index()


def repeat_attendance(attendances: pd.DataFrame) -> pd.DataFrame:
    """People by the number of events they attended: events, people, attendances.

    >>> repeat_attendance(pd.DataFrame({"person_id": ["P1", "P1", "P2"], "event_id": ["E1", "E2", "E1"]})).values.tolist()
    [[1, 1, 1], [2, 1, 2]]
    """
    per_person = events_per_person(attendances)
    table = per_person.value_counts().sort_index().rename_axis("events").reset_index(name="people")
    table["attendances"] = table["events"] * table["people"]
    return table


def sessions_by_group(sessions: pd.DataFrame, cop_attendances: pd.DataFrame) -> pd.DataFrame:
    """Community of Practice groups: sessions held and fewest/most attending a session.

    ``sessions`` are CoP events (event_id, cop_group); ``cop_attendances`` the
    attended rows at them.

    >>> s = pd.DataFrame({"event_id": ["C1", "C2"], "cop_group": ["Care Act", "Care Act"]})
    >>> a = pd.DataFrame({"event_id": ["C1", "C1", "C2"], "person_id": ["P1", "P2", "P1"]})
    >>> sessions_by_group(s, a).values.tolist()
    [['Care Act', 2, 1, 2]]
    """
    per_session = cop_attendances.groupby("event_id")["person_id"].nunique()
    sizes = sessions[["event_id", "cop_group"]].assign(attended=lambda f: f["event_id"].map(per_session).fillna(0).astype(int))
    table = sizes.groupby("cop_group").agg(sessions=("event_id", "nunique"), fewest=("attended", "min"), most=("attended", "max"))
    return table.reset_index()


def change(before: Share, after: Share) -> float:
    """Change between two periods, in percentage points (unrounded).

    >>> round(change(Share(20, 100), Share(30, 120)), 1)
    5.0
    """
    return after.percent - before.percent


def counts_by(frame: pd.DataFrame, column: str, scale: Sequence[str], labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Distribution of a categorical column of a row-per-thing frame (e.g. attendances by sector)."""
    return distribution(frame[column], scale, labels)


def count_where(frame: pd.DataFrame, **equals) -> int:
    """Rows where every named column equals its value.

    >>> count_where(pd.DataFrame({"group": ["participant", "facilitator"], "steering_group": [False, False]}), group="participant")
    1
    """
    mask = pd.Series(True, index=frame.index)
    for column, value in equals.items():
        mask &= frame[column] == value
    return int(mask.sum())


def measure_table(ds: Dataset, answers: pd.DataFrame, measure_id: str) -> pd.DataFrame:
    """The distribution of a measure among ``answers``, on its scale and labels (multi-select or single choice).

    ``ds`` gives the measure's kind, scale and labels (its harmonisation map).
    """
    scale, labels = ds.scale(measure_id), ds.labels(measure_id)
    if ds.measure_kind(measure_id) == "multi":
        return multi_select(answers, measure_id, scale, labels)
    return single_choice(answers, measure_id, scale, labels)
