"""Tables the report's sections show, computed from the Dataset: sources of evidence, repeat attendance, sector shares.

Each function is pure: a Dataset (or its tidy tables) in, a small DataFrame
out, with reader-facing column names and no ids, so a notebook can show it
with :func:`pdu_lib.present.prose.table_html` as it is, or change it with a
little pandas first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from pdu_lib.analysis import metrics
from pdu_lib.analysis.themes import merge_small_groups
from pdu_lib.inputs.periods import round_label
from pdu_lib.inputs.records import INTERVIEW_GROUPS

if TYPE_CHECKING:  # pragma: no cover
    from pdu_lib.inputs.dataset import Dataset


def sources_of_evidence(ds: Dataset) -> pd.DataFrame:
    """Every source of evidence in the period, with how much of it there is: Source, Unit, Count.

    Post-event survey responses, follow-up survey responses by round,
    interviews by group (only the groups interviewed in the period, a group of
    fewer than three counted within a wider one) and the
    Expert Citizens reviews (people present).
    """
    rounds = ds.followup_responses.groupby("survey_id").size().sort_index()
    by_group = ds.interviews.groupby("group").size()
    # No group of fewer than three people is named: small groups are counted within a wider one.
    held = merge_small_groups({INTERVIEW_GROUPS[code]: int(n) for code, n in by_group.items()})
    reviews = ds.reviews.sort_values("date")
    rows = [
        ("Post-event surveys", "responses", len(ds.event_responses)),
        *[(f"Follow-up survey, {round_label(rid)}", "responses", int(n)) for rid, n in rounds.items()],
        *[(f"Interviews: {label}", "interviews", n) for label, n in held.items()],
        *[(f"Expert Citizens review, {r.date:%B %Y}", "people present", int(r.present)) for r in reviews.itertuples()],
    ]
    return pd.DataFrame(rows, columns=["Source", "Unit", "Count"])


@dataclass(frozen=True)
class EvidenceSource:
    """A source of evidence that authored text can name, the words that name it, and whether a period holds it.

    ``words`` is a regular expression (case ignored) that finds a passage
    naming the source; ``held`` says whether the Dataset's period has any of
    it. The claim check (:mod:`pdu_lib.report.authored_text`) fails a section
    whose text names a source its period lacks.
    """

    key: str
    name: str
    words: str
    held: Callable[[Dataset], bool]

    @property
    def tag(self) -> str:
        """The cell tag that shows a passage only in a period holding this source (``needs-review``)."""
        return f"needs-{self.key}"

    def named_in(self, text: str) -> bool:
        return re.search(self.words, text, flags=re.IGNORECASE) is not None


def _interviewed(ds: Dataset, flag: str, group: str) -> bool:
    """Whether the period holds an interview with someone flagged ``flag`` (a bool column) or of ``group``."""
    rows = ds.interviews
    flagged = rows[flag].fillna(False).astype(bool) if flag in rows.columns else pd.Series(False, index=rows.index)
    return bool((flagged | rows["group"].astype(str).eq(group)).any())


#: The sources of evidence authored text may name, and their words: one list, beside the sources table above.
EVIDENCE_SOURCES: tuple[EvidenceSource, ...] = (
    EvidenceSource(
        "steering-group",
        "Steering Group interviews",
        r"\bsteering group\b",
        lambda ds: _interviewed(ds, "steering_group", "steering_group_member"),
    ),
    EvidenceSource(
        "facilitators", "facilitator interviews", r"\bfacilitators?\b", lambda ds: _interviewed(ds, "facilitated_event", "facilitator")
    ),
    EvidenceSource(
        "review",
        "an Expert Citizens review",
        r"\bexpert citizens'?\s+(review|reviewed|judged|judgement|view)",
        lambda ds: len(ds.reviews) >= 1,
    ),
    EvidenceSource(
        "second-review",
        "a second Expert Citizens review",
        r"\b(second|later|two|both) (of the )?(expert citizens'? )?reviews?\b|\breview(ed)? (again|a second time)",
        lambda ds: len(ds.reviews) >= 2,
    ),
    EvidenceSource("follow-up", "a follow-up survey round", r"\bfollow-up (survey|round|respondents?)", lambda ds: ds.has_followup_data),
    EvidenceSource(
        "second-round",
        "a second follow-up round",
        r"\bsecond (round|follow-up)|\b(both|two) (follow-up )?(rounds|follow-up surveys)\b|\bsecond information collection",
        lambda ds: len(ds.rounds) >= 2,
    ),
)


def sources_lacking(ds: Dataset) -> tuple[EvidenceSource, ...]:
    """The sources of :data:`EVIDENCE_SOURCES` that the Dataset's period does not hold."""
    return tuple(source for source in EVIDENCE_SOURCES if not source.held(ds))


def repeat_attendance(attendances: pd.DataFrame) -> pd.DataFrame:
    """People by the number of learning events they attended, with reader column names.

    >>> rows = pd.DataFrame({"person_id": ["P1", "P1", "P2"], "event_id": ["E1", "E2", "E1"]})
    >>> repeat_attendance(rows).to_dict("records")
    [{'Learning events attended': 1, 'People': 1, 'Attendances': 1}, {'Learning events attended': 2, 'People': 1, 'Attendances': 2}]
    """
    table = metrics.repeat_attendance(attendances)
    return table.rename(columns={"events": "Learning events attended", "people": "People", "attendances": "Attendances"})


def shares_by_report(datasets: list[Dataset], column: str, labels: Mapping[str, str]) -> pd.DataFrame:
    """Attendances by ``column`` (sector, focus) for each report, labelled with the report's title, for a grouped chart."""
    tables = [metrics.counts_by(data.attendances, column, list(labels), labels).assign(group=data.period.title) for data in datasets]
    return pd.concat(tables, ignore_index=True)


