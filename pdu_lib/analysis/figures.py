"""Every headline figure of a report, computed from a Dataset, under a stable id.

The ids are those of the evaluation's figures table (tests/data/report_figures.csv).
Each figure is a small function of the Dataset that returns a count or a
Share; ``compute_figures`` turns them into the machine-readable table that
rendering writes as ``figures.csv``. No value is written here: every one is
computed from the rows.

The measure and answer codes used below (``understanding``/``much_greater``,
``heard_via``/``word_of_mouth`` ...) are the common codes that
``harmonisation.yml`` maps every survey wording onto (see data/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator

import pandas as pd

from pdu_lib.analysis import metrics
from pdu_lib.analysis.metrics import Share

if TYPE_CHECKING:  # pragma: no cover
    from pdu_lib.inputs.dataset import Dataset

FIGURE_COLUMNS = ["figure_id", "value", "numerator", "base", "section", "unit", "statement"]

# Community of Practice groups, by the name the events list gives them.
COP_GROUPS = {
    "cop_sui": "Service User Involvement",
    "cop_housing_first": "Housing First",
    "cop_care_act": "Care Act",
}


@dataclass(frozen=True)
class Figure:
    figure_id: str
    section: str
    unit: str  # count, percent or fraction
    statement: str
    result: int | Share | None

    def row(self) -> dict:
        value = numerator = base = None
        if isinstance(self.result, Share):
            numerator, base = self.result.numerator, self.result.base
            value = self.result.rounded if self.unit == "percent" else self.result.numerator
        elif self.result is not None:
            value = int(self.result)
        return {
            "figure_id": self.figure_id,
            "value": value,
            "numerator": numerator,
            "base": base,
            "section": self.section,
            "unit": self.unit,
            "statement": self.statement,
        }


FigureSource = Callable[["Dataset"], Iterator[Figure]]
_SOURCES: list[FigureSource] = []


def _figure(figure_id: str, section: str, unit: str, statement: str):
    """Register a function of the Dataset as the figure ``figure_id``."""

    def register(function: Callable[["Dataset"], int | Share | None]):
        def source(ds: "Dataset") -> Iterator[Figure]:
            yield Figure(figure_id, section, unit, statement, function(ds))

        _SOURCES.append(source)
        return function

    return register


def _source(function: FigureSource) -> FigureSource:
    """Register a function that yields several figures (ids that depend on the data, e.g. rounds)."""
    _SOURCES.append(function)
    return function


# --- Who has attended ---------------------------------------------------------------


@_figure("learning_events", "attendance", "count", "Learning events run in the report period")
def learning_events(ds: "Dataset") -> int:
    return len(ds.learning_events)


@_figure("attendances", "attendance", "count", "Attendances at learning events")
def attendances(ds: "Dataset") -> int:
    return len(ds.attendances)


@_figure("individuals", "attendance", "count", "Distinct individuals who attended learning events")
def individuals(ds: "Dataset") -> int:
    return metrics.distinct_count(ds.attendances, "person_id")


@_figure("max_events_per_person", "attendance", "count", "Most learning events attended by one person")
def max_events_per_person(ds: "Dataset") -> int | None:
    per_person = metrics.events_per_person(ds.attendances)
    return int(per_person.max()) if len(per_person) else None


def _attendance_share(column: str, category: str) -> Callable[["Dataset"], Share]:
    def compute(ds: "Dataset") -> Share:
        return metrics.share(ds.attendances[column] == category)

    return compute


for _sector in ("voluntary", "statutory"):
    _figure(f"attendances_{_sector}_pct", "attendance", "percent", f"Share of attendances from the {_sector} sector")(
        _attendance_share("sector", _sector)
    )

for _focus, _label in (
    ("housing", "housing"),
    ("womens_services", "women's services"),
    ("offending", "offending"),
    ("mental_health", "mental health"),
    ("substance_misuse", "substance misuse"),
    ("other", "other"),
):
    _figure(f"focus_{_focus}_pct", "attendance", "percent", f"Attendances whose main work focus is {_label}")(
        _attendance_share("focus", _focus)
    )


def cop_table(ds: "Dataset") -> pd.DataFrame:
    return metrics.sessions_by_group(ds.cop_sessions, ds.cop_attendances)


@_source
def cop_figures(ds: "Dataset") -> Iterator[Figure]:
    table = cop_table(ds).set_index("cop_group")
    for prefix, group in COP_GROUPS.items():
        held = group in table.index
        sessions = int(table.at[group, "sessions"]) if held else 0
        fewest = int(table.at[group, "fewest"]) if held else None
        most = int(table.at[group, "most"]) if held else None
        yield Figure(f"{prefix}_sessions", "attendance", "count", f"{group} CoP sessions held", sessions)
        if prefix == "cop_housing_first":
            yield Figure(f"{prefix}_attendance", "attendance", "count", f"Attendees at the {group} CoP session(s), most at one", most)
        else:
            yield Figure(f"{prefix}_attendance_min", "attendance", "count", f"Fewest attendees at a {group} CoP session", fewest)
            yield Figure(f"{prefix}_attendance_max", "attendance", "count", f"Most attendees at a {group} CoP session", most)
    yield Figure(
        "cop_housing_first_next_booked",
        "attendance",
        "count",
        "Bookings for the next Housing First CoP session after the period",
        next_session_bookings(ds, COP_GROUPS["cop_housing_first"]),
    )


def next_session_bookings(ds: "Dataset", group: str) -> int | None:
    """Booked places on the first session of ``group`` held after the period end."""
    later = ds.all_events.loc[
        (ds.all_events["cop_group"] == group) & (ds.all_events["date"] > pd.Timestamp(ds.period.end))
    ].sort_values("date")
    if later.empty:
        return None
    next_id = later["event_id"].iloc[0]
    return metrics.count_where(ds.bookings, event_id=next_id, status="booked")


# --- Reach: how people heard, the online hub ------------------------------------------------


def _latest_round_answers(ds: "Dataset") -> pd.DataFrame:
    return ds.followup_answers.loc[ds.followup_answers["survey_id"] == ds.latest_round]


def _latest_round_share(measure: str, category: str) -> Callable[["Dataset"], Share]:
    def compute(ds: "Dataset") -> Share:
        return metrics.category_share(ds.measure_table(_latest_round_answers(ds), measure), category)

    return compute


for _option in ("word_of_mouth", "newsletter", "online_platform"):
    _figure(f"heard_{_option}", "attendance", "fraction", f"Latest follow-up round: heard of PDU events via {_option.replace('_', ' ')} (base: those who answered)")(
        _latest_round_share("heard_via", _option)
    )


@_figure("hub_registered_users", "attendance", "count", "Registered users of the online hub at the end of the period")
def hub_registered_users(ds: "Dataset") -> int:
    return len(ds.hub)


for _sector in ("voluntary", "statutory", "private"):
    _figure(f"hub_{_sector}_pct", "attendance", "percent", f"Hub users from the {_sector} sector")(
        lambda ds, _s=_sector: metrics.share(ds.hub["sector"] == _s)
    )

_figure("hub_aware", "attendance", "fraction", "Latest follow-up round: aware of the online hub")(_latest_round_share("hub_aware", "yes"))


@_figure("hub_used", "attendance", "fraction", "Of those aware of the hub, how many had used it")
def hub_used(ds: "Dataset") -> Share:
    answers = _latest_round_answers(ds)
    aware = set(answers.loc[(answers["measure"] == "hub_aware") & (answers["answer"] == "yes"), "response_id"])
    used = set(answers.loc[(answers["measure"] == "hub_used") & (answers["answer"] == "yes"), "response_id"])
    return Share(len(used & aware), len(aware))


# --- The evaluation approach ---------------------------------------------------------------


@_figure("followup_responses", "approach", "count", "Follow-up survey responses (all rounds in the period)")
def followup_responses(ds: "Dataset") -> int:
    return len(ds.followup_responses)


@_source
def followup_round_figures(ds: "Dataset") -> Iterator[Figure]:
    for round_id, count in ds.followup_responses.groupby("survey_id").size().sort_index().items():
        yield Figure(
            f"followup_responses_{round_id.replace('-', '_')}", "approach", "count", f"Follow-up survey responses in round {round_id}", int(count)
        )


@_figure("event_survey_responses", "approach", "count", "Post-event survey responses")
def event_survey_responses(ds: "Dataset") -> int:
    return len(ds.event_responses)


@_figure("interviews_participants", "approach", "count", "Telephone interviews with participants")
def interviews_participants(ds: "Dataset") -> int:
    return metrics.count_where(ds.interviews, group="participant")


@_figure("interviews_steering_group", "approach", "count", "Telephone interviews with Steering Group members")
def interviews_steering_group(ds: "Dataset") -> int:
    return metrics.count_where(ds.interviews, steering_group=True)


@_figure("interviews_facilitators_other", "approach", "count", "Interviews with further event facilitators (not on the Steering Group)")
def interviews_facilitators_other(ds: "Dataset") -> int:
    return metrics.count_where(ds.interviews, group="facilitator", steering_group=False)


@_source
def review_figures(ds: "Dataset") -> Iterator[Figure]:
    for _, review in ds.reviews.sort_values("date").iterrows():
        month = review["date"].strftime("%Y_%m")
        yield Figure(
            f"expert_citizens_review_{month}", "approach", "count", f"Expert Citizens in the {review['date']:%B %Y} review of actions", int(review["present"])
        )


# --- What people gained, sharing, changes ------------------------------------------------------


def _event_share(measure: str, category: str) -> Callable[["Dataset"], Share]:
    def compute(ds: "Dataset") -> Share:
        return metrics.category_share(ds.measure_table(ds.event_answers, measure), category)

    return compute


for _measure, _code, _label in (
    ("understanding", "much_greater", "much greater understanding of the topic"),
    ("understanding", "some", "some additional understanding"),
    ("understanding", "confirmed", "confirmed previous understanding"),
    ("understanding", "none", "no greater understanding"),
    ("awareness", "much_greater", "much greater awareness of the issues"),
    ("awareness", "some", "some additional awareness"),
    ("awareness", "confirmed", "confirmed existing awareness"),
    ("awareness", "none", "no additional awareness"),
):
    _figure(f"{_measure}_{_code}", "learning", "percent", f"Event surveys: {_label}")(_event_share(_measure, _code))

_figure("dissemination_frontline_pct", "sharing", "percent", "Event surveys: plan to share learning with front line staff")(
    _event_share("plans_to_share", "frontline_staff")
)
_figure("intend_change_pct", "changes", "percent", "Event surveys: intend to implement changes")(_event_share("intend_change", "yes"))


@_figure("made_contact", "links", "fraction", "Follow-up surveys (all rounds): made contact with someone met at a PDU event")
def made_contact(ds: "Dataset") -> Share:
    return metrics.category_share(ds.measure_table(ds.followup_answers, "made_contact"), "yes")


_figure("took_action", "changes", "fraction", "Latest follow-up round: took action as a result of PDU learning")(_latest_round_share("took_action", "yes"))

for _code, _label in (("yes", "could identify"), ("not_sure", "not sure about"), ("no", "could not identify")):
    _figure(
        {"yes": "outcomes_improved", "not_sure": "outcomes_not_sure", "no": "outcomes_not_improved"}[_code],
        "outcomes",
        "fraction",
        f"Latest follow-up round: {_label} improved outcomes for service users",
    )(_latest_round_share("outcomes_improved", _code))

for _code, _id, _label in (("very", "effective_very", "very effective"), ("quite", "effective_quite", "quite effective"), ("not_at_all", "effective_not", "not effective at all")):
    _figure(_id, "effectiveness", "fraction", f"Latest follow-up round: the model is {_label}")(_latest_round_share("effectiveness", _code))


@_figure("pledge_adopters", "changes", "count", "People coded as having introduced, or working towards, the Pledge")
def pledge_adopters(ds: "Dataset") -> int | None:
    if ds.excerpts is None:
        return None
    from pdu_lib.analysis import themes

    return themes.pledge_adopters(ds.excerpts, ds.period.end)


def figure_map(ds: "Dataset") -> dict[str, Figure]:
    """Every figure of the Dataset's report by id, with its Share; an id computed twice is a defect."""
    found: dict[str, Figure] = {}
    for source in _SOURCES:
        for figure in source(ds):
            if figure.figure_id in found:
                raise ValueError(f"figure id {figure.figure_id!r} is computed twice")
            found[figure.figure_id] = figure
    return found


def compute_figures(ds: "Dataset") -> pd.DataFrame:
    """Every figure for the Dataset's report, one row each, in a stable order (computed once per Dataset)."""
    table = pd.DataFrame([figure.row() for figure in ds.figures.values()], columns=FIGURE_COLUMNS)
    for column in ("value", "numerator", "base"):
        table[column] = table[column].astype("Int64")
    return table
