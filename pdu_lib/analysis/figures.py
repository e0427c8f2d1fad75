"""Every headline figure of a report, computed from a Dataset, under a stable id.

The ids are those of the evaluation's figures table (tests/data/report_figures.csv).
Each figure is a small function of the Dataset that returns a count or a
Share; ``compute_figures`` turns them into the machine-readable table that
rendering writes as ``figures.csv``. No value is written here: every one is
computed from the rows.

Each figure also says where it comes from (:class:`Provenance`): the input
files its rows were read from, the question as it was asked (every wording the
harmonisation map gives its measure), the filter (report period, round, who
counts in the base) and the metric that computed it. ``figures.csv`` and the
appendix "Figures and where they come from" carry these columns.

The measure and answer codes used below (``understanding``/``much_greater``,
``heard_via``/``word_of_mouth`` ...) are the common codes that
``harmonisation.yml`` maps every survey wording onto (see data/README.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from pdu_lib.analysis import expert_review, metrics, themes
from pdu_lib.analysis.metrics import Share
from pdu_lib.inputs.harmonise import normalise_text
from pdu_lib.inputs.periods import long_date, round_label
from pdu_lib.memo import PROCESS_MEMO

if TYPE_CHECKING:  # pragma: no cover
    from pdu_lib.inputs.dataset import Dataset

PROVENANCE_COLUMNS = ["source_files", "question", "filter", "metric"]
FIGURE_COLUMNS = ["figure_id", "value", "numerator", "base", "section", "unit", "statement", *PROVENANCE_COLUMNS]

# Community of Practice groups, by the name the events list gives them.
COP_GROUPS = {
    "cop_sui": "Service User Involvement",
    "cop_housing_first": "Housing First",
    "cop_care_act": "Care Act",
}


@dataclass(frozen=True)
class Provenance:
    """Where a figure comes from: input files, the question as asked, the filter and the metric."""

    source_files: tuple[str, ...] = ()
    question: str = ""
    filter: str = ""
    metric: str = ""

    def row(self) -> dict:
        return {"source_files": "; ".join(self.source_files), "question": self.question, "filter": self.filter, "metric": self.metric}


@dataclass(frozen=True)
class FigureValue:
    figure_id: str
    section: str
    unit: str  # count, percent or fraction
    statement: str
    result: int | Share | None
    provenance: Provenance = Provenance()

    def row(self) -> dict:
        value = numerator = base = None
        if isinstance(self.result, Share):
            numerator, base = self.result.numerator, self.result.base
            if base:  # a share with no base has no value: empty, never 0
                value = self.result.rounded if self.unit == "percent" else self.result.numerator
            else:
                numerator = None
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
            **self.provenance.row(),
        }


ProvenanceOf = Callable[["Dataset"], Provenance]
Compute = Callable[["Dataset"], "int | Share | None"]


@dataclass(frozen=True)
class FigureSpec:
    """One headline figure: its id, where the report uses it, and how it is computed from a Dataset."""

    figure_id: str
    section: str
    unit: str  # count, percent or fraction
    statement: str
    compute: Compute
    provenance: ProvenanceOf

    def values(self, ds: Dataset) -> Iterator[FigureValue]:
        yield FigureValue(self.figure_id, self.section, self.unit, self.statement, self.compute(ds), self.provenance(ds))


@dataclass(frozen=True)
class FigureFamily:
    """Figures whose ids depend on the data (one per follow-up round, per review session ...)."""

    name: str
    compute: Callable[[Dataset], Iterator[FigureValue]]

    def values(self, ds: Dataset) -> Iterator[FigureValue]:
        yield from self.compute(ds)


# --- Where figures come from ----------------------------------------------------------


def _files_used(ds: Dataset, *prefixes: str) -> tuple[str, ...]:
    """Input files (as the row accounting names them) with rows used in this period, among ``prefixes``."""
    table = ds.ledger.table()
    used = table.loc[table["rows_used"] > 0, "file"].astype(str)
    return tuple(sorted(f for f in used if f.startswith(prefixes)))


def _dates(ds: Dataset, end: dt.date | None = None) -> str:
    return f"{long_date(ds.period.start)} to {long_date(end or ds.period.end)}"


def _wordings(ds: Dataset, measure: str, answers: pd.DataFrame) -> str:
    """The map's wordings of ``measure`` that the exports feeding the figure (``answers``) used, in the map's order."""
    found = ds.harmonisation.measures.get(measure)
    if not found:
        return ""
    asked = {normalise_text(text) for text in answers.loc[answers["measure"] == measure, "question"].astype(str).unique()}
    return " / ".join(wording for wording in found.wordings if normalise_text(wording) in asked)


def _from_register(metric: str, who: str = "bookings marked as attended at learning events") -> ProvenanceOf:
    return lambda ds: Provenance(_files_used(ds, "attendance_register", "events"), "", f"{who}, held {_dates(ds)}", metric)


def _from_event_survey(measure: str, metric: str) -> ProvenanceOf:
    def provenance(ds: Dataset) -> Provenance:
        answers = ds.event_answers
        files = tuple(sorted(answers.loc[answers["measure"] == measure, "source_file"].astype(str).unique()))
        return Provenance(
            files,
            _wordings(ds, measure, answers),
            f"post-event survey responses for events held {_dates(ds)}; base: those who answered the question",
            metric,
        )

    return provenance


def _from_followup(measure: str, metric: str, latest_round: bool = True) -> ProvenanceOf:
    def provenance(ds: Dataset) -> Provenance:
        answers = latest_round_answers(ds) if latest_round else ds.followup_answers
        files = tuple(sorted(answers.loc[answers["measure"] == measure, "source_file"].astype(str).unique()))
        which = (
            f"the latest follow-up round in the period ({round_label(ds.latest_round) or 'none'})"
            if latest_round
            else f"every follow-up round held {_dates(ds)}"
        )
        return Provenance(files, _wordings(ds, measure, answers), f"{which}; base: those who answered the question", metric)

    return provenance


def _from_file(prefix: str, filter_: Callable[[Dataset], str], metric: str) -> ProvenanceOf:
    return lambda ds: Provenance(_files_used(ds, prefix), "", filter_(ds), metric)


def _held(what: str) -> Callable[[Dataset], str]:
    """A filter text: ``what`` held in the report period."""
    return lambda ds: f"{what} held {_dates(ds)}"


def _registered_by_period_end(ds: Dataset) -> str:
    return f"registrations up to {long_date(ds.period.end)}"


# --- Who has attended ---------------------------------------------------------------


def learning_events(ds: Dataset) -> int:
    return len(ds.learning_events)


def attendances(ds: Dataset) -> int:
    return len(ds.attendances)


def individuals(ds: Dataset) -> int:
    return metrics.distinct_count(ds.attendances, "person_id")


def max_events_per_person(ds: Dataset) -> int | None:
    per_person = metrics.events_per_person(ds.attendances)
    return int(per_person.max()) if len(per_person) else None


def _attendance_share(column: str, category: str) -> Compute:
    def compute(ds: Dataset) -> Share:
        return metrics.share(ds.attendances[column] == category)

    return compute


def _attendance_pct(figure_id: str, statement: str, column: str, category: str, metric: str) -> FigureSpec:
    return FigureSpec(figure_id, "attendance", "percent", statement, _attendance_share(column, category), _from_register(metric))


def cop_table(ds: Dataset) -> pd.DataFrame:
    return metrics.sessions_by_group(ds.cop_sessions, ds.cop_attendances)


def _cop_group_figures(prefix: str, group: str, table: pd.DataFrame, source: Provenance) -> Iterator[FigureValue]:
    """Sessions held and attendees per session of one Community of Practice group."""
    held = group in table.index
    sessions = int(table.at[group, "sessions"]) if held else 0
    fewest = int(table.at[group, "fewest"]) if held else None
    most = int(table.at[group, "most"]) if held else None
    yield FigureValue(f"{prefix}_sessions", "attendance", "count", f"{group} CoP sessions held", sessions, source)
    if prefix == "cop_housing_first":
        yield FigureValue(
            f"{prefix}_attendance", "attendance", "count", f"Attendees at the {group} CoP session(s), most at one", most, source
        )
    else:
        yield FigureValue(f"{prefix}_attendance_min", "attendance", "count", f"Fewest attendees at a {group} CoP session", fewest, source)
        yield FigureValue(f"{prefix}_attendance_max", "attendance", "count", f"Most attendees at a {group} CoP session", most, source)


def cop_figures(ds: Dataset) -> Iterator[FigureValue]:
    table = cop_table(ds).set_index("cop_group")
    sessions_source = _from_register(
        "Community of Practice sessions held, and their attendances", "bookings marked as attended at Community of Practice sessions"
    )(ds)
    for prefix, group in COP_GROUPS.items():
        yield from _cop_group_figures(prefix, group, table, sessions_source)
    yield FigureValue(
        "cop_housing_first_next_booked",
        "attendance",
        "count",
        "Bookings for the next Housing First CoP session after the period",
        next_session_bookings(ds, COP_GROUPS["cop_housing_first"]),
        Provenance(
            _files_used(ds, "attendance_register", "events"),
            "",
            f"bookings still marked booked for the first {COP_GROUPS['cop_housing_first']} session after {long_date(ds.period.end)}",
            "booked places counted",
        ),
    )


def next_session_bookings(ds: Dataset, group: str) -> int | None:
    """Booked places on the first session of ``group`` held after the period end."""
    later = ds.all_events.loc[(ds.all_events["cop_group"] == group) & (ds.all_events["date"] > pd.Timestamp(ds.period.end))].sort_values(
        "date"
    )
    if later.empty:
        return None
    next_id = later["event_id"].iloc[0]
    return metrics.count_where(ds.bookings, event_id=next_id, status="booked")


# --- Reach: how people heard, the online hub ------------------------------------------------


def latest_round_answers(ds: Dataset) -> pd.DataFrame:
    """The follow-up answers of the latest round in the period: the one filter every "latest round" figure and table uses."""
    return ds.followup_answers.loc[ds.followup_answers["survey_id"] == ds.latest_round]


def latest_round_table(ds: Dataset, measure: str) -> pd.DataFrame:
    """A question of the latest follow-up round as a distribution table (``metrics.measure_table``), largest count first."""
    table = metrics.measure_table(ds, latest_round_answers(ds), measure)
    return table.sort_values("count", ascending=False, kind="stable").reset_index(drop=True)


def _latest_round_share(measure: str, category: str | tuple[str, ...]) -> Compute:
    categories = (category,) if isinstance(category, str) else category

    def compute(ds: Dataset) -> Share:
        return metrics.categories_share(metrics.measure_table(ds, latest_round_answers(ds), measure), categories)

    return compute


def _latest_round_fraction(
    figure_id: str, section: str, statement: str, measure: str, category: str | tuple[str, ...], metric: str
) -> FigureSpec:
    """A figure of the latest follow-up round: those who gave ``category`` to ``measure``, over those who answered."""
    return FigureSpec(figure_id, section, "fraction", statement, _latest_round_share(measure, category), _from_followup(measure, metric))


def _heard_via(option: str) -> FigureSpec:
    words = option.replace("_", " ")
    return _latest_round_fraction(
        f"heard_{option}",
        "attendance",
        f"Latest follow-up round: heard of PDU events via {words} (base: those who answered)",
        "heard_via",
        option,
        f"respondents who ticked {words}, over those who answered",
    )


def hub_registered_users(ds: Dataset) -> int:
    return len(ds.hub)


def _hub_share(sector: str) -> Compute:
    def compute(ds: Dataset) -> Share:
        return metrics.share(ds.hub["sector"] == sector)

    return compute


def _hub_pct(sector: str) -> FigureSpec:
    return FigureSpec(
        f"hub_{sector}_pct",
        "attendance",
        "percent",
        f"Hub users from the {sector} sector",
        _hub_share(sector),
        _from_file("hub_registrations", _registered_by_period_end, f"registrations from the {sector} sector, over all registrations"),
    )


def hub_used(ds: Dataset) -> Share:
    return metrics.conditional_share(latest_round_answers(ds), "hub_aware", "yes", "hub_used", "yes")


# --- The evaluation approach ---------------------------------------------------------------


def followup_responses(ds: Dataset) -> int:
    return len(ds.followup_responses)


def followup_round_figures(ds: Dataset) -> Iterator[FigureValue]:
    for round_id, count in ds.followup_responses.groupby("survey_id").size().sort_index().items():
        yield FigureValue(
            f"followup_responses_{str(round_id).replace('-', '_')}",
            "approach",
            "count",
            f"Follow-up survey responses in the {round_label(round_id)} round",
            int(count),
            Provenance(
                tuple(
                    sorted(ds.followup_responses.loc[ds.followup_responses["survey_id"] == round_id, "source_file"].astype(str).unique())
                ),
                "",
                f"responses to the {round_id} round",
                "responses counted",
            ),
        )


def event_survey_responses(ds: Dataset) -> int:
    return len(ds.event_responses)


def _interviews_where(**where: object) -> Compute:
    def compute(ds: Dataset) -> int:
        return metrics.count_where(ds.interviews, **where)

    return compute


def _interviews(figure_id: str, statement: str, who: str, **where: object) -> FigureSpec:
    return FigureSpec(
        figure_id,
        "approach",
        "count",
        statement,
        _interviews_where(**where),
        _from_file("interviews", lambda ds: f"interviews held {_dates(ds)} with {who}", "interviews counted"),
    )


def review_figures(ds: Dataset) -> Iterator[FigureValue]:
    for _, review in ds.reviews.sort_values("date").iterrows():
        month = review["date"].strftime("%Y_%m")
        yield FigureValue(
            f"expert_citizens_review_{month}",
            "approach",
            "count",
            f"Expert Citizens in the {review['date']:%B %Y} review of actions",
            int(review["present"]),
            Provenance(
                (str(review["source_file"]),), "", f"the review held in {review['date']:%B %Y}", "Expert Citizens present, as recorded"
            ),
        )


# --- What people gained, sharing, changes ------------------------------------------------------


def _event_share(measure: str, category: str | tuple[str, ...]) -> Compute:
    categories = (category,) if isinstance(category, str) else category

    def compute(ds: Dataset) -> Share:
        return metrics.categories_share(metrics.measure_table(ds, ds.event_answers, measure), categories)

    return compute


def _event_pct(figure_id: str, section: str, statement: str, measure: str, category: str | tuple[str, ...], metric: str) -> FigureSpec:
    """A figure of the post-event surveys: those who gave ``category`` to ``measure``, over those who answered."""
    return FigureSpec(figure_id, section, "percent", statement, _event_share(measure, category), _from_event_survey(measure, metric))


def _learning(measure: str, code: str, label: str) -> FigureSpec:
    metric = f"answers '{code.replace('_', ' ')}', over those who answered"
    return _event_pct(f"{measure}_{code}", "learning", f"Event surveys: {label}", measure, code, metric)


def made_contact(ds: Dataset) -> Share:
    return metrics.category_share(metrics.measure_table(ds, ds.followup_answers, "made_contact"), "yes")


def _outcomes(figure_id: str, code: str, label: str) -> FigureSpec:
    return _latest_round_fraction(
        figure_id,
        "outcomes",
        f"Latest follow-up round: {label} improved outcomes for service users",
        "outcomes_improved",
        code,
        f"respondents who answered '{code.replace('_', ' ')}', over those who answered",
    )


def _effectiveness(figure_id: str, code: str, label: str) -> FigureSpec:
    return _latest_round_fraction(
        figure_id,
        "effectiveness",
        f"Latest follow-up round: the model is {label}",
        "effectiveness",
        code,
        f"respondents who answered '{label}', over those who answered",
    )


def _involvement_views(stance: str | None) -> Compute:
    def compute(ds: Dataset) -> int | None:
        return None if ds.excerpts is None else themes.people_with_stance(ds.excerpts, "involvement", stance)

    return compute


def _involvement(figure_id: str, stance: str | None, statement: str) -> FigureSpec:
    """People who spoke about service user involvement, by the direction of their views (coded excerpts)."""
    return FigureSpec(
        figure_id,
        "involvement",
        "count",
        statement,
        _involvement_views(stance),
        _from_file(
            "excerpts",
            lambda ds: f"coded evidence of the period ({_dates(ds)}); Expert Citizens reviews not counted",
            "distinct respondents coded to the section's themes" + (f" with a {stance} view" if stance else ""),
        ),
    )


def pledge_adopters(ds: Dataset) -> int | None:
    if ds.excerpts is None:
        return None
    return themes.pledge_adopters(ds.excerpts, ds.period.end)


# --- The Expert Citizens' review of actions (completed review packs) ------------------------


def reviewed_actions(ds: Dataset) -> pd.DataFrame | None:
    """The Expert Citizens' judgements in the period, with their session's size; None with no completed pack."""
    if ds.judgements is None or ds.judgements.sessions.empty:
        return None
    return expert_review.with_session_size(ds.judgements.judgements, ds.reviews)


def _from_review_packs(metric: str) -> ProvenanceOf:
    return lambda ds: Provenance(
        _files_used(ds, "expert_citizens/"),
        "Likely impact for service users (the review pack's scale)",
        f"actions judged in Expert Citizens reviews held {_dates(ds, ds.period.reviews_end)}; base: actions given an impact",
        metric,
    )


def ec_actions_judged(ds: Dataset) -> int | None:
    judged = reviewed_actions(ds)
    return None if judged is None else int(judged["impact"].notna().sum())


def ec_actions_left_blank(ds: Dataset) -> int | None:
    if reviewed_actions(ds) is None or ds.judgements is None:
        return None
    return int(ds.judgements.sessions["left_blank"].sum())


def ec_big_difference(ds: Dataset) -> Share | None:
    judged = reviewed_actions(ds)
    return None if judged is None else expert_review.big_difference_share(judged)


def ec_session_figures(ds: Dataset) -> Iterator[FigureValue]:
    judged = reviewed_actions(ds)
    if judged is None:
        return
    for session, rows in judged.groupby("session", sort=True):
        date = rows["session_date"].iloc[0]
        present = rows["present"].iloc[0]
        size = f"{int(present)} Expert Citizens present" if pd.notna(present) else "size not recorded"
        yield FigureValue(
            f"ec_big_difference_{str(session).replace('-', '_')}",
            "outcomes",
            "fraction",
            f"Expert Citizens review of {date:%B %Y} ({size}): actions judged to make a big difference",
            expert_review.big_difference_share(rows),
            Provenance(
                tuple(sorted(rows["source_file"].astype(str).unique())),
                "Likely impact for service users (the review pack's scale)",
                f"the review held on {long_date(date)}; base: actions given an impact",
                "actions judged 'a big difference', over the actions given an impact",
            ),
        )


def ec_theme_figures(ds: Dataset) -> Iterator[FigureValue]:
    judged = reviewed_actions(ds)
    if judged is None:
        return
    top, bottom = expert_review.highest_and_lowest(expert_review.theme_ratings(judged))
    if top is None or bottom is None:
        return
    provenance = _from_review_packs(
        f"per theme, actions judged 'a big difference' over the actions given an impact, in sessions of {expert_review.MIN_SESSION_SIZE} or more; "
        f"themes with at least {expert_review.MIN_THEME_ACTIONS} actions judged"
    )(ds)
    for which, row in (("highest", top), ("lowest", bottom)):
        yield FigureValue(
            f"ec_theme_{which}",
            "changes",
            "fraction",
            f"The theme the Expert Citizens rated {which}: {row['theme']} (actions judged a big difference)",
            row["big_share"],
            provenance,
        )


# --- The table: every figure of a report, in the order figures.csv lists them ----------------

FIGURES: tuple[FigureSpec | FigureFamily, ...] = (
    # Who has attended
    FigureSpec(
        "learning_events",
        "attendance",
        "count",
        "Learning events run in the report period",
        learning_events,
        _from_file("events", _held("learning events"), "rows of the events list of kind learning event, counted"),
    ),
    FigureSpec(
        "attendances", "attendance", "count", "Attendances at learning events", attendances, _from_register("register rows counted")
    ),
    FigureSpec(
        "individuals",
        "attendance",
        "count",
        "Distinct individuals who attended learning events",
        individuals,
        _from_register("people linked across bookings (by email, or name and organisation), counted once each"),
    ),
    FigureSpec(
        "max_events_per_person",
        "attendance",
        "count",
        "Most learning events attended by one person",
        max_events_per_person,
        _from_register("the largest number of learning events one linked person attended"),
    ),
    _attendance_pct(
        "attendances_voluntary_pct",
        "Share of attendances from the voluntary sector",
        "sector",
        "voluntary",
        "attendances whose sector is voluntary, over all attendances",
    ),
    _attendance_pct(
        "attendances_statutory_pct",
        "Share of attendances from the statutory sector",
        "sector",
        "statutory",
        "attendances whose sector is statutory, over all attendances",
    ),
    _attendance_pct(
        "focus_housing_pct",
        "Attendances whose main work focus is housing",
        "focus",
        "housing",
        "attendances whose main focus of work is housing, over all attendances",
    ),
    _attendance_pct(
        "focus_womens_services_pct",
        "Attendances whose main work focus is women's services",
        "focus",
        "womens_services",
        "attendances whose main focus of work is women's services, over all attendances",
    ),
    _attendance_pct(
        "focus_offending_pct",
        "Attendances whose main work focus is offending",
        "focus",
        "offending",
        "attendances whose main focus of work is offending, over all attendances",
    ),
    _attendance_pct(
        "focus_mental_health_pct",
        "Attendances whose main work focus is mental health",
        "focus",
        "mental_health",
        "attendances whose main focus of work is mental health, over all attendances",
    ),
    _attendance_pct(
        "focus_substance_misuse_pct",
        "Attendances whose main work focus is substance misuse",
        "focus",
        "substance_misuse",
        "attendances whose main focus of work is substance misuse, over all attendances",
    ),
    _attendance_pct(
        "focus_other_pct",
        "Attendances whose main work focus is other",
        "focus",
        "other",
        "attendances whose main focus of work is other, over all attendances",
    ),
    FigureFamily("Community of Practice sessions", cop_figures),
    # Reach: how people heard, the online hub
    _heard_via("word_of_mouth"),
    _heard_via("newsletter"),
    _heard_via("online_platform"),
    FigureSpec(
        "hub_registered_users",
        "attendance",
        "count",
        "Registered users of the online hub at the end of the period",
        hub_registered_users,
        _from_file("hub_registrations", _registered_by_period_end, "registrations counted"),
    ),
    _hub_pct("voluntary"),
    _hub_pct("statutory"),
    _hub_pct("private"),
    _latest_round_fraction(
        "hub_aware",
        "attendance",
        "Latest follow-up round: aware of the online hub",
        "hub_aware",
        "yes",
        "respondents who answered yes, over those who answered",
    ),
    FigureSpec(
        "hub_used",
        "attendance",
        "fraction",
        "Latest follow-up round: of those aware of the hub who answered, how many had used it",
        hub_used,
        _from_followup("hub_used", "respondents aware of the hub who said they had used it, over those aware of it who answered"),
    ),
    # The evaluation approach
    FigureSpec(
        "followup_responses",
        "approach",
        "count",
        "Follow-up survey responses (all rounds in the period)",
        followup_responses,
        _from_file("followup_surveys", lambda ds: f"responses submitted {_dates(ds)}", "responses counted"),
    ),
    FigureFamily("Follow-up responses per round", followup_round_figures),
    FigureSpec(
        "event_survey_responses",
        "approach",
        "count",
        "Post-event survey responses",
        event_survey_responses,
        _from_file("event_surveys", lambda ds: f"responses about learning events held {_dates(ds)}", "responses counted"),
    ),
    _interviews("interviews_participants", "Telephone interviews with participants", "participants", group="participant"),
    _interviews(
        "interviews_steering_group",
        "Telephone interviews with Steering Group members",
        "Steering Group members",
        steering_group=True,
    ),
    _interviews(
        "interviews_facilitators_other",
        "Interviews with further event facilitators (not on the Steering Group)",
        "facilitators not on the Steering Group",
        group="facilitator",
        steering_group=False,
    ),
    FigureFamily("Expert Citizens at each review of actions", review_figures),
    # What people gained, sharing, changes
    _learning("understanding", "much_greater", "much greater understanding of the topic"),
    _learning("understanding", "some", "some additional understanding"),
    _learning("understanding", "confirmed", "confirmed previous understanding"),
    _learning("understanding", "none", "no greater understanding"),
    _event_pct(
        "understanding_greater",
        "learning",
        "Event surveys: a much greater or some additional understanding of the topic (the chart's headline)",
        "understanding",
        ("much_greater", "some"),
        "answers 'much greater' or 'some', over those who answered",
    ),
    _learning("awareness", "much_greater", "much greater awareness of the issues"),
    _learning("awareness", "some", "some additional awareness"),
    _learning("awareness", "confirmed", "confirmed existing awareness"),
    _learning("awareness", "none", "no additional awareness"),
    _event_pct(
        "dissemination_frontline_pct",
        "sharing",
        "Event surveys: plan to share learning with front line staff",
        "plans_to_share",
        "frontline_staff",
        "respondents who ticked front line staff, over those who answered",
    ),
    _event_pct(
        "intend_change_pct",
        "changes",
        "Event surveys: intend to implement changes",
        "intend_change",
        "yes",
        "respondents who answered yes, over those who answered",
    ),
    FigureSpec(
        "made_contact",
        "links",
        "fraction",
        "Follow-up surveys (all rounds): made contact with someone met at a PDU event",
        made_contact,
        _from_followup("made_contact", "respondents who answered yes, over those who answered", latest_round=False),
    ),
    _latest_round_fraction(
        "took_action",
        "changes",
        "Latest follow-up round: took action as a result of PDU learning",
        "took_action",
        "yes",
        "respondents who answered yes, over those who answered",
    ),
    _outcomes("outcomes_improved", "yes", "could identify"),
    _outcomes("outcomes_not_sure", "not_sure", "not sure about"),
    _outcomes("outcomes_not_improved", "no", "could not identify"),
    _effectiveness("effective_very", "very", "very effective"),
    _effectiveness("effective_quite", "quite", "quite effective"),
    _effectiveness("effective_not", "not_at_all", "not effective at all"),
    _latest_round_fraction(
        "effective_very_or_quite",
        "effectiveness",
        "Latest follow-up round: the model is a very or quite effective way to change practice (the chart's headline)",
        "effectiveness",
        ("very", "quite"),
        "respondents who answered 'very' or 'quite', over those who answered",
    ),
    FigureSpec(
        "pledge_adopters",
        "changes",
        "count",
        "People coded as having introduced, or working towards, the Pledge",
        pledge_adopters,
        _from_file(
            "excerpts",
            lambda ds: f"coded evidence from rounds up to {ds.period.end:%B %Y}; Expert Citizens reviews not counted",
            "distinct respondents coded to the Pledge theme",
        ),
    ),
    _involvement("involvement_spoke", None, "People who spoke about service user involvement at PDU events"),
    _involvement("involvement_positive", "positive", "People who spoke positively about service user involvement"),
    _involvement("involvement_concerns", "critical", "People who raised concerns about service user involvement"),
    _involvement("involvement_mixed", "mixed", "People with mixed views of service user involvement"),
    # The Expert Citizens' review of actions
    FigureSpec(
        "ec_actions_judged",
        "changes",
        "count",
        "Actions the Expert Citizens judged for their likely impact on service users",
        ec_actions_judged,
        _from_review_packs("actions given an impact on the scale, counted over every session"),
    ),
    FigureSpec(
        "ec_actions_left_blank",
        "changes",
        "count",
        "Actions in the review packs the Expert Citizens left blank",
        ec_actions_left_blank,
        _from_review_packs("rows of the completed packs with neither an impact nor a comment"),
    ),
    FigureSpec(
        "ec_big_difference",
        "changes",
        "fraction",
        "Expert Citizens reviews: actions judged to make a big difference for service users",
        ec_big_difference,
        _from_review_packs("actions judged 'a big difference', over the actions given an impact"),
    ),
    FigureFamily("Expert Citizens' judgements per review session", ec_session_figures),
    FigureFamily("The themes the Expert Citizens rated highest and lowest", ec_theme_figures),
)


def figure_map(ds: Dataset) -> dict[str, FigureValue]:
    """Every figure of the Dataset's report by id, with its Share; an id computed twice is a defect.

    Computed once per Dataset (a frozen object, compared by identity): the result is kept in the
    process's memo, :data:`pdu_lib.memo.PROCESS_MEMO`.
    """
    return PROCESS_MEMO.get(("figures", ds), lambda: _compute_figure_map(ds))


def _compute_figure_map(ds: Dataset) -> dict[str, FigureValue]:
    found: dict[str, FigureValue] = {}
    for spec in FIGURES:
        for figure in spec.values(ds):
            if figure.figure_id in found:
                raise ValueError(f"figure id {figure.figure_id!r} is computed twice")
            found[figure.figure_id] = figure
    return found


def compute_figures(ds: Dataset) -> pd.DataFrame:
    """Every figure for the Dataset's report, one row each, in a stable order (computed once per Dataset)."""
    table = pd.DataFrame([figure.row() for figure in figure_map(ds).values()], columns=FIGURE_COLUMNS)
    for column in ("value", "numerator", "base"):
        table[column] = table[column].astype("Int64")
    return table
