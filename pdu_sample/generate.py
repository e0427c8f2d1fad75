"""Generate the synthetic sample data folder (data/sample/) from a seed.

This is the one place in the project that knows the report's figures: the
``TARGETS`` table below. The sample is built so that the workbook, reading it
through the input contract (data/README.md), reproduces them; the loaders and
metrics never see this table.

Output is byte-for-byte the same for the same seed: one ``random.Random``
drives everything, iteration is in a fixed order and nothing reads the clock.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import shutil
from pathlib import Path

from pdu_sample import excerpts, register, reviews, surveys
from pdu_sample import people as people_mod
from pdu_sample.register import Event
from pdu_sample.surveys import Export

D = dt.date

# ---------------------------------------------------------------------------
# TARGETS: the report's figures the sample is built to reproduce.
# Final report: data 2017-10-01..2019-01-31; interim report: ..2018-06-30.
# ---------------------------------------------------------------------------
TARGETS = {
    # Who has attended. An attendance is a register row with status Attended at a learning event.
    "learning_events": 19,
    "learning_events_interim": 9,  # held by 2018-06-30
    "attendances": 468,
    "attendances_interim": 232,
    "individuals": 291,
    "people_by_learning_events_attended": {1: 163, 2: 91, 3: 25, 4: 12},  # 291 people, 468 attendances, at most 4
    "attendances_by_sector": {"Voluntary": 346, "Statutory": 122},  # 74% / 26%
    "attendances_by_sector_interim": {"Voluntary": 181, "Statutory": 51},  # statutory 51/232 = 22%
    "attendances_by_focus": {
        "Housing": 206,
        "Women's services": 56,
        "Offending": 42,
        "Mental health": 23,
        "Substance misuse": 23,
        "Other": 118,
    },  # 44%, 12%, 9%, 5%, 5%, 25%
    # The joint table the people are drawn from; its margins are the two lines above.
    "attendances_by_sector_and_focus": {
        ("Voluntary", "Housing"): 166,
        ("Voluntary", "Women's services"): 52,
        ("Voluntary", "Offending"): 12,
        ("Voluntary", "Mental health"): 8,
        ("Voluntary", "Substance misuse"): 15,
        ("Voluntary", "Other"): 93,
        ("Statutory", "Housing"): 40,
        ("Statutory", "Women's services"): 4,
        ("Statutory", "Offending"): 30,
        ("Statutory", "Mental health"): 15,
        ("Statutory", "Substance misuse"): 8,
        ("Statutory", "Other"): 25,
    },
    # Bookings that are not attendances (learning events).
    "learning_bookings_not_attended": {"Cancelled": 26, "Did not attend": 33, "Booked": 2},
    # Communities of Practice: attended per session, in date order.
    "cop_attended": {"Service User Involvement": [6, 7, 9, 8], "Care Act": [12, 12], "Housing First": [18]},
    "cop_next_session_booked": 10,  # Housing First, February 2019 (after the period)
    # The online hub.
    "hub_registered_by_sector": {"Voluntary": 134, "Statutory": 50, "Private": 8},  # 192: 70% / 26% / 4%
    "hub_registered_after_period": {"Voluntary": 3, "Statutory": 1},  # February 2019
    # Interviews (group -> (count, round, steering_group, facilitated_event)).
    # In interview-id order, matching the coded interview documents (pdu_sample/excerpts.py: I01..I26).
    "interviews": [
        ("participant", 8, "2018-06", "no", "no"),
        ("participant", 8, "2019-01", "no", "no"),
        ("Beneficiary Ambassador", 2, "2019-01", "yes", "no"),
        ("Steering Group member", 3, "2019-01", "yes", "yes"),
        ("Steering Group member", 1, "2019-01", "yes", "no"),
        ("facilitator", 3, "2019-01", "no", "yes"),
        ("co-ordinator", 1, "2019-01", "no", "no"),
    ],
    "expert_citizens_reviews": [(D(2018, 6, 21), 6), (D(2019, 2, 14), 3)],
    # Event surveys (all responses in the final period; interim = the events up to June 2018).
    "event_survey": {
        "responses_used": 78,
        "asked_measures": ["understanding", "awareness", "confidence", "plans_to_share", "intend_change"],
        "understanding": {"much_greater": 36, "some": 27, "confirmed": 11, "none": 1},  # n=75: 48/36/15/1%
        "awareness": {"much_greater": 23, "some": 35, "confirmed": 17, "none": 1},  # n=76: 30/46/22/1%
        "confidence": {"much_more": 22, "a_little_more": 32, "no_change": 8},
        "plans_to_share_answered": 41,
        "plans_to_share": {"frontline_staff": 24, "managers": 14, "partner_organisations": 10, "volunteers": 7, "service_users": 6},
        "plans_to_share_other": 3,
        "intend_change": {"yes": 20, "not_sure": 27, "no": 13},  # yes 20/60 = 33%
    },
    # Follow-up surveys, one per round.
    "followup": {
        "2018-06": {
            "responses": 7,
            "first_day": D(2018, 6, 11),
            "last_day": D(2018, 6, 29),
            "heard_via_answered": 7,
            "heard_via": {"word_of_mouth": 3, "newsletter": 2, "ncvs_ebulletin": 2, "online_platform": 1, "colleague_email": 1},
            "heard_via_other": 0,
            "hub_aware": 2,
            "hub_used": 1,
            "shared_with_answered": 7,
            "shared_with": {
                "team_colleagues": 5,
                "manager": 3,
                "supervision": 2,
                "other_organisations": 1,
                "service_users": 1,
                "no_one": 0,
            },
            "shared_with_other": 0,
            "made_contact": 3,
            "took_action": 6,
            "outcomes_improved": {"yes": 1, "not_sure": 4, "no": 2},
            "effectiveness": {"very": 4, "quite": 3, "not_at_all": 0},
        },
        "2019-01": {
            "responses": 29,
            "first_day": D(2019, 1, 7),
            "last_day": D(2019, 1, 30),
            "heard_via_answered": 27,
            "heard_via": {"word_of_mouth": 13, "newsletter": 6, "online_platform": 6, "colleague_email": 5, "ncvs_ebulletin": 4},
            "heard_via_other": 3,
            "hub_aware": 11,
            "hub_used": 4,
            "shared_with_answered": 28,
            "shared_with": {
                "team_colleagues": 17,
                "manager": 9,
                "supervision": 7,
                "other_organisations": 6,
                "service_users": 4,
                "no_one": 3,
            },
            "shared_with_other": 1,
            "made_contact": 10,
            "took_action": 19,
            "outcomes_improved": {"yes": 7, "not_sure": 12, "no": 10},
            "effectiveness": {"very": 15, "quite": 10, "not_at_all": 4},
        },
    },
}

PERIOD_ENDS = (D(2018, 6, 30), D(2019, 1, 31))  # interim, final

# The events: 19 learning events (9 by the interim cut) and the Community of Practice sessions.
EVENTS = (
    Event("E01", D(2017, 10, 12), "Trauma-informed approaches: an introduction", "learning event", "trauma-informed approaches"),
    Event("E02", D(2017, 11, 9), "Psychologically informed environments (PIE)", "learning event", "psychologically informed environments"),
    Event("E03", D(2017, 12, 7), "Strengths-based approaches", "learning event", "strengths-based approaches"),
    Event("E04", D(2018, 1, 18), "Housing First: what it is and why it works", "learning event", "Housing First"),
    Event("E05", D(2018, 2, 15), "A journey through the mental health system", "learning event", "the mental health system"),
    Event("E06", D(2018, 3, 15), "Women and complex needs", "learning event", "women and complex needs"),
    Event("E07", D(2018, 4, 19), "Substance use: what front line workers need to know", "learning event", "substance use"),
    Event("E08", D(2018, 5, 17), "Getting engaged: the Pledge", "learning event", "engagement"),
    Event("E09", D(2018, 6, 14), "The Care Act and multiple needs", "learning event", "the Care Act"),
    Event("E10", D(2018, 7, 12), "Working with probation", "learning event", "probation"),
    Event("E11", D(2018, 9, 13), "Trauma-informed approaches: next steps", "learning event", "trauma-informed practice"),
    Event("E12", D(2018, 9, 27), "PIE in practice", "learning event", "psychologically informed environments"),
    Event("E13", D(2018, 10, 11), "Dual diagnosis: mental health and substance use", "learning event", "dual diagnosis"),
    Event("E14", D(2018, 10, 25), "Strengths-based conversations", "learning event", "strengths-based working"),
    Event("E15", D(2018, 11, 8), "Women, trauma and homelessness", "learning event", "women's homelessness"),
    Event("E16", D(2018, 11, 22), "Housing First in the city: one year on", "learning event", "Housing First"),
    Event("E17", D(2018, 12, 6), "Welfare reform and Universal Credit", "learning event", "welfare reform"),
    Event("E18", D(2018, 12, 13), "Self-harm and suicide prevention", "learning event", "self-harm"),
    Event("E19", D(2019, 1, 10), "Co-production with people with lived experience", "learning event", "co-production"),
    Event(
        "C01",
        D(2018, 2, 1),
        "Service User Involvement CoP: session 1",
        "CoP session",
        "service user involvement",
        "Service User Involvement",
    ),
    Event(
        "C02",
        D(2018, 4, 26),
        "Service User Involvement CoP: session 2",
        "CoP session",
        "service user involvement",
        "Service User Involvement",
    ),
    Event(
        "C03",
        D(2018, 7, 26),
        "Service User Involvement CoP: session 3",
        "CoP session",
        "service user involvement",
        "Service User Involvement",
    ),
    Event(
        "C04",
        D(2018, 10, 18),
        "Service User Involvement CoP: session 4",
        "CoP session",
        "service user involvement",
        "Service User Involvement",
    ),
    Event("C05", D(2018, 9, 20), "Care Act CoP: session 1", "CoP session", "the Care Act", "Care Act"),
    Event("C06", D(2018, 11, 29), "Care Act CoP: session 2", "CoP session", "the Care Act", "Care Act"),
    Event("C07", D(2019, 1, 24), "Housing First CoP: session 1", "CoP session", "Housing First", "Housing First"),
    Event("C08", D(2019, 2, 21), "Housing First CoP: session 2", "CoP session", "Housing First", "Housing First"),
)

# One export per surveyed event (16 of 19), in three wordings, with the planted oddities.
SURVEY_EXPORTS = (
    Export("E01", "E01.csv", "A", 5, old_style=True),
    Export("E02", "E02 Psychologically informed environments.xlsx", "A", 5, test_response=True),
    Export("E04", "E04 Housing First.csv", "A", 4),
    Export("E05", "E05 Journey through the mental health system.csv", "B", 6, encoding="cp1252"),
    Export("E06", "E06.xlsx", "B", 5),
    Export("E07", "E07 Substance use.xlsx", "B", 6, venue_question=True),
    Export("E08", "E08 Getting engaged.csv", "B", 5, bom=True),
    Export("E09", "E09.xlsx", "B", 4),
    Export("E11", "E11.csv", "C", 6, email_collector=True),
    Export("E12", "E12 PIE in practice.xlsx", "C", 5),
    Export("E13", "E13.csv", "C", 5, no_answer_response=True),
    Export("E14", "E14 Strengths-based conversations.xlsx", "C", 4),
    Export("E15", "E15.csv", "C", 5),
    Export("E16", "E16 Housing First one year on.xlsx", "C", 6),
    Export("E18", "E18.csv", "C", 3),
    Export("E19", "E19 Co-production.xlsx", "C", 4),
)

REPORTS_YML = """\
# Report periods of this evaluation, and each report's front matter. Every loader filters by these dates.
programme: Opportunity Nottingham Practice Development Unit
# Front matter shared by every report (a report may override any of these).
author: Jennie Fleming
author_organisation: Practical Participation
commissioner: Nottingham Community and Voluntary Service (NCVS)
reports:
  interim:
    title: Interim evaluation report
    published: July 2018
    start: 2017-10-01
    end: 2018-06-30
    reviews_end: 2018-06-30
  final:
    title: Final evaluation report
    published: February 2019
    start: 2017-10-01
    end: 2019-01-31
    # The Expert Citizens reviewed the actions in February 2019, after the data closed.
    reviews_end: 2019-02-28
    compare_with: interim
