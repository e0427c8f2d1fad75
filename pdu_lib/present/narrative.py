"""The content of each report section: prose, tables and charts, computed from a Dataset.

Each public function takes the Dataset and a ``View`` (how the report is being
shown) and returns a list of displayable pieces, in reading order. The section
notebooks call them and display what comes back; every number in the prose
comes from ``pdu_lib.analysis.figures`` or ``pdu_lib.analysis.metrics``, and its words from
``pdu_lib.present.wording``.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
from IPython.display import HTML

from pdu_lib.analysis import figures, metrics
from pdu_lib.analysis.metrics import Share
from pdu_lib.inputs.attendance import FOCUSES, SECTORS
from pdu_lib.inputs.dataset import Dataset, load_dataset
from pdu_lib.inputs.records import INTERVIEW_GROUPS
from pdu_lib.present import charts, prose, wording
from pdu_lib.present.prose import Prose, note, paragraph, sentence, table_html

ATTENDANCE_AXIS = "Percentage of attendances"
RESPONSE_RATE_AXIS = "Survey responses as a percentage of attendances"


@dataclass(frozen=True)
class View:
    """How the report is shown: where charts are saved, interactive or embedded, intervals or not."""

    report_mode: bool = False
    output_dir: Path | None = None
    show_intervals: bool = False


class StaticChart:
    """A matplotlib chart shown as an inline PNG with its title as alt text."""

    def __init__(self, fig, title: str) -> None:
        buffer = io.BytesIO()
        with matplotlib.rc_context(charts.STYLE_RC):
            fig.savefig(buffer, format="png", dpi=charts.DPI, metadata={"Software": None})
        self.png = buffer.getvalue()
        self.title = title

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return f'<figure class="pdu-chart"><img src="data:image/png;base64,{data}" alt="{html.escape(self.title)}"></figure>'

    def _repr_png_(self) -> bytes:
        return self.png


def setup(report: str, data_dir: str | None, output_dir: str | None, report_mode: bool, show_intervals: bool) -> tuple[Dataset, View]:
    """Load the data for a section notebook and decide how it is shown."""
    ds = load_dataset(data_dir, report)
    view = View(report_mode=report_mode, output_dir=Path(output_dir) if output_dir else None, show_intervals=show_intervals)
    return ds, view


def header(ds: Dataset) -> list[Any]:
    """The section's lead line: which report and which period the figures cover."""
    return [
        paragraph(
            sentence(
                "{report}: data from {start} to {end}.",
                report=ds.period.title,
                start=f"{ds.period.start:%-d %B %Y}",
                end=f"{ds.period.end:%-d %B %Y}",
            )
        )
    ]


# --- helpers -------------------------------------------------------------------------


def _fig(ds: Dataset) -> dict[str, figures.Figure]:
    return figures.figure_map(ds)


def pct(share: Share, view: View) -> str:
    return wording.format_percent(share.numerator, share.base, intervals=view.show_intervals)


def frac(share: Share) -> str:
    return wording.format_fraction(share.numerator, share.base)


def inner(share: Share, view: View) -> str:
    """A share for use inside parentheses: "47%, 47 of 100" (with the caution mark where due)."""
    text = wording.share_phrase(share.numerator, share.base, intervals=view.show_intervals)
    if "(" not in text:
        return text
    body = text[text.index("(") + 1 : text.rindex(")")]
    return body + text[text.rindex(")") + 1 :]


def headline(share: Share, rest: str) -> str:
    """A chart title carrying its message, worded from the number: "Just over half thought ...".

    >>> headline(Share(11, 21), "thought the model very effective")
    'Just over half thought the model very effective'
    """
    return _capitalise(f"{wording.share_words(share.numerator, share.base)} {rest}")


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def lower_first(label: str) -> str:
    """A label in running text: 'Word of mouth' -> 'word of mouth', but 'PDU newsletter' stays.

    >>> lower_first("Word of mouth"), lower_first("PDU newsletter"), lower_first("Housing")
    ('word of mouth', 'PDU newsletter', 'housing')
    """
    label = str(label)
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def _interactive(view: View, fig, chart_id: str):
    return charts.show_interactive(fig, chart_id, view.report_mode)


def _cautions(*pieces: Any) -> list[Any]:
    caution = prose.caution_if_marked(*[p for p in pieces if isinstance(p, (Prose, str))])
    return [caution] if caution is not None else []


def _month(round_id: str) -> str:
    return pd.Timestamp(f"{round_id}-01").strftime("%B %Y")


