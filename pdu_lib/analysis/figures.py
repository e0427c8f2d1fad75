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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator

import pandas as pd

from pdu_lib.analysis import expert_review, metrics
from pdu_lib.analysis.metrics import Share
from pdu_lib.inputs.periods import round_label

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


FigureSource = Callable[["Dataset"], Iterator[FigureValue]]
_SOURCES: list[FigureSource] = []


ProvenanceOf = Callable[["Dataset"], Provenance]


def _figure(figure_id: str, section: str, unit: str, statement: str, provenance: ProvenanceOf):
    """Register a function of the Dataset as the figure ``figure_id``, with where it comes from."""

    def register(function: Callable[["Dataset"], int | Share | None]):
        def source(ds: "Dataset") -> Iterator[FigureValue]:
            yield FigureValue(figure_id, section, unit, statement, function(ds), provenance(ds))

        _SOURCES.append(source)
        return function

    return register


def _source(function: FigureSource) -> FigureSource:
    """Register a function that yields several figures (ids that depend on the data, e.g. rounds)."""
    _SOURCES.append(function)
    return function


# --- Where figures come from ----------------------------------------------------------


def _files_used(ds: "Dataset", *prefixes: str) -> tuple[str, ...]:
    """Input files (as the row accounting names them) with rows used in this period, among ``prefixes``."""
    table = ds.ledger.table()
    used = table.loc[table["rows_used"] > 0, "file"].astype(str)
    return tuple(sorted(f for f in used if f.startswith(prefixes)))


def _dates(ds: "Dataset", end=None) -> str:
    return f"{ds.period.start:%-d %B %Y} to {(end or ds.period.end):%-d %B %Y}"


def _wordings(ds: "Dataset", measure: str) -> str:
    found = ds.harmonisation.measures.get(measure)
    return " / ".join(found.wordings) if found else ""


def _from_register(metric: str, who: str = "bookings marked as attended at learning events") -> ProvenanceOf:
    return lambda ds: Provenance(_files_used(ds, "attendance_register", "events"), "", f"{who}, held {_dates(ds)}", metric)


def _from_event_survey(measure: str, metric: str) -> ProvenanceOf:
    def provenance(ds: "Dataset") -> Provenance:
        answers = ds.event_answers
        files = tuple(sorted(answers.loc[answers["measure"] == measure, "source_file"].astype(str).unique()))
        return Provenance(
            files,
            _wordings(ds, measure),
            f"post-event survey responses for events held {_dates(ds)}; base: those who answered the question",
            metric,
        )

    return provenance


def _from_followup(measure: str, metric: str, latest_round: bool = True) -> ProvenanceOf:
    def provenance(ds: "Dataset") -> Provenance:
        answers = _latest_round_answers(ds) if latest_round else ds.followup_answers
        files = tuple(sorted(answers.loc[answers["measure"] == measure, "source_file"].astype(str).unique()))
        which = (
            f"the latest follow-up round in the period ({round_label(ds.latest_round) or 'none'})"
            if latest_round
            else f"every follow-up round held {_dates(ds)}"
        )
        return Provenance(files, _wordings(ds, measure), f"{which}; base: those who answered the question", metric)

    return provenance


def _from_file(prefix: str, filter_: Callable[["Dataset"], str], metric: str) -> ProvenanceOf:
    return lambda ds: Provenance(_files_used(ds, prefix), "", filter_(ds), metric)


# --- Who has attended ---------------------------------------------------------------


@_figure(
    "learning_events",
    "attendance",
    "count",
    "Learning events run in the report period",
    _from_file("events", lambda ds: f"learning events held {_dates(ds)}", "rows of the events list of kind learning event, counted"),
)
def learning_events(ds: "Dataset") -> int:
    return len(ds.learning_events)


@_figure("attendances", "attendance", "count", "Attendances at learning events", _from_register("register rows counted"))
def attendances(ds: "Dataset") -> int:
    return len(ds.attendances)