"""

# What generate() owns in the output folder (anything else there is left alone).
OWNED_FILES = (
    "reports.yml",
    "events.csv",
    "attendance_register.xlsx",
    "harmonisation.yml",
    "hub_registrations.csv",
    "interviews.csv",
    "expert_citizens_reviews.csv",
    "codebook.yml",
)
OWNED_FOLDERS = ("event_surveys", "followup_surveys", "excerpts", reviews.FOLDER)

# How the sample's coder tagged the follow-up survey's open answers (measure -> codebook theme).
SURVEY_OPEN_ANSWER_TAGS = {"action_taken": "practice_change", "improve_events": "improvements"}


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(text.getvalue(), encoding="utf-8", newline="")


def _check_targets() -> None:
    t = TARGETS
    joint = t["attendances_by_sector_and_focus"]
    for sector, total in t["attendances_by_sector"].items():
        assert sum(v for (s, _), v in joint.items() if s == sector) == total, sector
    for focus, total in t["attendances_by_focus"].items():
        assert sum(v for (_, f), v in joint.items() if f == focus) == total, focus
    people = t["people_by_learning_events_attended"]
    assert sum(people.values()) == t["individuals"] and sum(k * n for k, n in people.items()) == t["attendances"]
    assert sum(t["attendances_by_sector_interim"].values()) == t["attendances_interim"]
    learning = [e for e in EVENTS if e.kind == "learning event"]
    assert len(learning) == t["learning_events"]
    assert sum(e.date <= PERIOD_ENDS[0] for e in learning) == t["learning_events_interim"]
    assert sum(x.responses for x in SURVEY_EXPORTS) == t["event_survey"]["responses_used"]


def write_events(path: Path) -> None:
    _write_csv(
        path,
        ["event_id", "date", "title", "kind", "topic", "cop_group"],
        [
            [e.event_id, e.date.isoformat(), e.title, e.kind, e.topic, e.cop_group]
            for e in sorted(EVENTS, key=lambda e: (e.date, e.event_id))
        ],
    )


def build_register(rng: random.Random) -> tuple[list[people_mod.Person], list[register.Booking], list[str]]:
    """The people and every booking of the register (in register order), plus notes on the planted messiness."""
    t = TARGETS
    learning = sorted((e for e in EVENTS if e.kind == "learning event"), key=lambda e: e.date)
    interim = [e for e in learning if e.date <= PERIOD_ENDS[0]]
    later = [e for e in learning if e.date > PERIOD_ENDS[0]]
    people = register.make_people(t["people_by_learning_events_attended"], t["attendances_by_sector_and_focus"], rng)
    register.assign_events(
        people,
        interim,
        later,
        register.split_total(t["attendances_interim"], len(interim), rng),
        register.split_total(t["attendances"] - t["attendances_interim"], len(later), rng),
        t["attendances_by_sector_interim"],
        rng,
    )
    people_mod.assign_organisations(people, rng)
    reserved = people_mod.reserved_names(people, rng)
    people_mod.assign_names(people, rng, reserved)
    notes = people_mod.plant_messiness(people, rng)
    bookings = register.learning_bookings(people, learning, rng)
    taken = {(b.event.event_id, b.person.index) for b in bookings}
    bookings += register.other_bookings(people, learning, taken, t["learning_bookings_not_attended"], rng)
    cop = sorted((e for e in EVENTS if e.kind == "CoP session"), key=lambda e: e.date)
    bookings += register.cop_bookings(people, cop, t["cop_attended"], t["cop_next_session_booked"], rng)
    # The register runs event by event; within an event, in the order people booked.
    by_event: dict[str, list[register.Booking]] = {}
    for booking in bookings:
        by_event.setdefault(booking.event.event_id, []).append(booking)
    ordered: list[register.Booking] = []
    for event in sorted(EVENTS, key=lambda e: (e.date, e.event_id)):
        rows = by_event.get(event.event_id, [])
        rng.shuffle(rows)
        ordered.extend(rows)
    return people, ordered, notes


def write_hub(path: Path, rng: random.Random) -> None:
    """Registrations grow from the first event; a few more arrive in February 2019, after the period."""
    rows = []
    for sector, count in TARGETS["hub_registered_by_sector"].items():
        for _ in range(count):
            rows.append([D(2017, 10, 16) + dt.timedelta(days=int((D(2019, 1, 31) - D(2017, 10, 16)).days * rng.random() ** 0.8)), sector])
    for sector, count in TARGETS["hub_registered_after_period"].items():
        for _ in range(count):
            rows.append([D(2019, 2, 1) + dt.timedelta(days=rng.randint(0, 26)), sector])
    rows.sort(key=lambda row: (row[0], row[1]))
    _write_csv(path, ["registered_on", "sector"], [[d.isoformat(), s] for d, s in rows])


def write_interviews(path: Path, rng: random.Random) -> None:
    """interviews.csv: ids in TARGETS order, dated in that order within each round's fortnight or so."""
    windows = {"2018-06": (D(2018, 6, 4), D(2018, 6, 29)), "2019-01": (D(2019, 1, 7), D(2019, 1, 30))}
    planned = [
        (group, round_, steering, facilitated)
        for group, count, round_, steering, facilitated in TARGETS["interviews"]
        for _ in range(count)
    ]
    days: dict[str, list] = {}
    for round_, (first, last) in windows.items():
        wanted = sum(1 for plan in planned if plan[1] == round_)
        picked = []
        for _ in range(wanted):
            day = first + dt.timedelta(days=rng.randint(0, (last - first).days))
            while day.weekday() >= 5:
                day -= dt.timedelta(days=1)
            picked.append(day)
        days[round_] = sorted(picked)
    rows = [[days[round_].pop(0), round_, group, steering, facilitated] for group, round_, steering, facilitated in planned]
    _write_csv(
        path,
        ["interview_id", "date", "round", "group", "steering_group", "facilitated_event"],
        [[f"I{n:02d}", d.isoformat(), r, g, s, f] for n, (d, r, g, s, f) in enumerate(rows, start=1)],
    )