def _list_words(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _share_of(table: pd.DataFrame, code: str) -> Share:
    return metrics.category_share(table, code)


def _labelled(table: pd.DataFrame, group: str) -> pd.DataFrame:
    return table.assign(group=group)


def _answered_note(responses: int, answered: int, what: str) -> Prose | None:
    if responses == answered:
        return None
    return note(
        sentence(
            "Base: the {answered} respondents who answered {what}; {responses} took the survey, so {gap} left it blank. "
            "Shares here use those who answered.",
            answered=answered,
            what=what,
            responses=responses,
            gap=responses - answered,
        )
    )


def _round_answers(ds: Dataset, round_id: str | None) -> pd.DataFrame:
    return ds.followup_answers.loc[ds.followup_answers["survey_id"] == round_id]


def _round_responses(ds: Dataset, round_id: str | None) -> int:
    return int((ds.followup_responses["survey_id"] == round_id).sum())


# --- The evaluation approach ----------------------------------------------------------------


def sources(ds: Dataset, view: View) -> list[Any]:
    f = _fig(ds)
    rounds = ds.followup_responses.groupby("survey_id").size().sort_index()
    round_text = _list_words([f"{count} in {_month(rid)}" for rid, count in rounds.items()])
    interviews = ds.interviews
    sg = f["interviews_steering_group"].result
    sg_ba = metrics.count_where(interviews, group="beneficiary_ambassador", steering_group=True)
    sg_fac = metrics.count_where(interviews, steering_group=True, facilitated_event=True)
    other_fac = f["interviews_facilitators_other"].result
    coordinator = metrics.count_where(interviews, group="coordinator")
    pieces: list[Any] = [
        paragraph(
            sentence(
                "This evaluation has reviewed {event_n} responses to the surveys sent after learning events and "
                "{followup_n} responses to the follow-up survey created for the reports ({rounds}).",
                event_n=f["event_survey_responses"].result,
                followup_n=f["followup_responses"].result,
                rounds=round_text or "no rounds in this period",
            ),
            sentence(
                "Telephone interviews were held with {participants} people who had attended more than one learning event.",
                participants=f["interviews_participants"].result,
            ),
        )
    ]
    if sg:
        pieces.append(
            paragraph(
                sentence(
                    "{sg} members of the Steering Group were interviewed, {ba} of them Beneficiary Ambassadors and {fac} who had also "
                    "facilitated learning events; {other} further event facilitators{coord} were also interviewed.",
                    sg=wording.count_words(sg, capitalise=True),
                    ba=wording.count_words(sg_ba),
                    fac=wording.count_words(sg_fac),
                    other=wording.count_words(other_fac),
                    coord=" and the PDU co-ordinator" if coordinator else "",
                )
            )
        )
    reviews = ds.reviews.sort_values("date")
    if len(reviews):
        review_text = _list_words([f"{wording.count_words(int(r.present))} in {r.date:%B %Y}" for r in reviews.itertuples()])
        pieces.append(
            paragraph(
                sentence(
                    "As part of the analysis the evaluator met with Expert Citizens ({reviews}) to review the actions people had "
                    "taken and comment on their potential impact for service users.",
                    reviews=review_text,
                )
            )
        )
    held = interviews.groupby("group").size()
    table = pd.DataFrame(
        [
            ("Post-event surveys", "responses", f["event_survey_responses"].result),
            *[(f"Follow-up survey, {_month(rid)}", "responses", int(n)) for rid, n in rounds.items()],
            *[
                (f"Interviews: {label}", "interviews", int(held[code]))
                for code, label in INTERVIEW_GROUPS.items()
                if code in held.index
            ],
            *[(f"Expert Citizens review, {r.date:%B %Y}", "people present", int(r.present)) for r in reviews.itertuples()],
        ],
        columns=["Source", "Unit", "Count"],
    )
    pieces.append(table_html(table, "Sources of evidence in this report", require_base=False))
    return pieces


def response_rates(ds: Dataset, view: View) -> pd.DataFrame:
    """Post-event survey responses per learning event, over its attendances."""
    attendances = ds.attendances.groupby("event_id").size()
    responses = ds.event_responses.groupby("survey_id").size()
    events = ds.learning_events[["event_id", "date", "title"]].copy()
    events["attendances"] = events["event_id"].map(attendances).fillna(0).astype(int)
    events["responses"] = events["event_id"].map(responses).fillna(0).astype(int)
    events["response rate"] = [
        wording.format_percent(r, a) if a else "no attendances" for r, a in zip(events["responses"], events["attendances"])
    ]
    return events.sort_values(["date", "event_id"]).reset_index(drop=True)


def response_rate_section(ds: Dataset, view: View) -> list[Any]:
    rates = response_rates(ds, view)
    total = Share(int(rates["responses"].sum()), int(rates["attendances"].sum()))
    shown = rates.assign(date=rates["date"].dt.strftime("%d %b %Y"))
    return [
        paragraph(
            sentence(
                "Across the learning events, post-event surveys drew {overall} responses per attendance. "
                "Response rates vary from event to event and are often low, so care is needed in generalising from the survey data.",
                overall=pct(total, view),
            )
        ),
        table_html(shown, "Post-event survey responses per learning event (response rate = responses / attendances)", require_base=False),
        *_cautions(*rates["response rate"].tolist()),
    ]


# --- Who has attended -------------------------------------------------------------------------


def attendance_overview(ds: Dataset, view: View) -> list[Any]:
    f = _fig(ds)
    repeat = metrics.repeat_attendance(ds.attendances)
    repeaters = int(repeat.loc[repeat["events"] >= 2, "people"].sum())
    most = f["max_events_per_person"].result
    cop_sessions = len(ds.cop_sessions)
    pieces = [
        paragraph(
            sentence(
                "Between {start} and {end}, the PDU ran {events} learning events, and {cop} Community of Practice sessions. "
                "A total of {people} individuals made {attendances} attendances, with {repeaters} people attending between 2 and {most} "
                "separate events. The register records attendances, not individuals: people were linked across its rows by the rules "
                "in the data-quality appendix.",
                start=f"{ds.period.start:%B %Y}",
                end=f"{ds.period.end:%B %Y}",
                events=f["learning_events"].result,
                cop=cop_sessions,
                people=f["individuals"].result,
                attendances=f["attendances"].result,
                repeaters=repeaters,
                most=most,
            )
        ),
        table_html(
            repeat.rename(columns={"events": "Learning events attended", "people": "People", "attendances": "Attendances"}),
            "People by the number of learning events they attended",
            require_base=False,
        ),
    ]
    return pieces


def _period_share_table(ds: Dataset, other: Dataset | None, column: str, scale: dict[str, str]) -> pd.DataFrame:
    tables = []
    for data in [d for d in (other, ds) if d is not None]:
        table = metrics.counts_by(data.attendances, column, list(scale), scale)
        tables.append(_labelled(table, data.period.title))
    return pd.concat(tables, ignore_index=True)


def compared_dataset(ds: Dataset) -> Dataset | None:
    """The Dataset of the report this one compares with (the final report with the interim), if any."""
    if not ds.period.compare_with:
        return None
    return load_dataset(ds.data_dir, ds.period.compare_with)


def sector_and_focus(ds: Dataset, view: View) -> list[Any]:
    f = _fig(ds)
    voluntary = f["attendances_voluntary_pct"].result
    statutory = f["attendances_statutory_pct"].result
    other = compared_dataset(ds)
    pieces: list[Any] = [
        paragraph(
            sentence(
                "Of the {attendances} attendances, {vol_words} ({vol}) were from the voluntary sector and {stat} from the statutory sector.",
                attendances=f["attendances"].result,
                vol_words=wording.share_words(voluntary.numerator, voluntary.base),
                vol=inner(voluntary, view),
                stat=pct(statutory, view),
            )
        )
    ]
    focus = metrics.counts_by(ds.attendances, "focus", list(FOCUSES), FOCUSES).sort_values("count", ascending=False, kind="stable")
    top = focus.iloc[0]
    rest = [f"{pct(Share(int(r['count']), int(r['base'])), view)} {lower_first(r['label'])}" for _, r in focus.iloc[1:].iterrows()]
    pieces.append(
        paragraph(
            sentence(
                "Across both sectors, the largest share of attendances came from people whose main work is {top_label} ({top}); "
                "the others were {rest}.",
                top_label=lower_first(top["label"]),
                top=inner(Share(int(top["count"]), int(top["base"])), view),
                rest=_list_words(rest),
            )
        )
    )
    if other is not None:
        before = metrics.share(other.attendances["sector"] == "statutory")
        after = statutory
        change = metrics.change(before, after)
        direction = "a slight increase" if 0 < change < 5 else "an increase" if change >= 5 else "a slight decrease" if -5 < change < 0 else "a decrease" if change <= -5 else "no change"
        pieces.append(
            paragraph(
                sentence(
                    "There has been {direction} in the share of attendances from statutory agencies since the {interim}: "
                    "from {before} to {after}.",
                    direction=direction,
                    interim=other.period.title.lower(),
                    before=pct(before, view),
                    after=pct(after, view),
                )
            )
        )
    sector_table = _period_share_table(ds, other, "sector", SECTORS)
    title = headline(voluntary, "of attendances came from the voluntary sector")
    pieces.append(
        StaticChart(charts.grouped_share_bars(sector_table, title, f"{ds.period.name}_attendance_by_sector", view.output_dir, intervals=view.show_intervals, axis_label=ATTENDANCE_AXIS), title)
    )
    focus_table = _period_share_table(ds, other, "focus", FOCUSES)
    focus_title = f"{top['label']} is the main work focus of the largest share of attendances"
    pieces.append(
        StaticChart(charts.grouped_share_bars(focus_table, focus_title, f"{ds.period.name}_attendance_by_focus", view.output_dir, intervals=view.show_intervals, axis_label=ATTENDANCE_AXIS), focus_title)
    )
    pieces.append(_interactive(view, charts.interactive_share_bars(_labelled(focus, ds.period.title), "Attendances by main focus of work (hover for counts)", f"{ds.period.name}-focus", axis_label=ATTENDANCE_AXIS), f"{ds.period.name}-focus"))
    return pieces


def communities_of_practice(ds: Dataset, view: View) -> list[Any]:
    table = figures.cop_table(ds)
    if table.empty:
        return [paragraph("No Community of Practice sessions were held in this period.")]
    groups = [
        f"{wording.count_words(int(r.sessions))} session{'s' if r.sessions != 1 else ''} of the {r.cop_group} CoP, attended by "
        + (f"{r.fewest} to {r.most} people each time" if r.fewest != r.most else f"{r.most} people{' each time' if r.sessions > 1 else ''}")
        for r in table.itertuples()
    ]
    pieces: list[Any] = [
        paragraph(
            sentence(
                "The co-ordinator has also set up {n} {groups_word}, on-going groups which focus in more detail on specific issues. "
                "There have been {groups}.",
                n=wording.count_words(len(table)),
                groups_word="Communities of Practice" if len(table) != 1 else "Community of Practice",
                groups=_list_words(groups),
            )
        )
    ]
    f = _fig(ds)
    booked = f["cop_housing_first_next_booked"].result
    if booked:
        pieces.append(
            paragraph(
                sentence(
                    "{booked} people are booked on to the next {group} session, after this period.",
                    booked=wording.count_words(booked, capitalise=True),
                    group=figures.COP_GROUPS["cop_housing_first"],
                )
            )
        )
    pieces.append(
        table_html(
            table.rename(columns={"cop_group": "Community of Practice", "sessions": "Sessions", "fewest": "Fewest attending", "most": "Most attending"}),
            "Community of Practice sessions in the period",
            require_base=False,
        )
    )
    return pieces


def how_people_heard(ds: Dataset, view: View) -> list[Any]:
    round_id = ds.latest_round
    if round_id is None:
        return [paragraph("No follow-up survey responses in this period.")]
    answers = _round_answers(ds, round_id)
    table = ds.measure_table(answers, "heard_via")
    ordered = table.sort_values("count", ascending=False, kind="stable")
    top = ordered.head(3)
    answered = int(table["base"].iloc[0])
    responses = _round_responses(ds, round_id)
    mentions = _list_words([f"{lower_first(r['label'])} ({frac(Share(int(r['count']), answered))})" for _, r in top.iterrows()])
    pieces: list[Any] = [
        paragraph(
            sentence(
                "In the {month} follow-up survey the most frequently mentioned ways of hearing about PDU events were {mentions}.",
                month=_month(round_id),
                mentions=mentions,
            )
        )
    ]
    gap = _answered_note(responses, answered, "this question")
    if gap is not None:
        pieces.append(gap)
    title = _capitalise(f"{lower_first(ordered.iloc[0]['label'])} was the most common way people heard of PDU events")
    pieces.append(StaticChart(charts.share_bars(ordered, title, f"{ds.period.name}_heard_via", view.output_dir, intervals=view.show_intervals), title))
    pieces += _cautions(frac(Share(0, answered)))
    return pieces


def online_hub(ds: Dataset, view: View) -> list[Any]:
    f = _fig(ds)
    shares = {s: f[f"hub_{s}_pct"].result for s in ("voluntary", "statutory", "private")}
    pieces: list[Any] = [
        paragraph(
            sentence(
                "The PDU online platform, or hub, has {users} registered users: {vol} from the voluntary sector, {stat} from the statutory "
                "sector and {priv} from the private sector.",
                users=f["hub_registered_users"].result,
                vol=pct(shares["voluntary"], view),
                stat=pct(shares["statutory"], view),
                priv=pct(shares["private"], view),
            )
        )
    ]
    if ds.latest_round is not None:
        aware, used = f["hub_aware"].result, f["hub_used"].result
        pieces.append(
            paragraph(
                sentence(
                    "In the {month} follow-up survey only {aware} of respondents were aware of the hub. Just {used} of the {aware_n} "
                    "who had heard of the hub said they had used it.",
                    month=_month(ds.latest_round),
                    aware=f"{pct(aware, view)}",
                    used=wording.count_words(used.numerator),
                    aware_n=wording.count_words(used.base),
                )
            )
        )
        pieces += _cautions(pct(aware, view))
    return pieces


# --- What people gained -------------------------------------------------------------------------


def understanding_and_awareness(ds: Dataset, view: View) -> list[Any]:
    f = _fig(ds)
    under = {code: f[f"understanding_{code}"].result for code in ("much_greater", "some", "confirmed", "none")}
    aware = {code: f[f"awareness_{code}"].result for code in ("much_greater", "some", "confirmed", "none")}
    base_u = under["much_greater"].base
    def n_of(share: Share) -> str:
        return f"{share.rounded}%, {share.numerator} of {share.base}"

    def people(n: int) -> str:
        return "no one" if n == 0 else wording.count_words(n) + (" person" if n == 1 else " people")

    pieces: list[Any] = [
        paragraph(
            sentence(
                "With regard to whether the event had improved their understanding of a topic, {mg_words} ({mg}) of event survey "
                "responses said they had a much greater understanding of the topic than previously, {some} that they had some "
                "additional understanding and {conf} said the event had confirmed their previous understanding. {none_n} "
                "({none}) said they had had no greater understanding of the topic.",
                mg_words=wording.share_words(under["much_greater"].numerator, base_u),
                mg=inner(under["much_greater"], view),
                some=pct(under["some"], view),
                conf=pct(under["confirmed"], view),
                none_n=_capitalise(("just " if under["none"].numerator else "") + people(under["none"].numerator)),
                none=n_of(under["none"]),
            )
        ),
        paragraph(
            sentence(
                "With regard to increasing awareness of the issues, {mg} said they felt they had much greater awareness, {some} some "
                "additional awareness and {conf} that the event had confirmed their existing awareness; {none_n} "
                "({none}) said they had had no additional awareness since attending the event.",
                mg=pct(aware["much_greater"], view),
                some=pct(aware["some"], view),
                conf=pct(aware["confirmed"], view),
                none_n=people(aware["none"].numerator),
                none=n_of(aware["none"]),
            )
        ),
    ]
    likert = pd.concat(
        [
            _labelled(ds.measure_table(ds.event_answers, measure), ds.measure(measure).label)
            for measure in ("understanding", "awareness", "confidence")
            if measure in ds.harmonisation.measures and len(metrics.answered(ds.event_answers, measure))
        ],
        ignore_index=True,
    )
    gained = Share(under["much_greater"].numerator + under["some"].numerator, base_u)
    title = headline(gained, "of event survey responses reported a greater understanding of the topic")
    pieces.append(StaticChart(charts.likert_chart(likert, title, f"{ds.period.name}_understanding_awareness", view.output_dir), title))
    pieces.append(_interactive(view, charts.interactive_likert(likert, "Change after the event, by measure (hover for counts)", f"{ds.period.name}-likert"), f"{ds.period.name}-likert"))
    return pieces


# --- Sharing and disseminating ---------------------------------------------------------------------


def sharing(ds: Dataset, view: View) -> list[Any]:
    f = _fig(ds)
    plans = ds.measure_table(ds.event_answers, "plans_to_share").sort_values("count", ascending=False, kind="stable")
    frontline = f["dissemination_frontline_pct"].result
    managers = _share_of(plans, "managers")
    pieces: list[Any] = [
        paragraph(
            sentence(
                "Many of the learning event surveys asked people to whom they planned to disseminate what they had learned. "
                "{words} expressed an intention to share the information with front line staff ({front}), with {smaller} planning to "
                "share it with managers ({managers}).",
                words=wording.share_words(frontline.numerator, frontline.base).capitalize(),
                front=inner(frontline, view),
                smaller="a smaller proportion" if managers.percent < frontline.percent else "as many or more",
                managers=inner(managers, view),
            )
        )
    ]
    title = headline(frontline, "planned to share what they learned with front line staff")
    pieces.append(StaticChart(charts.share_bars(plans, title, f"{ds.period.name}_plans_to_share", view.output_dir, intervals=view.show_intervals), title))
    if ds.latest_round is not None:
        answers = _round_answers(ds, ds.latest_round)
        shared = ds.measure_table(answers, "shared_with").sort_values("count", ascending=False, kind="stable")
        if int(shared["base"].iloc[0]):
            top = shared.iloc[0]
            pieces.append(
                paragraph(
                    sentence(
                        "The {month} follow-up survey asked people who they had actually shared information with following the learning "
                        "event; the chart below shows how they answered. The most common answer was {top} ({share}).",
                        month=_month(ds.latest_round),
                        top=lower_first(top["label"]),
                        share=inner(Share(int(top["count"]), int(top["base"])), view),
                    )
                )
            )
            title = f"Learning was shared most with {lower_first(top['label'])}"
            pieces.append(StaticChart(charts.share_bars(shared, title, f"{ds.period.name}_shared_with", view.output_dir, intervals=view.show_intervals), title))
            pieces.append(_interactive(view, charts.interactive_share_bars(shared, "Who people shared their learning with (hover for counts)", f"{ds.period.name}-shared"), f"{ds.period.name}-shared"))
            pieces += _cautions(pct(Share(0, int(shared["base"].iloc[0])), view))
    return pieces


# --- Diversity of participants ----------------------------------------------------------------------


def diversity(ds: Dataset, view: View) -> list[Any]:
    attendances = ds.attendances
    organisations = attendances["organisation"].dropna().nunique()
    by_event = (
        attendances.groupby("event_id")["sector"].apply(lambda s: metrics.share(s == "statutory"))
        if len(attendances)
        else pd.Series(dtype=object)
    )
    events = ds.learning_events.set_index("event_id")
    rows = [
        {
            "Event": f"{events.at[eid, 'date']:%b %Y}: {events.at[eid, 'title']}",
            "Attendances": s.base,
            "From the statutory sector": pct(s, view),
        }
        for eid, s in by_event.items()
    ]
    with_statutory = sum(1 for s in by_event if s.numerator)
    pieces: list[Any] = [
        paragraph(
            sentence(
                "The attendances came from {orgs} different organisations. {with_stat} learning events had at least one "
                "attendee from the statutory sector.",
                orgs=organisations,
                with_stat=(
                    f"All {len(by_event)}" if with_statutory == len(by_event) else f"{wording.count_words(with_statutory, capitalise=True)} of the {len(by_event)}"
                ),
            )
        ),
        table_html(pd.DataFrame(rows), "Statutory sector attendances at each learning event", require_base=False),
    ]
    return pieces


# --- Links and collaboration ------------------------------------------------------------------------


def links(ds: Dataset, view: View) -> list[Any]:
    f = _fig(ds)
    contact = f["made_contact"].result
    rounds = len(ds.rounds)
    return [
        paragraph(
            sentence(
                "In {rounds} follow-up survey{s} people were asked whether they had actually made contact with anyone they had met at "
                "PDU events. {words} ({fraction}) said they had done so.",
                rounds=f"the {wording.count_words(rounds)}" if rounds != 1 else "the",
                s="s" if rounds != 1 else "",
                words=wording.share_words(contact.numerator, contact.base).capitalize(),
                fraction=frac(contact),
            )
        )
    ] + _cautions(frac(contact))


# --- Changes at work, outcomes, effectiveness ----------------------------------------------------------


def changes(ds: Dataset, view: View) -> list[Any]:
    f = _fig(ds)
    intend = f["intend_change_pct"].result
    pieces: list[Any] = [
        paragraph(
            sentence(
                "All people were asked if attending PDU events had led to any change in how they worked. In the post-event surveys {intend} "
                "said they intended to implement changes.",
                intend=pct(intend, view),
            )
        )
    ]
    if ds.latest_round is not None:
        action = f["took_action"].result
        pieces.append(
            paragraph(
                sentence(
                    "In the {month} follow-up survey {action} said they had taken action as a result of things they learnt at PDU events.",
                    month=_month(ds.latest_round),
                    action=pct(action, view),
                )
            )
        )
        pieces += _cautions(pct(action, view))
    pledge = f["pledge_adopters"].result
    if pledge:
        pieces.append(
            paragraph(
                sentence(
                    "{n} people said they had introduced the Pledge into their work or were working towards doing so "
                    "(people coded to the Pledge theme).",
                    n=wording.count_words(pledge, capitalise=True),
                )
            )
        )
    return pieces


def _latest_distribution_section(ds: Dataset, view: View, measure: str, lead: str, title: str, chart: str) -> list[Any]:
    if ds.latest_round is None:
        return [paragraph("No follow-up survey responses in this period.")]
    table = ds.measure_table(_round_answers(ds, ds.latest_round), measure)
    parts = [
        f"{wording.share_words(int(r['count']), int(r['base']))} ({frac(Share(int(r['count']), int(r['base'])))}) {lower_first(r['label'])}"
        for _, r in table.iterrows()
    ]
    pieces: list[Any] = [
        paragraph(sentence("{lead} In the {month} follow-up survey: {parts}.", lead=lead, month=_month(ds.latest_round), parts="; ".join(parts)))
    ]
    chart_table = _labelled(table, f"{_month(ds.latest_round)} follow-up")
    pieces.append(StaticChart(charts.likert_chart(chart_table, title, f"{ds.period.name}_{chart}", view.output_dir), title))
    pieces += _cautions(frac(Share(0, int(table["base"].iloc[0]))))
    return pieces


def outcomes(ds: Dataset, view: View) -> list[Any]:
    title = "Improved outcomes for service users"
    if ds.latest_round:
        table = ds.measure_table(_round_answers(ds, ds.latest_round), "outcomes_improved")
        title = headline(_share_of(table, "yes"), "could identify improved outcomes for service users")
    return _latest_distribution_section(
        ds,
        view,
        "outcomes_improved",
        "The survey asked people whether they were aware of any improved outcomes for service users as a result of the changes they had implemented.",
        title,
        "outcomes_improved",
    )


def effectiveness(ds: Dataset, view: View) -> list[Any]:
    title = "How effective the model is"
    if ds.latest_round:
        table = ds.measure_table(_round_answers(ds, ds.latest_round), "effectiveness")
        effective = Share(int(table.loc[table["category"].isin(["very", "quite"]), "count"].sum()), int(table["base"].iloc[0]))
        title = headline(effective, "thought the model a very or quite effective way to change practice")
    return _latest_distribution_section(
        ds,
        view,
        "effectiveness",
        "People were asked how effective they thought the model of the learning events was in improving skills and knowledge, "
        "sharing good practice and promoting innovation across the city.",
        title,
        "effectiveness",
    )


# --- Qualitative evidence -----------------------------------------------------------------------------


def views_by_stance(excerpts: pd.DataFrame, section: str) -> dict[str, int]:
    """People (distinct respondents) who expressed each stance in a section's excerpts.

    >>> e = pd.DataFrame({"section": ["s", "s", "s"], "respondent": ["a", "a", "b"], "stance": ["positive", "critical", "positive"]})
    >>> views_by_stance(e, "s")
    {'critical': 1, 'positive': 2}
    """
    rows = excerpts.loc[excerpts["section"] == section]
    return {str(k): int(v) for k, v in rows.groupby("stance")["respondent"].nunique().sort_index().items()}


def involvement(ds: Dataset, view: View) -> list[Any]:
    """The lead of the service user involvement section: who spoke about it, and in which direction."""
    if ds.excerpts is None:
        return [note("No coded qualitative excerpts in this data folder.")]
    rows = ds.excerpts.loc[ds.excerpts["section"] == "involvement"]
    people = int(rows["respondent"].nunique())
    stances = views_by_stance(ds.excerpts, "involvement")
    groups = _list_words([str(g) if str(g).endswith("s") else f"{g}s" for g in sorted(rows["group"].unique())])
    return [
        paragraph(
            sentence(
                "{people} respondents ({groups}) spoke about the involvement of service users in PDU events: {positive} expressed "
                "positive views and {critical} raised concerns{mixed}. Some people did both, so these overlap.",
                people=people,
                groups=groups,
                positive=stances.get("positive", 0),
                critical=stances.get("critical", 0),
                mixed=f", and {stances['mixed']} gave mixed views" if stances.get("mixed") else "",
            )
        )
    ]


def evidence(ds: Dataset, view: View, section: str) -> list[Any]:
    """What people said, for one section: a theme table by respondent group and the publishable quotes."""
    if ds.excerpts is None or ds.codebook is None:
        return [note("No coded qualitative excerpts in this data folder.")]
    from pdu_lib.analysis import themes
    from pdu_lib.present import quotes

    published = quotes.publishable(ds.excerpts, ds.codebook)
    in_section = themes.excerpts_for_section(published, section)
    table = themes.theme_table(ds.excerpts, section)
    pieces: list[Any] = []
    if len(table):
        shown = pd.DataFrame(
            {
                "Theme": table["theme"],
                "Respondent group": table["group"],
                "People": [
                    f"hidden: fewer than {themes.MIN_GROUP_SIZE} in this group" if hidden else str(int(n))
                    for n, hidden in zip(table["people"], table["suppressed"])
                ],
            }
        )
        pieces.append(table_html(shown, "Themes by respondent group: people who raised each (not excerpts)", require_base=False))
    if len(in_section):
        pieces.append(HTML(quotes.render_excerpts_html(in_section)))  # escaped by qualitative
    else:
        pieces.append(note("No publishable excerpts for this section in this period."))
    return pieces


# --- The data-quality appendix ------------------------------------------------------------------------


def row_accounting(ds: Dataset, view: View) -> list[Any]:
    from pdu_lib.analysis import quality

    table = ds.reconciliation()
    balanced = quality.ledger_balances(table)
    reasons = ds.ledger.reasons()
    return [
        paragraph(
            sentence(
                "Every input file, with the rows read, used and set aside. For every file rows read = rows used + rows excluded{ok}; "
                "no row is dropped silently.",
                ok=" (checked)" if balanced else " (NOT BALANCED: a defect in the workbook, please report it)",
            )
        ),
        table_html(table.rename(columns={"file": "File", "rows_read": "Rows read", "rows_used": "Rows used", "rows_excluded": "Rows excluded", "reasons": "Reasons"}), "Rows read, used and excluded, by file", require_base=False),
        table_html(reasons.rename(columns={"file": "File", "reason": "Reason", "rows": "Rows"}), "Rows excluded, by reason", require_base=False),
    ]


def response_rate_chart(ds: Dataset, view: View) -> list[Any]:
    rates = response_rates(ds, view)
    rates = rates.loc[rates["attendances"] > 0]
    table = pd.DataFrame(
        {
            "category": rates["event_id"],
            "label": [f"{d:%b %Y} {t}" for d, t in zip(rates["date"], rates["title"])],
            "count": rates["responses"],
            "base": rates["attendances"],
        }
    )
    table["percent"] = 100.0 * table["count"] / table["base"]
    lowest, highest = (wording.percent(int(r["count"]), int(r["base"])) for r in (table.loc[table["percent"].idxmin()], table.loc[table["percent"].idxmax()])) if len(table) else (0, 0)
    title = f"Post-event survey response rates ranged from {lowest}% to {highest}% of attendances"
    return [
        StaticChart(charts.share_bars(table, title, f"{ds.period.name}_response_rates", view.output_dir, axis_label=RESPONSE_RATE_AXIS), title),
        _interactive(
            view,
            charts.interactive_share_bars(table, "Response rate per learning event, in date order (hover for counts)", f"{ds.period.name}-response-rates", axis_label=RESPONSE_RATE_AXIS),
            f"{ds.period.name}-response-rates",
        ),
    ]


def people_linking(ds: Dataset, view: View) -> list[Any]:
    from pdu_lib.inputs import people

    summary = people.linking_summary(ds.people_audit)
    attending = metrics.distinct_count(ds.attendances, "person_id")
    return [
        paragraph(
            sentence(
                "The register records bookings, not people. Rows were linked to {people} people across all bookings (of whom {attending} "
                "attended a learning event in this period) by matching emails, and names with organisations, as data/README.md sets out. "
                "The table shows how each person's rows were linked, so the count of individuals can be audited.",
                people=len(ds.people_audit),
                attending=attending,
            )
        ),
        table_html(summary.rename(columns={"linked_by": "Linked by", "people": "People", "bookings": "Bookings"}), "People linked across the register, by rule", require_base=False),
    ]


def unmapped_questions(ds: Dataset, view: View) -> list[Any]:
    table = ds.unmapped_questions
    if table.empty:
        return [paragraph("Every survey question was mapped to a common measure by harmonisation.yml.")]
    return [
        paragraph(
            sentence(
                "{n} survey question(s) are not in the harmonisation map, so their answers are not used in any figure. "
                "Add their wording to harmonisation.yml to use them.",
                n=len(table),
            )
        ),
        table_html(table.rename(columns={"file": "File", "question_no": "Question", "column": "Column", "text": "Question text"}), "Questions the harmonisation map does not cover", require_base=False),
    ]


def consistency_checks(ds: Dataset, view: View) -> list[Any]:
    from pdu_lib.analysis import quality

    followup_latest = ds.followup_responses.loc[ds.followup_responses["survey_id"] == ds.latest_round]
    gaps = pd.concat(
        [
            quality.base_gaps(ds.event_responses, ds.event_answers, ds.event_asked, "post-event"),
            quality.base_gaps(
                followup_latest,
                _round_answers(ds, ds.latest_round),
                ds.followup_asked.loc[ds.followup_asked["survey_id"] == ds.latest_round],
                f"follow-up {ds.latest_round}",
            ),
        ],
        ignore_index=True,
    )
    closed = [m for m in gaps["measure"] if ds.measure_kind(m) != "open"]
    gaps = gaps.loc[(gaps["flag"] != "") & gaps["measure"].isin(closed)]
    item_n = quality.survey_count_vs_item_n(ds.event_responses, ds.event_answers, ds.event_asked, "post-event")
    singles = {
        f"{ds.measure(m).label} ({survey})": ds.measure_table(answers, m)
        for survey, answers, measures in (
            ("post-event", ds.event_answers, ds.event_asked["measure"].unique()),
            (f"follow-up {ds.latest_round}", _round_answers(ds, ds.latest_round), ds.followup_asked["measure"].unique()),
        )
        for m in sorted(measures)
        if ds.measure_kind(m) == "single"
    }
    sums = quality.rounded_sums(singles)
    flagged_sums = sums.loc[sums["flag"] != ""]
    return [
        paragraph(
            sentence(
                "Questions where some respondents left the answer blank: a share quoted over everyone who took the survey would "
                "mix bases, so every share in this report uses those who answered ({n} question(s)).",
                n=len(gaps),
            )
        ),
        table_html(gaps[["survey", "measure", "responses", "answered", "flag"]], "Answered count against responses, by question", require_base=False),
        paragraph(
            sentence(
                "There were {total} post-event survey responses in the period, but not every survey asked every question: each "
                "question's n is shown beside the response count so that neither is quoted for the other.",
                total=len(ds.event_responses),
            )
        ),
        table_html(item_n, "Post-event survey responses against each question's n", require_base=False),
        paragraph(
            sentence(
                "Shares rounded to whole numbers do not always add up to exactly 100: {n} of {all} single-choice questions do not. "
                "No figure has been adjusted to force the total.",
                n=len(flagged_sums),
                all=len(sums),
            )
        ),
        table_html(sums, "Sum of whole-number percentages, by question", require_base=False),
    ]


# --- The exploration notebook ---------------------------------------------------------------------------


def loader_tables(ds: Dataset) -> dict[str, pd.DataFrame]:
    """Every tidy table the loaders produce, by name, for exploring."""
    return {
        "events": ds.events,
        "attendances (learning events)": ds.attendances,
        "CoP attendances": ds.cop_attendances,
        "event survey responses": ds.event_responses,
        "event survey answers": ds.event_answers,
        "follow-up responses": ds.followup_responses,
        "follow-up answers": ds.followup_answers,
        "hub registrations": ds.hub,
        "interviews": ds.interviews,
        "Expert Citizens reviews": ds.reviews,
        **({"coded excerpts": ds.excerpts} if ds.excerpts is not None else {}),
    }