@_figure(
    "individuals",
    "attendance",
    "count",
    "Distinct individuals who attended learning events",
    _from_register("people linked across bookings (by email, or name and organisation), counted once each"),
)
def individuals(ds: "Dataset") -> int:
    return metrics.distinct_count(ds.attendances, "person_id")


@_figure(
    "max_events_per_person",
    "attendance",
    "count",
    "Most learning events attended by one person",
    _from_register("the largest number of learning events one linked person attended"),
)
def max_events_per_person(ds: "Dataset") -> int | None:
    per_person = metrics.events_per_person(ds.attendances)
    return int(per_person.max()) if len(per_person) else None


def _attendance_share(column: str, category: str) -> Callable[["Dataset"], Share]:
    def compute(ds: "Dataset") -> Share:
        return metrics.share(ds.attendances[column] == category)

    return compute


for _sector in ("voluntary", "statutory"):
    _figure(
        f"attendances_{_sector}_pct",
        "attendance",
        "percent",
        f"Share of attendances from the {_sector} sector",
        _from_register(f"attendances whose sector is {_sector}, over all attendances"),
    )(_attendance_share("sector", _sector))

for _focus, _label in (
    ("housing", "housing"),
    ("womens_services", "women's services"),
    ("offending", "offending"),
    ("mental_health", "mental health"),
    ("substance_misuse", "substance misuse"),
    ("other", "other"),
):
    _figure(
        f"focus_{_focus}_pct",
        "attendance",
        "percent",
        f"Attendances whose main work focus is {_label}",
        _from_register(f"attendances whose main focus of work is {_label}, over all attendances"),
    )(_attendance_share("focus", _focus))


def cop_table(ds: "Dataset") -> pd.DataFrame:
    return metrics.sessions_by_group(ds.cop_sessions, ds.cop_attendances)


@_source
def cop_figures(ds: "Dataset") -> Iterator[FigureValue]:
    table = cop_table(ds).set_index("cop_group")
    sessions_source = _from_register(
        "Community of Practice sessions held, and their attendances", "bookings marked as attended at Community of Practice sessions"
    )(ds)
    for prefix, group in COP_GROUPS.items():
        held = group in table.index
        sessions = int(table.at[group, "sessions"]) if held else 0
        fewest = int(table.at[group, "fewest"]) if held else None
        most = int(table.at[group, "most"]) if held else None
        yield FigureValue(f"{prefix}_sessions", "attendance", "count", f"{group} CoP sessions held", sessions, sessions_source)
        if prefix == "cop_housing_first":
            yield FigureValue(
                f"{prefix}_attendance",
                "attendance",
                "count",
                f"Attendees at the {group} CoP session(s), most at one",
                most,
                sessions_source,
            )
        else:
            yield FigureValue(
                f"{prefix}_attendance_min", "attendance", "count", f"Fewest attendees at a {group} CoP session", fewest, sessions_source
            )
            yield FigureValue(
                f"{prefix}_attendance_max", "attendance", "count", f"Most attendees at a {group} CoP session", most, sessions_source
            )
    yield FigureValue(
        "cop_housing_first_next_booked",
        "attendance",
        "count",
        "Bookings for the next Housing First CoP session after the period",
        next_session_bookings(ds, COP_GROUPS["cop_housing_first"]),
        Provenance(
            _files_used(ds, "attendance_register", "events"),
            "",
            f"bookings still marked booked for the first {COP_GROUPS['cop_housing_first']} session after {ds.period.end:%-d %B %Y}",
            "booked places counted",
        ),
    )


def next_session_bookings(ds: "Dataset", group: str) -> int | None:
    """Booked places on the first session of ``group`` held after the period end."""
    later = ds.all_events.loc[(ds.all_events["cop_group"] == group) & (ds.all_events["date"] > pd.Timestamp(ds.period.end))].sort_values(
        "date"
    )
    if later.empty:
        return None
    next_id = later["event_id"].iloc[0]
    return metrics.count_where(ds.bookings, event_id=next_id, status="booked")