def statutory_by_event(attendances: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Attendances at each learning event and how many came from the statutory sector, in date order.

    Columns: Event (month and title), Attendances, From the statutory sector.

    >>> att = pd.DataFrame({"event_id": ["E1", "E1", "E2"], "sector": ["statutory", "voluntary", "voluntary"]})
    >>> ev = pd.DataFrame({"event_id": ["E1", "E2"], "date": pd.to_datetime(["2018-01-10", "2018-02-10"]), "title": ["PIE", "Trauma"]})
    >>> statutory_by_event(att, ev).to_dict("records")
    [{'Event': 'Jan 2018: PIE', 'Attendances': 2, 'From the statutory sector': 1}, {'Event': 'Feb 2018: Trauma', 'Attendances': 1, 'From the statutory sector': 0}]
    """
    counts = (
        attendances.assign(statutory=attendances["sector"].eq("statutory"))
        .groupby("event_id")
        .agg(attendances=("sector", "size"), statutory=("statutory", "sum"))
    )
    shown = events.merge(counts, left_on="event_id", right_index=True).sort_values(["date", "event_id"])
    return pd.DataFrame(
        {
            "Event": shown["date"].dt.strftime("%b %Y") + ": " + shown["title"].astype(str),
            "Attendances": shown["attendances"].astype(int),
            "From the statutory sector": shown["statutory"].astype(int),
        }
    ).reset_index(drop=True)


def response_rate_table(rates: pd.DataFrame) -> pd.DataFrame:
    """The per-event response rates (:func:`pdu_lib.analysis.response_rates.response_rates`) as readers see them: no event ids.

    Columns: Date, Event, Attendances, Responses, Response rate (with its
    counts; a rate over 100% is shown and marked, see ``wording.format_rate``).

    >>> from pdu_lib.analysis.response_rates import response_rates
    >>> ev = pd.DataFrame({"event_id": ["E2", "E1"], "date": pd.to_datetime(["2018-02-10", "2018-01-10"]), "title": ["Trauma", "PIE"]})
    >>> rates = response_rates(ev, pd.DataFrame({"event_id": ["E1", "E1", "E2"]}), pd.DataFrame({"survey_id": ["E1"]}))
    >>> response_rate_table(rates).to_dict("records")[0]
    {'Date': '10 Jan 2018', 'Event': 'PIE', 'Attendances': 2, 'Responses': 1, 'Response rate': '1 of 2'}
    """
    from pdu_lib.present import wording

    return pd.DataFrame(
        {
            "Date": rates["date"].dt.strftime("%d %b %Y"),
            "Event": rates["title"].astype(str),
            "Attendances": rates["attendances"].astype(int),
            "Responses": rates["responses"].astype(int),
            "Response rate": [
                wording.format_rate(r, a, no_base="no attendances") for r, a in zip(rates["responses"], rates["attendances"])
            ],
        }
    ).reset_index(drop=True)


def response_rate_chart_table(rates: pd.DataFrame) -> pd.DataFrame:
    """The table a share chart draws from the per-event response rates: one bar per event with attendances, no ids.

    >>> from pdu_lib.analysis.response_rates import response_rates
    >>> ev = pd.DataFrame({"event_id": ["E1", "E2"], "date": pd.to_datetime(["2018-01-10", "2018-02-10"]), "title": ["PIE", "Trauma"]})
    >>> rates = response_rates(ev, pd.DataFrame({"event_id": ["E1"] * 4}), pd.DataFrame({"survey_id": ["E1"]}))
    >>> response_rate_chart_table(rates)[["label", "count", "base", "percent"]].to_dict("records")
    [{'label': 'Jan 2018 PIE', 'count': 1, 'base': 4, 'percent': 25.0}]
    """
    held = rates.loc[rates["attendances"] > 0].reset_index(drop=True)
    table = pd.DataFrame(
        {
            "category": [f"event{i}" for i in range(len(held))],
            "label": held["date"].dt.strftime("%b %Y") + " " + held["title"].astype(str),
            "count": held["responses"].astype(int),
            "base": held["attendances"].astype(int),
        }
    )
    table["percent"] = 100.0 * table["count"] / table["base"]
    return table


def judgements_set_aside(judgements) -> pd.DataFrame:
    """Expert Citizens judgements set aside because their action is not in the data as the pack gave it, by action id.

    For the data-quality appendix's technical part: the evaluator finds each
    row in the returned pack by its id (``inputs.expert_citizens.Judgements.set_aside``).

    >>> from pdu_lib.inputs.expert_citizens import Judgements, TEXT_CHANGED
    >>> aside = pd.DataFrame({"session": ["2019-02"], "action_id": ["A-1F2E3D"], "reason": [TEXT_CHANGED],
    ...                       "source_file": ["expert_citizens/2019-02-14.xlsx"], "source_row": [7]})
    >>> judgements_set_aside(Judgements(None, None, None, aside))[["Action id", "Row", "Why set aside"]].to_dict("records")
    [{'Action id': 'A-1F2E3D', 'Row': 7, 'Why set aside': 'action text changed in the data since the pack was made'}]
    """
    columns = {"action_id": "Action id", "session": "Session", "source_file": "File", "source_row": "Row", "reason": "Why set aside"}
    aside = getattr(judgements, "set_aside", None)
    if aside is None:
        return pd.DataFrame(columns=list(columns.values()))
    return aside[list(columns)].rename(columns=columns).reset_index(drop=True)
