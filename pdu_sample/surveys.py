"""The event and follow-up surveys: their wordings, their answers and harmonisation.yml.

Each wording is a list of items: a measure id, the question as SurveyMonkey
shows it and, for choice questions, the measure's answer code behind each
option. harmonisation.yml is built from the same lists, so every wording and
every answer text the exports use is mapped (except the one venue question,
left unmapped on purpose).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from pdu_sample import texts
from pdu_sample.smwriter import Other, Question, Response, write_csv, write_xlsx


@dataclass(frozen=True)
class Item:
    """A question of one wording and the measure it asks (``codes`` parallel to the options)."""

    measure: str | None  # None: a question harmonisation.yml does not know
    question: Question
    codes: tuple[str, ...] = ()


def single(measure: str | None, text: str, options: dict[str, str]) -> Item:
    """A single-choice item from ``{code: option label}``."""
    return Item(measure, Question(text, "single", tuple(options.values())), tuple(options))


def multi(measure: str, text: str, options: dict[str, str], has_other: bool = True) -> Item:
    """A multi-select item from ``{code: option label}``."""
    return Item(measure, Question(text, "multi", tuple(options.values()), has_other), tuple(options))


def open_(measure: str, text: str) -> Item:
    return Item(measure, Question(text, "open"))


# --- Event surveys: three wordings of the same questions -------------------

# A: the co-ordinator's first survey (autumn 2017).
WORDING_A = (
    single(
        "understanding",
        "How has the event changed your understanding of the topic?",
        {
            "much_greater": "Much greater understanding",
            "some": "Some additional understanding",
            "confirmed": "It confirmed my previous understanding",
            "none": "No greater understanding",
        },
    ),
    single(
        "awareness",
        "How has the event changed your awareness of the issues?",
        {
            "much_greater": "Much greater awareness",
            "some": "Some additional awareness",
            "confirmed": "It confirmed my existing awareness",
            "none": "No additional awareness",
        },
    ),
    multi(
        "plans_to_share",
        "To whom do you plan to disseminate what you have learned at this event?",
        {
            "frontline_staff": "Front line staff",
            "managers": "Managers",
            "volunteers": "Volunteers",
            "service_users": "Service users",
            "partner_organisations": "Partner organisations",
        },
    ),
    open_("most_useful", "What was the most useful thing about the event?"),
    open_("other_comments", "Any other comments?"),
)

# B: revised with the evaluator (2018); no dissemination question.
WORDING_B = (
    single(
        "understanding",
        "To what extent did the session improve your understanding of the topic?",
        {
            "much_greater": "I understand the topic much better",
            "some": "I understand it a little better",
            "confirmed": "It confirmed what I already understood",
            "none": "It did not improve my understanding",
        },
    ),
    single(
        "awareness",
        "To what extent did the session raise your awareness of the issues involved?",
        {
            "much_greater": "I am much more aware of the issues",
            "some": "I am a little more aware",
            "confirmed": "It confirmed what I was already aware of",
            "none": "It did not raise my awareness",
        },
    ),
    single(
        "confidence",
        "How confident do you now feel about putting what you learned into practice?",
        {"much_more": "Much more confident", "a_little_more": "A little more confident", "no_change": "No more confident than before"},
    ),
    single(
        "intend_change",
        "Do you intend to implement any changes in your work as a result of the session?",
        {"yes": "Yes", "no": "No", "not_sure": "Don't know yet"},
    ),
    open_("do_differently", "What will you do differently?"),
    open_("other_comments", "Any other comments?"),
)

# C: autumn 2018 onwards; "Any other comments?" asked twice (after the first page and at the end).
WORDING_C = (
    single(
        "understanding",
        "Please rate your understanding of the topic after the event",
        {
            "much_greater": "Much greater than before",
            "some": "Somewhat greater than before",
            "confirmed": "About the same - the event confirmed what I knew",
            "none": "No change",
        },
    ),
    single(
        "awareness",
        "Please rate your awareness of the issues after the event",
        {
            "much_greater": "Much greater than before",
            "some": "Somewhat greater than before",
            "confirmed": "About the same - the event confirmed what I knew",
            "none": "No change",
        },
    ),
    open_("other_comments", "Any other comments?"),
    single(
        "confidence",
        "How has the event affected your confidence in working with people with multiple and complex needs?",
        {"much_more": "A lot more confident", "a_little_more": "Slightly more confident", "no_change": "About the same"},
    ),
    multi(
        "plans_to_share",
        "Who will you share what you learned today with?",
        {
            "frontline_staff": "Frontline colleagues",
            "managers": "Managers / team leaders",
            "volunteers": "Volunteers",
            "service_users": "People who use our service",
            "partner_organisations": "Other agencies",
        },
    ),
    single(
        "intend_change",
        "Are you planning to make changes to your practice as a result of this event?",
        {"yes": "Yes", "no": "No", "not_sure": "Not sure yet"},
    ),
    open_("most_useful", "What did you find most useful?"),
    open_("other_comments", "Any other comments?"),
)

WORDINGS = {"A": WORDING_A, "B": WORDING_B, "C": WORDING_C}

# Asked in one export only and deliberately absent from harmonisation.yml.
VENUE = single(None, "How would you rate the venue?", {"excellent": "Excellent", "good": "Good", "fair": "Fair", "poor": "Poor"})

# --- Follow-up survey (both rounds) ---------------------------------------

FOLLOWUP = (
    multi(
        "heard_via",
        "How did you hear about PDU events?",
        {
            "word_of_mouth": "Word of mouth",
            "newsletter": "PDU newsletter",
            "online_platform": "Online platform (the PDU hub)",
            "ncvs_ebulletin": "NCVS e-bulletin",
            "colleague_email": "Email from a colleague",
        },
    ),
    single("hub_aware", "Are you aware of the PDU online platform (the hub)?", {"yes": "Yes", "no": "No"}),
    single("hub_used", "If yes, have you used the hub?", {"yes": "Yes", "no": "No"}),
    multi(
        "shared_with",
        "Who have you shared what you learned at PDU events with?",
        {
            "team_colleagues": "Colleagues in my team",
            "manager": "My manager",
            "supervision": "In supervision",
            "other_organisations": "Other organisations",
            "service_users": "Service users",
            "no_one": "No one yet",
        },
    ),
    single("made_contact", "Have you made contact with anyone you met at a PDU event since?", {"yes": "Yes", "no": "No"}),
    single("took_action", "Have you taken any action as a result of what you learned at PDU events?", {"yes": "Yes", "no": "No"}),
    open_("action_taken", "What action did you take?"),
    single(
        "outcomes_improved",
        "Can you identify any improved outcomes for service users as a result of changes you have made?",
        {"yes": "Yes", "not_sure": "Not sure", "no": "No"},
    ),
    single(
        "effectiveness",
        "How effective do you think the PDU learning events are as a way to change practice?",
        {"very": "Very effective", "quite": "Quite effective", "not_at_all": "Not at all effective"},
    ),
    open_("improve_events", "How could the PDU events be improved?"),
)

LABELS = {
    "understanding": "Change in understanding of the topic",
    "awareness": "Change in awareness of the issues",
    "confidence": "Change in confidence to put the learning into practice",
    "plans_to_share": "Who people plan to share their learning with",
    "intend_change": "Intends to implement changes at work",
    "most_useful": "Most useful thing about the event",
    "do_differently": "What people will do differently",
    "other_comments": "Other comments",
    "heard_via": "How people heard about PDU events",
    "hub_aware": "Aware of the online hub",
    "hub_used": "Has used the online hub (of those aware of it)",
    "shared_with": "Who people actually shared their learning with",
    "made_contact": "Made contact with someone met at a PDU event",
    "took_action": "Took action as a result of PDU learning",
    "action_taken": "The action taken",
    "outcomes_improved": "Can identify improved outcomes for service users",
    "effectiveness": "How effective the learning events are at changing practice",
    "improve_events": "How the events could be improved",
}


def harmonisation() -> dict:
    """harmonisation.yml as a mapping, built from the wordings above."""
    measures: dict[str, dict] = {}
    for survey, wordings in (("event", list(WORDINGS.values())), ("followup", [FOLLOWUP])):
        for wording in wordings:
            for item in wording:
                if item.measure is None:
                    continue
                entry = measures.setdefault(
                    item.measure, {"survey": survey, "kind": item.question.kind, "label": LABELS[item.measure], "wordings": []}
                )
                if item.question.text not in entry["wordings"]:
                    entry["wordings"].append(item.question.text)
                if item.codes:
                    scale = entry.setdefault("scale", {})
                    for code, label in zip(item.codes, item.question.options):
                        labels = scale.setdefault(code, [])
                        if label not in labels:
                            labels.append(label)
    order = list(LABELS)
    return {"measures": {m: measures[m] for m in sorted(measures, key=order.index)}}


def write_harmonisation(path: Path) -> None:
    header = (
        "# Maps every wording of the event and follow-up surveys onto a common measure,\n"
        "# and every answer text onto the measure's scale (format: data/README.md).\n"
        "# Written by pdu_sample with the synthetic exports it describes.\n"
    )
    body = yaml.safe_dump(harmonisation(), sort_keys=False, allow_unicode=True, width=200, default_flow_style=False)
    path.write_text(header + body, encoding="utf-8")


# --- Dealing answers so the totals come out exactly -----------------------


def deal(counts: dict[str, int], people: Sequence[int], rng: random.Random, scores: dict[int, float] | None = None) -> dict[int, str]:
    """Give ``counts[code]`` of ``people`` each code (the rest get nothing).

    With ``scores``, codes go out in scale order to the highest scores first
    (plus a little noise), so related answers agree with each other.
    """
    total = sum(counts.values())
    if total > len(people):
        raise ValueError(f"{total} answers for {len(people)} respondents")
    chosen = rng.sample(list(people), total)
    if scores is not None:
        chosen.sort(key=lambda p: -(scores[p] + rng.uniform(-0.8, 0.8)))
    values = [code for code, count in counts.items() for _ in range(count)]
    return dict(zip(chosen, values))


def deal_multi(counts: dict[str, int], answerers: Sequence[int], rng: random.Random, exclusive: str | None = None) -> dict[int, list[str]]:
    """Ticks for a multi-select: ``counts[code]`` answerers tick each code and every answerer ticks at least one.

    Codes are dealt largest first, to answerers with no tick yet where possible;
    ``exclusive`` (e.g. "no one yet") is ticked alone.
    """
    ticks: dict[int, list[str]] = {a: [] for a in answerers}
    pool = list(answerers)
    if exclusive:
        for a in rng.sample(pool, counts[exclusive]):
            ticks[a].append(exclusive)
        pool = [a for a in pool if not ticks[a]]
    for code, count in sorted(((c, n) for c, n in counts.items() if c != exclusive), key=lambda item: -item[1]):
        empty = [a for a in pool if not ticks[a]]
        rng.shuffle(empty)
        first = empty[:count]
        rest = rng.sample([a for a in pool if a not in first], count - len(first))
        for a in first + rest:
            ticks[a].append(code)
    missing = [a for a in answerers if not ticks[a]]
    if missing:
        raise ValueError(f"{len(missing)} answerers left without a tick")
    return ticks


@dataclass(frozen=True)
class Export:
    """One event survey export: file name, format and what is planted in it."""

    event_id: str
    filename: str
    wording: str
    responses: int  # used responses (the test and no-answer responses come on top)
    old_style: bool = False
    encoding: str = "utf-8"
    bom: bool = False
    test_response: bool = False
    no_answer_response: bool = False
    venue_question: bool = False
    email_collector: bool = False


def _ip(rng: random.Random) -> str:
    return f"{rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{rng.randint(1, 254)}"


def _when(day: dt.date, rng: random.Random) -> tuple[dt.datetime, dt.datetime]:
    end = dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59)))
    return end - dt.timedelta(minutes=rng.randint(2, 14), seconds=rng.randint(0, 59)), end


def _respondent_id(day: dt.date, rng: random.Random) -> int:
    return 6_400_000_000 + (day - dt.date(2017, 10, 1)).days * 2_000_000 + rng.randint(0, 1_999_999)


def _text(pool: Sequence[str], topic: str, rng: random.Random) -> str:
    return rng.choice(pool).replace("{topic}", topic)


def _codes_to_labels(item: Item, code) -> object:
    if code is None:
        return None
    if item.question.kind == "multi":
        labels = [item.question.options[item.codes.index(c)] for c in code if not isinstance(c, Other)]
        return labels + [c for c in code if isinstance(c, Other)]
    return item.question.options[item.codes.index(code)]


def event_survey_answers(exports: Sequence[Export], targets: dict, rng: random.Random) -> dict[str, list[dict]]:
    """The coded answers of every used response, per export, meeting the event-survey targets exactly.

    Returns ``{event_id: [{measure: code, ...}, ...]}``; multi-select measures hold lists of codes.
    """
    owners: list[tuple[str, str]] = [(e.event_id, e.wording) for e in exports for _ in range(e.responses)]
    n = len(owners)
    everyone = list(range(n))
    asks = {m: [i for i, (_, w) in enumerate(owners) if any(item.measure == m for item in WORDINGS[w])] for m in targets["asked_measures"]}
    answers: list[dict] = [{} for _ in range(n)]
    # Partial responses: a few skip understanding, others awareness (never both, never everything).
    skip_understanding = rng.sample(everyone, n - sum(targets["understanding"].values()))
    skip_awareness = rng.sample([i for i in everyone if i not in skip_understanding], n - sum(targets["awareness"].values()))
    understanding = deal(targets["understanding"], [i for i in everyone if i not in skip_understanding], rng)
    rank = {"much_greater": 3.0, "some": 2.0, "confirmed": 1.0, "none": 0.0}
    scores = {i: rank.get(understanding.get(i), 1.5) for i in everyone}
    awareness = deal(targets["awareness"], [i for i in everyone if i not in skip_awareness], rng, scores)
    confidence = deal(targets["confidence"], asks["confidence"], rng, scores)
    intend = deal(targets["intend_change"], asks["intend_change"], rng, scores)
    sharers = rng.sample(asks["plans_to_share"], targets["plans_to_share_answered"])
    share = deal_multi(targets["plans_to_share"], sharers, rng)
    share_other = rng.sample(sharers, targets["plans_to_share_other"])
    for i in everyone:
        for measure, dealt in (
            ("understanding", understanding),
            ("awareness", awareness),
            ("confidence", confidence),
            ("intend_change", intend),
        ):
            if i in dealt:
                answers[i][measure] = dealt[i]
        if i in share:
            answers[i]["plans_to_share"] = sorted(share[i], key=list(WORDING_A[2].codes).index)
            if i in share_other:
                answers[i]["plans_to_share"].append(Other(rng.choice(texts.SHARE_OTHER)))
    result: dict[str, list[dict]] = {e.event_id: [] for e in exports}
    for i, (event_id, _) in enumerate(owners):
        result[event_id].append(answers[i])
    return result


def write_event_surveys(
    folder: Path,
    exports: Sequence[Export],
    events: dict,
    attendees: dict,
    targets: dict,
    period_ends: Sequence[dt.date],
    rng: random.Random,
) -> None:
    """One SurveyMonkey export per planned event survey."""
    coded = event_survey_answers(exports, targets, rng)
    collector = 172_300_000
    for export in exports:
        event = events[export.event_id]
        topic = event.topic
        items = list(WORDINGS[export.wording])
        if export.venue_question:
            items.insert(next(i for i, it in enumerate(items) if it.measure == "intend_change") + 1, VENUE)
        questions = [item.question for item in items]
        # Responses arrive 1-3 weeks after the event, and within the report period the event falls in.
        limit = min(end for end in period_ends if end >= event.date)
        first_day, last_day = event.date + dt.timedelta(days=7), min(event.date + dt.timedelta(days=21), limit)
        collector += rng.randint(1_000, 90_000)
        collectors = (collector, collector + 1) if export.email_collector else (collector,)
        people = rng.sample(attendees[export.event_id], export.responses) if export.email_collector else []
        responses: list[Response] = []
        rows = list(coded[export.event_id])
        if export.test_response:
            rows.append(
                {"understanding": "much_greater", "awareness": "much_greater", "plans_to_share": ["frontline_staff"], "_test": True}
            )
        if export.no_answer_response:
            rows.append({"_empty": True})
        ids: set[int] = set()
        for number, row in enumerate(rows):
            if row.get("_test"):
                day = event.date - dt.timedelta(days=1)  # the co-ordinator tries the link out before sending it
            else:
                day = first_day + dt.timedelta(days=rng.randint(0, (last_day - first_day).days))
            start, end = _when(day, rng)
            if row.get("_empty"):
                end = start + dt.timedelta(seconds=rng.randint(5, 40))
            while (rid := _respondent_id(day, rng)) in ids:
                pass
            ids.add(rid)
            answers = []
            for item in items:
                if row.get("_empty"):
                    answers.append(None)
                elif row.get("_test") and item.question.kind == "open":
                    answers.append("test")
                elif item.measure is None:
                    answers.append(rng.choice(item.question.options[:3]))
                elif item.question.kind == "open":
                    answers.append(_open_answer(item, export, topic, rng))
                else:
                    answers.append(_codes_to_labels(item, row.get(item.measure)))
            person = people[number] if number < len(people) else None
            responses.append(
                Response(
                    respondent_id=rid,
                    collector_id=collectors[1] if person else collectors[0],
                    start=start,
                    end=end,
                    ip_address=_ip(rng),
                    email=person.email if person else "",
                    first_name=person.first if person else "",
                    last_name=person.last if person else "",
                    custom_data="test" if row.get("_test") else "",
                    answers=answers,
                )
            )
        # SurveyMonkey lists the newest response first.
        responses.sort(key=lambda r: (r.end, r.respondent_id), reverse=True)
        if export.encoding == "cp1252":
            _plant_cp1252_answers(items, responses, rng)
        path = folder / export.filename
        if path.suffix == ".csv":
            write_csv(path, questions, responses, old_style=export.old_style, encoding=export.encoding, bom=export.bom)
        else:
            write_xlsx(path, questions, responses, old_style=export.old_style)


_OPEN_RATES = {"most_useful": 0.7, "do_differently": 0.6, "other_comments": 0.35}


def _open_answer(item: Item, export: Export, topic: str, rng: random.Random) -> str | None:
    pool = {"most_useful": texts.MOST_USEFUL, "do_differently": texts.DO_DIFFERENTLY, "other_comments": texts.OTHER_COMMENTS}[item.measure]
    return _text(pool, topic, rng) if rng.random() < _OPEN_RATES[item.measure] else None


def _plant_cp1252_answers(items: list[Item], responses: list[Response], rng: random.Random) -> None:
    """Put answers with characters outside ASCII (but inside Windows-1252) into the export saved as cp1252."""
    comments = [i for i, item in enumerate(items) if item.measure == "other_comments"][-1]
    for response, text in zip(responses, texts.CP1252_ANSWERS):
        answers = list(response.answers)
        answers[comments] = text
        response.answers = answers


# --- Follow-up surveys ------------------------------------------------------


def followup_answers(target: dict, rng: random.Random) -> list[dict]:
    """Coded answers of one follow-up round, meeting its targets exactly."""
    n = target["responses"]
    everyone = list(range(n))
    rows: list[dict] = [{} for _ in everyone]
    heard = deal_multi(target["heard_via"], rng.sample(everyone, target["heard_via_answered"]), rng)
    heard_other = rng.sample(sorted(heard), target["heard_via_other"])
    aware = deal({"yes": target["hub_aware"], "no": n - target["hub_aware"]}, everyone, rng)
    aware_people = [i for i in everyone if aware[i] == "yes"]
    used = deal({"yes": target["hub_used"], "no": len(aware_people) - target["hub_used"]}, aware_people, rng)
    shared = deal_multi(target["shared_with"], rng.sample(everyone, target["shared_with_answered"]), rng, exclusive="no_one")
    shared_other = rng.sample([i for i in sorted(shared) if "no_one" not in shared[i]], target["shared_with_other"])
    contact = deal({"yes": target["made_contact"], "no": n - target["made_contact"]}, everyone, rng)
    action = deal({"yes": target["took_action"], "no": n - target["took_action"]}, everyone, rng)
    # Only people who took action say outcomes improved; effectiveness follows how things went.
    score = {i: (2.0 if action[i] == "yes" else 0.0) + (0.5 if contact[i] == "yes" else 0.0) for i in everyone}
    outcomes = deal(target["outcomes_improved"], everyone, rng, score)
    for i in everyone:
        if outcomes[i] == "yes" and action[i] != "yes":
            raise AssertionError("outcomes improved without an action")
    score = {i: score[i] + {"yes": 2.0, "not_sure": 1.0, "no": 0.0}[outcomes[i]] for i in everyone}
    effective = deal(target["effectiveness"], everyone, rng, score)
    order = list(FOLLOWUP[0].codes)
    shared_order = list(FOLLOWUP[3].codes)
    for i in everyone:
        row = rows[i]
        if i in heard:
            row["heard_via"] = sorted(heard[i], key=order.index) + ([Other(rng.choice(texts.HEARD_OTHER))] if i in heard_other else [])
        row["hub_aware"] = aware[i]
        if i in used:
            row["hub_used"] = used[i]
        if i in shared:
            row["shared_with"] = sorted(shared[i], key=shared_order.index) + (
                [Other(rng.choice(texts.SHARED_OTHER))] if i in shared_other else []
            )
        row["made_contact"] = contact[i]
        row["took_action"] = action[i]
        row["outcomes_improved"] = outcomes[i]
        row["effectiveness"] = effective[i]
    # Open answers: the action taken and suggestions. (The Pledge is heard of in the interviews, coded in excerpts/.)
    doers = [i for i in everyone if action[i] == "yes"]
    actions = rng.sample(texts.ACTIONS, len(doers))
    for number, i in enumerate(doers):
        if rng.random() < 0.9:
            rows[i]["action_taken"] = actions[number]
    for i in everyone:
        if action[i] == "no" and rng.random() < 0.4:
            rows[i]["action_taken"] = rng.choice(texts.NO_ACTION)
        if rng.random() < 0.65:
            rows[i]["improve_events"] = rng.choice(texts.IMPROVE)
    return rows


def write_followup(path: Path, target: dict, rng: random.Random) -> None:
    """One follow-up round as a SurveyMonkey export (anonymous web link: no names or emails)."""
    rows = followup_answers(target, rng)
    first, last = target["first_day"], target["last_day"]
    collector = 183_000_000 + rng.randint(0, 999_999)
    responses = []
    ids: set[int] = set()
    for row in rows:
        day = first + dt.timedelta(days=rng.randint(0, (last - first).days))
        start, end = _when(day, rng)
        while (rid := _respondent_id(day, rng)) in ids:
            pass
        ids.add(rid)
        answers = []
        for item in FOLLOWUP:
            value = row.get(item.measure)
            answers.append(value if item.question.kind == "open" else _codes_to_labels(item, value))
        responses.append(Response(rid, collector, start, end, _ip(rng), answers=answers))
    responses.sort(key=lambda r: (r.end, r.respondent_id), reverse=True)
    questions = [item.question for item in FOLLOWUP]
    if path.suffix == ".csv":
        write_csv(path, questions, responses)
    else:
        write_xlsx(path, questions, responses)