def write_reviews(path: Path) -> None:
    _write_csv(path, ["date", "present"], [[d.isoformat(), n] for d, n in TARGETS["expert_citizens_reviews"]])


def _clear(out: Path) -> None:
    for name in OWNED_FILES:
        (out / name).unlink(missing_ok=True)
    for name in OWNED_FOLDERS:
        if (out / name).exists():
            shutil.rmtree(out / name)


def generate(out_dir: str | Path, seed: int = 2019) -> None:
    """(Re)write the sample data folder ``out_dir`` from ``seed``; the same seed gives the same bytes."""
    _check_targets()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _clear(out)
    rng = random.Random(seed)
    (out / "reports.yml").write_text(REPORTS_YML, encoding="utf-8", newline="")
    write_events(out / "events.csv")
    _people, bookings, _notes = build_register(rng)
    register.write_register(out / "attendance_register.xlsx", bookings, rng)
    attendees: dict[str, list] = {}
    for booking in bookings:
        if booking.status == "Attended":
            attendees.setdefault(booking.event.event_id, []).append(booking.person)
    (out / "event_surveys").mkdir()
    surveys.write_event_surveys(
        out / "event_surveys", SURVEY_EXPORTS, {e.event_id: e for e in EVENTS}, attendees, TARGETS["event_survey"], PERIOD_ENDS, rng
    )
    (out / "followup_surveys").mkdir()
    for round_, target in TARGETS["followup"].items():
        suffix = ".xlsx" if round_ == "2018-06" else ".csv"
        surveys.write_followup(out / "followup_surveys" / f"{round_}{suffix}", target, rng)
    surveys.write_harmonisation(out / "harmonisation.yml")
    write_hub(out / "hub_registrations.csv", rng)
    write_interviews(out / "interviews.csv", rng)
    write_reviews(out / "expert_citizens_reviews.csv")
    excerpts.write_excerpts(out, rng)
    excerpts.write_survey_codes(out, coded_open_answers(out))
    reviews.write_review_packs(out, TARGETS["expert_citizens_reviews"], seed)