# --- Reach: how people heard, the online hub ------------------------------------------------


def _latest_round_answers(ds: "Dataset") -> pd.DataFrame:
    return ds.followup_answers.loc[ds.followup_answers["survey_id"] == ds.latest_round]


def _latest_round_share(measure: str, category: str) -> Callable[["Dataset"], Share]:
    def compute(ds: "Dataset") -> Share:
        return metrics.category_share(metrics.measure_table(ds, _latest_round_answers(ds), measure), category)

    return compute


for _option in ("word_of_mouth", "newsletter", "online_platform"):
    _figure(
        f"heard_{_option}",
        "attendance",
        "fraction",
        f"Latest follow-up round: heard of PDU events via {_option.replace('_', ' ')} (base: those who answered)",
        _from_followup("heard_via", f"respondents who ticked {_option.replace('_', ' ')}, over those who answered"),
    )(_latest_round_share("heard_via", _option))


@_figure(
    "hub_registered_users",
    "attendance",
    "count",
    "Registered users of the online hub at the end of the period",
    _from_file("hub_registrations", lambda ds: f"registrations up to {ds.period.end:%-d %B %Y}", "registrations counted"),
)
def hub_registered_users(ds: "Dataset") -> int:
    return len(ds.hub)


for _sector in ("voluntary", "statutory", "private"):
    _figure(
        f"hub_{_sector}_pct",
        "attendance",
        "percent",
        f"Hub users from the {_sector} sector",
        _from_file(
            "hub_registrations",
            lambda ds: f"registrations up to {ds.period.end:%-d %B %Y}",
            f"registrations from the {_sector} sector, over all registrations",
        ),
    )(lambda ds, _s=_sector: metrics.share(ds.hub["sector"] == _s))

_figure(
    "hub_aware",
    "attendance",
    "fraction",
    "Latest follow-up round: aware of the online hub",
    _from_followup("hub_aware", "respondents who answered yes, over those who answered"),
)(_latest_round_share("hub_aware", "yes"))


@_figure(
    "hub_used",
    "attendance",
    "fraction",
    "Latest follow-up round: of those aware of the hub who answered, how many had used it",
    _from_followup("hub_used", "respondents aware of the hub who said they had used it, over those aware of it who answered"),
)
def hub_used(ds: "Dataset") -> Share:
    return metrics.conditional_share(_latest_round_answers(ds), "hub_aware", "yes", "hub_used", "yes")


# --- The evaluation approach ---------------------------------------------------------------


@_figure(
    "followup_responses",
    "approach",
    "count",
    "Follow-up survey responses (all rounds in the period)",
    _from_file("followup_surveys", lambda ds: f"responses submitted {_dates(ds)}", "responses counted"),
)
def followup_responses(ds: "Dataset") -> int:
    return len(ds.followup_responses)


@_source
def followup_round_figures(ds: "Dataset") -> Iterator[FigureValue]:
    for round_id, count in ds.followup_responses.groupby("survey_id").size().sort_index().items():
        yield FigureValue(
            f"followup_responses_{round_id.replace('-', '_')}",
            "approach",
            "count",
            f"Follow-up survey responses in round {round_id}",
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


@_figure(
    "event_survey_responses",
    "approach",
    "count",
    "Post-event survey responses",
    _from_file("event_surveys", lambda ds: f"responses about learning events held {_dates(ds)}", "responses counted"),
)
def event_survey_responses(ds: "Dataset") -> int:
    return len(ds.event_responses)


@_figure(
    "interviews_participants",
    "approach",
    "count",
    "Telephone interviews with participants",
    _from_file("interviews", lambda ds: f"interviews held {_dates(ds)} with participants", "interviews counted"),
)
def interviews_participants(ds: "Dataset") -> int:
    return metrics.count_where(ds.interviews, group="participant")


@_figure(
    "interviews_steering_group",
    "approach",
    "count",
    "Telephone interviews with Steering Group members",
    _from_file("interviews", lambda ds: f"interviews held {_dates(ds)} with Steering Group members", "interviews counted"),
)
def interviews_steering_group(ds: "Dataset") -> int:
    return metrics.count_where(ds.interviews, steering_group=True)


@_figure(
    "interviews_facilitators_other",
    "approach",
    "count",
    "Interviews with further event facilitators (not on the Steering Group)",
    _from_file("interviews", lambda ds: f"interviews held {_dates(ds)} with facilitators not on the Steering Group", "interviews counted"),
)
def interviews_facilitators_other(ds: "Dataset") -> int:
    return metrics.count_where(ds.interviews, group="facilitator", steering_group=False)


@_source
def review_figures(ds: "Dataset") -> Iterator[FigureValue]:
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


def _event_share(measure: str, category: str) -> Callable[["Dataset"], Share]:
    def compute(ds: "Dataset") -> Share:
        return metrics.category_share(metrics.measure_table(ds, ds.event_answers, measure), category)

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
    _figure(
        f"{_measure}_{_code}",
        "learning",
        "percent",
        f"Event surveys: {_label}",
        _from_event_survey(_measure, f"answers '{_code.replace('_', ' ')}', over those who answered"),
    )(_event_share(_measure, _code))

_figure(
    "dissemination_frontline_pct",
    "sharing",
    "percent",
    "Event surveys: plan to share learning with front line staff",
    _from_event_survey("plans_to_share", "respondents who ticked front line staff, over those who answered"),
)(_event_share("plans_to_share", "frontline_staff"))
_figure(
    "intend_change_pct",
    "changes",
    "percent",
    "Event surveys: intend to implement changes",
    _from_event_survey("intend_change", "respondents who answered yes, over those who answered"),
)(_event_share("intend_change", "yes"))


@_figure(
    "made_contact",
    "links",
    "fraction",
    "Follow-up surveys (all rounds): made contact with someone met at a PDU event",
    _from_followup("made_contact", "respondents who answered yes, over those who answered", latest_round=False),
)
def made_contact(ds: "Dataset") -> Share:
    return metrics.category_share(metrics.measure_table(ds, ds.followup_answers, "made_contact"), "yes")


_figure(
    "took_action",
    "changes",
    "fraction",
    "Latest follow-up round: took action as a result of PDU learning",
    _from_followup("took_action", "respondents who answered yes, over those who answered"),
)(_latest_round_share("took_action", "yes"))

for _code, _label in (("yes", "could identify"), ("not_sure", "not sure about"), ("no", "could not identify")):
    _figure(
        {"yes": "outcomes_improved", "not_sure": "outcomes_not_sure", "no": "outcomes_not_improved"}[_code],
        "outcomes",
        "fraction",
        f"Latest follow-up round: {_label} improved outcomes for service users",
        _from_followup("outcomes_improved", f"respondents who answered '{_code.replace('_', ' ')}', over those who answered"),
    )(_latest_round_share("outcomes_improved", _code))

for _code, _id, _label in (
    ("very", "effective_very", "very effective"),
    ("quite", "effective_quite", "quite effective"),
    ("not_at_all", "effective_not", "not effective at all"),
):
    _figure(
        _id,
        "effectiveness",
        "fraction",
        f"Latest follow-up round: the model is {_label}",
        _from_followup("effectiveness", f"respondents who answered '{_label}', over those who answered"),
    )(_latest_round_share("effectiveness", _code))


@_figure(
    "pledge_adopters",
    "changes",
    "count",
    "People coded as having introduced, or working towards, the Pledge",
    _from_file(
        "excerpts",
        lambda ds: f"coded evidence from rounds up to {ds.period.end:%B %Y}; Expert Citizens reviews not counted",
        "distinct respondents coded to the Pledge theme",
    ),
)
def pledge_adopters(ds: "Dataset") -> int | None:
    if ds.excerpts is None:
        return None
    from pdu_lib.analysis import themes

    return themes.pledge_adopters(ds.excerpts, ds.period.end)


# --- The Expert Citizens' review of actions (completed review packs) ------------------------


def reviewed_actions(ds: "Dataset") -> pd.DataFrame | None:
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


@_figure(
    "ec_actions_judged",
    "changes",
    "count",
    "Actions the Expert Citizens judged for their likely impact on service users",
    _from_review_packs("actions given an impact on the scale, counted over every session"),
)
def ec_actions_judged(ds: "Dataset") -> int | None:
    judged = reviewed_actions(ds)
    return None if judged is None else int(judged["impact"].notna().sum())


@_figure(
    "ec_actions_left_blank",
    "changes",
    "count",
    "Actions in the review packs the Expert Citizens left blank",
    _from_review_packs("rows of the completed packs with neither an impact nor a comment"),
)
def ec_actions_left_blank(ds: "Dataset") -> int | None:
    return None if reviewed_actions(ds) is None else int(ds.judgements.sessions["left_blank"].sum())


@_figure(
    "ec_big_difference",
    "changes",
    "fraction",
    "Expert Citizens reviews: actions judged to make a big difference for service users",
    _from_review_packs("actions judged 'a big difference', over the actions given an impact"),
)
def ec_big_difference(ds: "Dataset") -> Share | None:
    judged = reviewed_actions(ds)
    return None if judged is None else expert_review.big_difference_share(judged)


@_source
def ec_session_figures(ds: "Dataset") -> Iterator[FigureValue]:
    judged = reviewed_actions(ds)
    if judged is None:
        return
    for session, rows in judged.groupby("session", sort=True):
        date = rows["session_date"].iloc[0]
        present = rows["present"].iloc[0]
        size = f"{int(present)} Expert Citizens present" if pd.notna(present) else "size not recorded"
        yield FigureValue(
            f"ec_big_difference_{session.replace('-', '_')}",
            "outcomes",
            "fraction",
            f"Expert Citizens review of {date:%B %Y} ({size}): actions judged to make a big difference",
            expert_review.big_difference_share(rows),
            Provenance(
                tuple(sorted(rows["source_file"].astype(str).unique())),
                "Likely impact for service users (the review pack's scale)",
                f"the review held on {date:%-d %B %Y}; base: actions given an impact",
                "actions judged 'a big difference', over the actions given an impact",
            ),
        )


@_source
def ec_theme_figures(ds: "Dataset") -> Iterator[FigureValue]:
    judged = reviewed_actions(ds)
    if judged is None:
        return
    top, bottom = expert_review.highest_and_lowest(expert_review.theme_ratings(judged))
    if top is None:
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


def figure_map(ds: "Dataset") -> dict[str, FigureValue]:
    """Every figure of the Dataset's report by id, with its Share; an id computed twice is a defect.

    Computed once per Dataset: the result is kept with the Dataset's cached values.
    """
    cached = ds.cached("figures")
    if cached is not None:
        return cached
    found: dict[str, FigureValue] = {}
    for source in _SOURCES:
        for figure in source(ds):
            if figure.figure_id in found:
                raise ValueError(f"figure id {figure.figure_id!r} is computed twice")
            found[figure.figure_id] = figure
    return ds.cache("figures", found)


def compute_figures(ds: "Dataset") -> pd.DataFrame:
    """Every figure for the Dataset's report, one row each, in a stable order (computed once per Dataset)."""
    table = pd.DataFrame([figure.row() for figure in figure_map(ds).values()], columns=FIGURE_COLUMNS)
    for column in ("value", "numerator", "base"):
        table[column] = table[column].astype("Int64")
    return table