def coded_open_answers(out: Path) -> list[tuple[str, str, str, str]]:
    """(survey_file, Respondent ID, question wording, tag) for every follow-up open answer the sample's coder tagged."""
    from pdu_lib.inputs.harmonise import load_map
    from pdu_lib.inputs.surveymonkey import read_export

    hmap = load_map(out / "harmonisation.yml")
    coded = []
    for path in sorted((out / "followup_surveys").iterdir()):
        name = f"followup_surveys/{path.name}"
        export = read_export(path, name)
        measures = {q.question_no: hmap.measure_for("followup", q.text) for q in export.questions.itertuples()}
        wording = dict(zip(export.questions["question_no"], export.questions["text"]))
        respondent = dict(zip(export.responses["source_row"], export.responses["respondent_id"]))
        for cell in export.cells.itertuples():
            measure = measures.get(cell.question_no)
            if measure is not None and measure.id in SURVEY_OPEN_ANSWER_TAGS:
                coded.append((name, respondent[cell.source_row], wording[cell.question_no], SURVEY_OPEN_ANSWER_TAGS[measure.id]))
    return coded


def planted_messiness(seed: int = 2019) -> list[str]:
    """The person-linking messiness planted for ``seed``, described (for developers and the report)."""
    return build_register(random.Random(seed))[2]
