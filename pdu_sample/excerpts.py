"""Synthetic coded excerpts for the sample data folder.

Every quote here is invented for the sample: none is copied from the report.
They cover every theme and sub-theme of the sample codebook, with the views
that disagree (same faces, little gained, the "how to" gap, involvement that
was hard to sit through), facilitators' and Steering Group members' views,
and the Expert Citizens' review of actions.

The sample also carries the cases the publication rules must catch:

* two sources without consent (interviews I06 and I20): counted, never quoted;
* a quote naming a person ("Priya", listed in ``names_to_redact.txt``): withheld;
* a quote naming a place the codebook withholds ("Carlton Road hostel"): withheld;
* organisation names the codebook does not allow ("Meadowgate Housing Trust",
  "Larkfield Women's Project"): replaced by "[organisation]".

Hostile text (markup, scripts, markdown) is not in the sample, which readers
see: the tests plant it in copies of the sample (tests/test_end_to_end.py,
tests/test_qualitative.py).

Files written (all under the data folder):

* ``codebook.yml``, ``excerpts/names_to_redact.txt``, ``excerpts/documents.csv``;
* ``excerpts/taguette_highlights_participants.csv``: Taguette highlights
  export of the sixteen participant interviews;
* ``excerpts/steering_group_and_facilitators.qdpx``: REFI-QDA project of the
  Steering Group, facilitator and co-ordinator interviews (deterministic zip);
* ``excerpts/expert_citizens_review_notes.csv``: the evaluator's notes of the
  two Expert Citizens reviews, typed by hand (plain excerpts CSV);
* ``excerpts/survey_codes.csv``: written by :func:`write_survey_codes`, which
  the sample generator calls with the identity of each open answer it wrote
  (its export, Respondent ID and question wording).

Interview documents are named ``Interview I01`` to ``Interview I26``:
I01-I08 participants interviewed in June 2018, I09-I16 participants in
January 2019, I17-I18 Steering Group members who are Beneficiary Ambassadors,
I19-I22 other Steering Group members (I19-I21 also facilitated events),
I23-I25 event facilitators, I26 the co-ordinator, all in January 2019. The
interim Pledge count (five people up to June 2018) comes from the June 2018
interviews alone.
"""

from __future__ import annotations

import csv
import io
import random
import re
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import yaml

EXCERPTS_DIR = "excerpts"
TAGUETTE_FILE = "taguette_highlights_participants.csv"
QDPX_FILE = "steering_group_and_facilitators.qdpx"
REVIEW_NOTES_FILE = "expert_citizens_review_notes.csv"
DOCUMENTS_FILE = "documents.csv"
SURVEY_CODES_FILE = "survey_codes.csv"
NAMES_FILE = "names_to_redact.txt"

REFI_NAMESPACE = "urn:QDA-XML:project:1.0"
ZIP_TIMESTAMP = (2019, 2, 1, 9, 0, 0)
CREATED = "2019-02-01T09:00:00Z"
_GUID_NAMESPACE = uuid.UUID("6f1c2a0e-3b7d-4c55-9a51-0d5e2f7b8c11")

# --------------------------------------------------------------------------- codebook

CODEBOOK: dict[str, Any] = {
    "themes": [
        {
            "id": "evaluation",
            "label": "Taking part in the evaluation",
            "section": "approach",
            "stance": "neutral",
            "sub_themes": [
                {"id": "survey_timing", "label": "Asked too soon to say", "stance": "critical"},
                {"id": "feedback_access", "label": "Getting feedback to the evaluation"},
            ],
        },
        {
            "id": "hearing_about",
            "label": "How people heard about events",
            "section": "attendance",
            "stance": "neutral",
            "sub_themes": [
                {"id": "word_of_mouth", "label": "Word of mouth"},
                {"id": "mailings", "label": "Newsletters and bulletins"},
            ],
        },
        {
            "id": "hub",
            "label": "The online hub",
            "section": "attendance",
            "stance": "mixed",
            "sub_themes": [
                {"id": "hub_resources", "label": "Using the hub's resources", "stance": "positive"},
                {"id": "hub_unaware", "label": "Not aware of the hub", "stance": "critical"},
            ],
        },
        {"id": "coming_back", "label": "Why people came back", "section": "attendance", "stance": "positive"},
        {
            "id": "awareness",
            "label": "Greater awareness and understanding",
            "section": "learning",
            "stance": "positive",
            "sub_themes": [
                {"id": "mindset", "label": "Changing mind sets"},
                {"id": "manager_update", "label": "Keeping managers up to date"},
            ],
        },
        {
            "id": "knowledge",
            "label": "New knowledge",
            "section": "learning",
            "stance": "positive",
            "sub_themes": [
                {"id": "approaches", "label": "Approaches to the work"},
                {"id": "services", "label": "Knowing other services"},
                {"id": "peer_learning", "label": "Learning from table discussions"},
            ],
        },
        {"id": "confirmation", "label": "Confirming and refreshing what people knew", "section": "learning", "stance": "mixed"},
        {"id": "little_gained", "label": "Gained little", "section": "learning", "stance": "critical"},
        {
            "id": "sharing",
            "label": "Sharing learning with others",
            "section": "sharing",
            "stance": "positive",
            "sub_themes": [
                {"id": "team_meetings", "label": "At team meetings"},
                {"id": "supervision", "label": "In supervision"},
                {"id": "shared_resources", "label": "Passing on slides and handouts"},
                {"id": "ongoing_sharing", "label": "Sharing as an ongoing process"},
            ],
        },
        {"id": "attending_together", "label": "Going as a team", "section": "sharing", "stance": "positive"},
        {"id": "range_of_people", "label": "A range of people and agencies", "section": "diversity", "stance": "positive"},
        {"id": "same_faces", "label": "Same faces, not diverse enough", "section": "diversity", "stance": "critical"},
        {
            "id": "statutory_presence",
            "label": "The statutory sector and decision makers",
            "section": "diversity",
            "stance": "mixed",
            "sub_themes": [
                {"id": "more_statutory", "label": "More statutory workers wanted", "stance": "critical"},
                {"id": "statutory_view", "label": "Statutory workers' view", "stance": "positive"},
                {"id": "not_take_over", "label": "Not taking over"},
            ],
        },
        {"id": "senior_managers", "label": "Senior managers and strategic support", "section": "diversity", "stance": "critical"},
        {
            "id": "new_contacts",
            "label": "New contacts and referrals",
            "section": "links",
            "stance": "positive",
            "sub_themes": [
                {"id": "referrals", "label": "Referrals"},
                {"id": "face_to_face", "label": "Meeting face to face"},
                {"id": "partnership", "label": "Working in partnership"},
            ],
        },
        {"id": "existing_links", "label": "Links people already had", "section": "links", "stance": "critical"},
        {"id": "hard_to_network", "label": "Hard to network", "section": "links", "stance": "critical"},
        {
            "id": "lived_experience",
            "label": "Lived experience valued",
            "section": "involvement",
            "stance": "positive",
            "sub_themes": [
                {"id": "equal_footing", "label": "On an equal footing"},
                {"id": "new_to_it", "label": "New to involvement in training"},
            ],
        },
        {
            "id": "involvement_concerns",
            "label": "Concerns about how involvement is facilitated",
            "section": "involvement",
            "stance": "critical",
            "sub_themes": [
                {"id": "wellbeing", "label": "Sharing more than intended"},
                {"id": "dominated", "label": "One story taking over"},
                {"id": "difficult_session", "label": "A session that was hard to sit through"},
            ],
        },
        {"id": "preparing_experts", "label": "Preparing and supporting Expert Citizens", "section": "involvement", "stance": "positive"},
        {"id": "coproduction", "label": "Towards co-production", "section": "involvement", "stance": "mixed"},
        {"id": "without_service_users", "label": "Room for workers-only events", "section": "involvement", "stance": "critical"},
        {
            "id": "practice_change",
            "label": "Changes in everyday practice",
            "section": "changes",
            "stance": "positive",
            "sub_themes": [
                {"id": "more_time", "label": "Taking more time"},
                {"id": "paperwork", "label": "Less paperwork"},
                {"id": "environment", "label": "Changing the environment"},
                {"id": "trauma_informed", "label": "Trauma-informed responses"},
                {"id": "reflective", "label": "More reflective"},
            ],
        },
        {"id": "new_service_design", "label": "Designing new services", "section": "changes", "stance": "positive"},
        {"id": "user_voice", "label": "Involving service users more", "section": "changes", "stance": "positive"},
        {"id": "signposting", "label": "Referring and signposting better", "section": "changes", "stance": "positive"},
        {"id": "pledge", "label": "Adopting the Pledge", "section": "changes", "stance": "positive"},
        {"id": "change_unknown", "label": "Too early or hard to know", "section": "changes", "stance": "critical"},
        {"id": "limits_to_change", "label": "Limits on what workers can change", "section": "changes", "stance": "critical"},
        {
            "id": "outcomes_seen",
            "label": "Improvements people hope for or see",
            "section": "outcomes",
            "stance": "positive",
            "sub_themes": [
                {"id": "easier_access", "label": "Easier to approach"},
                {"id": "faster_referrals", "label": "Quicker referrals"},
                {"id": "better_relationships", "label": "Better relationships"},
            ],
        },
        {"id": "outcomes_unsure", "label": "Too soon or hard to tell", "section": "outcomes", "stance": "critical"},
        {
            "id": "model_works",
            "label": "Bringing people together works",
            "section": "effectiveness",
            "stance": "positive",
            "sub_themes": [
                {"id": "safe_space", "label": "An open, safe space"},
                {"id": "local_knowledge", "label": "Local knowledge"},
                {"id": "free_and_short", "label": "Free, short and central"},
                {"id": "resources", "label": "Handouts and resources"},
            ],
        },
        {"id": "how_to_gap", "label": "Information without the 'how to'", "section": "effectiveness", "stance": "critical"},
        {"id": "barriers", "label": "Barriers beyond the events", "section": "effectiveness", "stance": "critical"},
        {
            "id": "improvements",
            "label": "Suggested improvements",
            "section": "effectiveness",
            "stance": "neutral",
            "sub_themes": [
                {"id": "longer_events", "label": "Longer events"},
                {"id": "follow_up", "label": "Follow-up sessions"},
                {"id": "new_topics", "label": "New topics"},
                {"id": "clearer_publicity", "label": "Clearer publicity"},
                {"id": "accreditation", "label": "Accreditation"},
                {"id": "interaction", "label": "More interaction"},
            ],
        },
        {
            "id": "next_steps",
            "label": "Next steps for the PDU",
            "section": "effectiveness",
            "stance": "neutral",
            "sub_themes": [
                {"id": "practice_development", "label": "Supporting practice development"},
                {"id": "strategic_influence", "label": "Strategic influence"},
                {"id": "sustainability", "label": "Sustainability"},
                {"id": "communities_of_practice", "label": "Sustaining Communities of Practice"},
            ],
        },
        {
            "id": "ec_review",
            "label": "Expert Citizens' review of actions",
            "section": "changes",
            "stance": "mixed",
            "sub_themes": [
                {
                    "id": "ec_empathy",
                    "label": "Understanding makes workers less judgemental",
                    "section": "learning",
                    "stance": "positive",
                    "finding": "thought that workers who understand addiction, its causes and its effects, and what is happening in people's lives would be more empathetic, more compassionate and less judgemental",
                },
                {
                    "id": "ec_up_to_date",
                    "label": "Up-to-date workers offer more choice",
                    "section": "learning",
                    "stance": "positive",
                    "finding": "pointed out that a worker with up-to-date knowledge and more than one way of offering support can offer each person something that fits",
                },
                {
                    "id": "ec_know_services",
                    "label": "Knowing other services widens support",
                    "section": "links",
                    "stance": "positive",
                    "finding": "felt strongly that workers should know the other services in the area, because people can then be offered a wider range of support and can see where they might move on to next",
                },
                {
                    "id": "ec_comfortable",
                    "label": "Comfortable contributing",
                    "section": "involvement",
                    "stance": "positive",
                    "finding": "said they were comfortable with how they contribute to PDU events: they think before they speak, sometimes have to go deep, and tell their stories because it is their passion",
                },
                {
                    "id": "ec_time",
                    "label": "Time builds trust",
                    "stance": "positive",
                    "finding": "said that taking more time is crucial, because rushing leaves no room to build the trust and relationships that good work depends on",
                },
                {
                    "id": "ec_homes",
                    "label": "Hostels more like homes",
                    "stance": "positive",
                    "finding": "welcomed every step that makes hostels more like homes, such as fewer notices about rules and repairs done promptly",
                },
                {
                    "id": "ec_pledge_in_action",
                    "label": "Living up to the Pledge",
                    "stance": "mixed",
                    "finding": "were pleased to see the Pledge they wrote being taken up, but cautioned that people and organisations need to live up to it and put it into action, not just adopt it",
                },
                {
                    "id": "ec_act_on_feedback",
                    "label": "Acting on what service users say",
                    "section": "outcomes",
                    "stance": "critical",
                    "finding": "stressed that services must act on what service users tell them, in a complaint or at a consultation meeting, and report back on progress: they had known consultations after which nothing changed",
                },
                {
                    "id": "ec_noticed",
                    "label": "Noticing better interactions",
                    "section": "outcomes",
                    "stance": "positive",
                    "finding": "said that, as service users, they had noticed better interactions and more thoughtful responses from staff, which they put down to those workers having attended PDU events",
                },
            ],
        },
    ],
    "organisations": ["Meadowgate Housing Trust", "Larkfield Women's Project"],
    "allowed_organisations": ["Opportunity Nottingham", "NCVS", "Practice Development Unit"],
    "withhold_text": ["Carlton Road hostel"],
}

NAMES_TO_REDACT = ["Priya", "Declan", "Marcia"]

# --------------------------------------------------------------------------- documents

# (document, respondent, group, method, round, consent); disclosure beyond consent is in DISCLOSURE.
DOCUMENTS: list[tuple[str, str, str, str, str, str]] = (
    [(f"Interview I{n:02d}", f"R{n:02d}", "participant", "interview", "2018-06", "no" if n == 6 else "yes") for n in range(1, 9)]
    + [(f"Interview I{n:02d}", f"R{n:02d}", "participant", "interview", "2019-01", "yes") for n in range(9, 17)]
    + [(f"Interview I{n:02d}", f"R{n:02d}", "Beneficiary Ambassador", "interview", "2019-01", "yes") for n in (17, 18)]
    + [
        (f"Interview I{n:02d}", f"R{n:02d}", "Steering Group member", "interview", "2019-01", "no" if n == 20 else "yes")
        for n in (19, 20, 21, 22)
    ]
    + [(f"Interview I{n:02d}", f"R{n:02d}", "facilitator", "interview", "2019-01", "yes") for n in (23, 24, 25)]
    + [("Interview I26", "R26", "co-ordinator", "interview", "2019-01", "yes")]
    + [
        ("Expert Citizens review 2018-06", "EC-2018-06", "Expert Citizens", "review", "2018-06", "yes"),
        ("Expert Citizens review 2019-02", "EC-2019-02", "Expert Citizens", "review", "2019-02", "yes"),
    ]
)

# What a source's words would disclose: only the co-ordinator picks topics, so their interview is never quoted; only three
# facilitators were interviewed and they speak of their own sessions, so they are quoted as "interview", never "facilitator".
DISCLOSURE = {"Interview I26": "do not quote", **{f"Interview I{n:02d}": "method only" for n in (23, 24, 25)}}

# --------------------------------------------------------------------------- participant interviews (Taguette)

# (interview number, tag as the coder typed it, highlighted text). Tags are
# written the ways coders write them: ids, labels, "theme/sub-theme" paths.
PARTICIPANT_HIGHLIGHTS: list[tuple[int, str, str]] = [
    (
        1,
        "awareness",
        "I came away seeing why some of the people I support miss appointments. It isn't that they don't care; there's usually a lot more going on.",
    ),
    (
        1,
        "knowledge/approaches",
        "The psychologically informed environments session gave me words for things we half-did already, and showed me a few things we plainly didn't do.",
    ),
    (1, "pledge", "We've put the Pledge on the agenda for our staff away day and I'm drafting how we'd report back on it."),
    (1, "new_contacts.referrals", "I met someone from a floating support service at my table and I've referred two tenants to them since."),
    (1, "Why people came back", "After the first one I booked the next two straight away. They're practical, and they're free."),
    (2, "Adopting the Pledge", "Our manager signed us up to the Pledge after the involvement event."),
    (2, "pledge", "We're asking residents which parts of the Pledge matter most to them before it goes up on the wall."),
    (2, "sharing/team_meetings", "I fed back at our Tuesday team meeting and we've kept it on as a standing item."),
    (2, "peer_learning", "Honestly, the conversations at the table taught me as much as the speaker did."),
    (2, "confirmation", "A lot of it was what we do already, which was reassuring, but I still took away two or three new ideas."),
    (3, "pledge", "We are working towards the Pledge: it's written into our service plan for this year."),
    (3, "range_of_people", "There were housing staff, a probation officer and someone from a women's service at my table. A proper mix."),
    (
        3,
        "lived_experience/equal_footing",
        "Hearing from people with lived experience in a room where nobody was 'their worker' made the conversation more honest.",
    ),
    (3, "Knowing other services", "I came away with a list of city services I'd never come across, and I actually use it."),
    (3, "shared_resources", "I emailed the slides round the team the next morning with a note on the bits that mattered for us."),
    (4, "hearing_about/word_of_mouth", "A colleague told me about it. I'd never have found it otherwise."),
    (4, "manager_update", "Running a team, I rarely get time to read up, so a morning on dual diagnosis was exactly what I needed."),
    (4, "how_to_gap", "It was great on why we should work this way, but we left without a plan for how to start."),
    (
        4,
        "involvement_concerns/wellbeing",
        "One of the women speaking went into a lot of detail, and I did wonder who was looking after her afterwards.",
    ),
    (5, "pledge", "We have introduced the Pledge at our day centre; volunteers and staff have both signed it."),
    (5, "Taking more time", "I don't rush the first meeting any more. A cup of tea first, forms later."),
    (5, "hub_unaware", "I didn't know there was a website with the slides on until you mentioned it just now."),
    (5, "supervision", "I've taken the trauma material into supervision with two of my team."),
    (6, "pledge", "We're part way through adopting the Pledge and want residents to review it with us."),
    (6, "same_faces", "It's mostly the same faces each time. I could name most of the room before I sat down."),
    (6, "outcomes_unsure", "It's too early to say whether anyone we support is better off."),
    (7, "face_to_face", "Once you've actually met someone, a phone call gets things moving much faster than an email ever did."),
    (7, "user_voice", "We've started a monthly residents' forum, with the manager there so things actually get decided."),
    (7, "dominated", "One speaker's story took over the whole afternoon and we never got back to the topic."),
    (7, "improvements/longer_events", "Half a day wasn't enough to get into trauma properly. I'd happily give a full day."),
    (7, "attending_together", "Going as three meant there was someone to nudge when we slipped back into old habits."),
    (8, "existing_links", "Everyone I met I already work with, so it didn't add any contacts for me."),
    (8, "Confirming and refreshing what people knew", "It was a good refresher more than anything new."),
    (
        8,
        "new_topics",
        "I'd like something on equality and diversity, and on where the idea of 'complex needs' came from in the first place.",
    ),
    (8, "model_works/safe_space", "People admitted what goes wrong in their own services, which hardly ever happens on a paid course."),
    (8, "reflective", "I stop and think before I answer now, rather than firing back an email in the heat of the moment."),
    (9, "statutory_view", "I work for the council, and it was useful to hear how our decisions land with the voluntary sector."),
    (9, "hard_to_network", "Nobody wears a badge saying what they do, so I probably walked past people I should have met."),
    (9, "local_knowledge", "It's rooted in this city: the speakers know the local services and the local gaps."),
    (9, "faster_referrals", "Now I know which door to knock on, tenants wait less for mental health help."),
    (
        10,
        "Same faces, not diverse enough",
        "Nearly everyone round the table was from Meadowgate Housing Trust, so it felt like one organisation's away day. Useful people, but hardly a cross-section of the city.",
    ),
    (10, "statutory_presence > more_statutory", "We need the people who make the benefit and housing decisions in the room, not just us."),
    (10, "little_gained", "The last one I went to didn't give me anything I could use with my caseload."),
    (10, "partnership", "Someone I met at the Housing First session and I now have a joint protocol for tenants we both support."),
    (11, "pledge", "We signed up to the Pledge in the autumn, and our residents' group checks on it every quarter."),
    (11, "paperwork", "We've cut the assessment pack down and ask the rest over the first few weeks."),
    (11, "better_relationships", "Since we made first appointments informal, our staff reckon fewer people vanish before the second one."),
    (11, "ongoing_sharing", "We revisit it every month or so; one briefing wouldn't change habits."),
    (12, "attending_together", "Priya from our team came with me and rewrote our welcome letter the same week."),
    (12, "trauma_informed", "Since the trauma session I think about what might be behind the behaviour before I respond to it."),
    (
        12,
        "not_take_over",
        "Those of us from statutory services get almost no training now, so we come, but these are the voluntary sector's events and we shouldn't dominate them.",
    ),
    (12, "senior_managers", "My own work has changed, but my organisation's rules haven't, and that's the ceiling."),
    (13, "signposting", "I keep a list of women's services by my desk now and use it most weeks."),
    (13, "referrals", "Since the women's stream session I've referred two people to Larkfield Women's Project."),
    (13, "follow_up", "A follow-up session a few months later, to compare notes on what we'd tried, would help it stick."),
    (13, "hub_resources", "I go back to the slides on the hub when I'm training new starters."),
    (
        14,
        "feedback_access",
        "The link in the reminder email would not open on my phone, so I gave my answers over the phone instead. Please fix that.",
    ),
    (14, "survey_timing", "When the survey came I hadn't had a chance to try anything yet, so I ticked 'not sure'."),
    (14, "free_and_short", "Short sessions in the city centre at no cost mean I can let staff attend without wrecking the rota."),
    (14, "barriers", "Nice ideas, but with no budget and no backing from councillors most of them stay on the flipchart."),
    (15, "environment", "At the Carlton Road hostel we took down most of the notices in the lounge so it feels less like an office."),
    (15, "easier_access", "People seem more relaxed coming in since we dropped the formal reception questions."),
    (15, "interaction", "More time to talk with the other people at the tables, and less time on slides."),
    (
        15,
        "new_to_it",
        "We never have people with lived experience at our in-house training, so this was a first for me, and it made me look hard at my own tone with clients.",
    ),
    (16, "resources", "I keep every pack of handouts they send afterwards and dip into them when a tricky case comes up."),
    (16, "clearer_publicity", "The flyer promised one thing and the day delivered another; with our caseloads that's a costly mistake."),
    (
        16,
        "without_service_users",
        "Some subjects are easier to thrash out among staff first; our residents get involved once we start changing things.",
    ),
    (16, "mailings", "I saw it in the NCVS bulletin."),
    (16, "difficult_session", "At one event my employer got criticised at length while partners looked on, and I felt I couldn't respond."),
    (16, "outcomes_unsure", "I'd like to think so, but nobody has asked the people we support yet."),
    # The final report's findings the published report quotes someone on (in the sample's own words).
    (
        9,
        "partnership",
        "We first talked properly at a PDU event; now our two organisations are drawing up an information-sharing agreement.",
    ),
    (10, "more_statutory", "Housing Aid never come, yet their decisions shape almost everything we do for the people we support."),
    (11, "face_to_face", "I'd only ever emailed some of them. Putting faces to names meant things moved once I was back at my desk."),
    (
        12,
        "senior_managers",
        "If councillors and officers can't come, send them a short briefing on what was raised, so it reaches the people who decide.",
    ),
    (
        13,
        "follow_up",
        "A network for people using strengths-based approaches was floated at one event and everyone liked it, but I've heard nothing since.",
    ),
    (14, "free_and_short", "I priced up trauma training for my team and it was over £600. We could never have paid that."),
    (15, "lived_experience", "After the women spoke about what that hostel was like for them, it stopped taking women."),
]

# --------------------------------------------------------------------------- other interviews (REFI-QDA)

# (interview number, code id, question asked, the answer selected and coded). The
# project names its codes by the codebook's labels, as NVivo or ATLAS.ti users would.
OTHER_INTERVIEWS: list[tuple[int, str, str, str]] = [
    (
        17,
        "preparing_experts",
        "How are Expert Citizens supported at events?",
        "Before an event we talk through what they want to share and what they'd rather keep back, and someone stays with them afterwards.",
    ),
    (
        17,
        "difficult_session",
        "Some workers found one session difficult. What is your view?",
        "Expert Citizens are talking about services that often failed them, so some of it will be hard for workers to hear. Hearing it is part of the point.",
    ),
    (
        17,
        "coproduction",
        "How well is service user involvement built in?",
        "The Ambassadors push us hard, which is right. We've moved towards co-production, but we aren't there.",
    ),
    (
        18,
        "lived_experience",
        "What do Expert Citizens get from taking part?",
        "When Expert Citizens and workers share a table, nobody is in charge of anybody, and they come away feeling heard.",
    ),
    (
        18,
        "coproduction",
        "What would you change?",
        "Expert Citizens should help set the programme: a seat at Steering Group meetings and a say in the topics.",
    ),
    (
        19,
        "mindset",
        "What difference are the events making?",
        "Slowly, people are asking how their service could bend to the person instead of the other way round.",
    ),
    (
        19,
        "model_works",
        "How effective is the model?",
        "Workers from different agencies rarely get time together; these sessions make that time, and joint work starts from there.",
    ),
    (
        19,
        "change_unknown",
        "Is the learning turning into practice?",
        "Nobody goes back to attendees a few months on, so whether practice changes is guesswork.",
    ),
    (
        19,
        "practice_development",
        "What should the PDU focus on next?",
        "Next we need to help people try things out and learn from doing them, not just hear about them.",
    ),
    (
        20,
        "more_statutory",
        "Who is missing from events?",
        "Council and NHS staff are the ones we struggle to get, and their workloads are exactly why they don't come.",
    ),
    (
        20,
        "sustainability",
        "What should the PDU focus on next?",
        "The lottery money won't last for ever; we'll need a model that pays for itself, perhaps with accredited courses.",
    ),
    (
        20,
        "change_unknown",
        "Is the learning turning into practice?",
        "People clearly learn something. Whether they then do anything differently, we honestly can't tell.",
    ),
    (
        21,
        "limits_to_change",
        "How effective is the model?",
        "Once people leave the room it's up to their own organisations whether anything changes; that's beyond our reach.",
    ),
    (
        21,
        "communities_of_practice",
        "How are the Communities of Practice going?",
        "Practice groups are where habits shift, but finding someone to lead a run of sessions on top of their day job is hard.",
    ),
    (
        21,
        "senior_managers",
        "Who is missing from events?",
        "If we targeted managers who can change how whole teams work, we might get further.",
    ),
    (
        21,
        "practice_change",
        "Have you seen changes in practice?",
        "Psychologically informed approaches come up in meetings all the time now, and agencies are booking their own training on them.",
    ),
    (
        22,
        "strategic_influence",
        "What should the PDU focus on next?",
        "Unless chief officers back what their staff bring back, change stays with a few keen individuals.",
    ),
    (
        22,
        "statutory_presence",
        "How diverse are the people who come?",
        "The voluntary sector comes in numbers. It's the wider mix we're still working on.",
    ),
    (
        22,
        "accreditation",
        "What would you change?",
        "Some members would like to explore accreditation so that attending counts towards something.",
    ),
    (
        23,
        "how_to_gap",
        "What can a half-day event do?",
        "In a half-day taster you can open the door to an approach, but you can't walk people through it.",
    ),
    (
        23,
        "approaches",
        "What did people take away from your session?",
        "People arrived knowing the name 'strengths-based' and left knowing what it looks like on a Monday morning.",
    ),
    (
        24,
        "environment",
        "Have you heard what people did after your session?",
        "One team walked round their building after my session and took down the laminated rules in the kitchen.",
    ),
    (
        24,
        "dominated",
        "What would you do differently?",
        "I'd run the table discussions more tightly next time, so one story doesn't take over.",
    ),
    (
        25,
        "new_service_design",
        "Have you heard what people did after your session?",
        "A provider setting up new supported housing told me they'd planned a spare room for one-to-ones because of the session.",
    ),
    (25, "model_works", "How effective is the model?", "The questions were sharp because people came from different services."),
    (
        26,
        "hearing_about",
        "How do people find out about events?",
        "I pick topics from what comes up in meetings around the city; most people still hear about events from a colleague rather than from our mailings.",
    ),
    (
        26,
        "communities_of_practice",
        "How are the Communities of Practice going?",
        "The women's work shows how it can grow: a first session, then a practice group, and now practitioners running their own working group.",
    ),
    (
        26,
        "hub",
        "How is the online hub used?",
        "There's a good library of slides and reports on the hub now, yet many regular attendees haven't come across it.",
    ),
    (
        21,
        "preparing_experts",
        "What happens when a session gets difficult?",
        "We brief Expert Citizens beforehand, but we shouldn't silence the difficult voice: they are commenting on a system that has failed them.",
    ),
    (
        17,
        "preparing_experts",
        "How are Expert Citizens supported?",
        "They've had storytelling workshops, so they choose what to share at an event and what to keep for themselves.",
    ),
]

# --------------------------------------------------------------------------- Expert Citizens reviews (plain CSV)

REVIEW_NOTES: list[tuple[str, str, str]] = [
    (
        "Expert Citizens review 2018-06",
        "ec_review/ec_empathy",
        "If workers understand what addiction does and why, they're slower to judge and more patient.",
    ),
    (
        "Expert Citizens review 2018-06",
        "ec_up_to_date",
        "People are different. A worker who knows more than one way to help can offer something that fits.",
    ),
    (
        "Expert Citizens review 2018-06",
        "ec_know_services",
        "A worker who knows what else is out there can point you somewhere next, and that keeps you going.",
    ),
    (
        "Expert Citizens review 2018-06",
        "ec_pledge_in_action",
        "We wrote the Pledge, so it's good to see it picked up. But signing it is the easy bit; it has to show in how people are treated.",
    ),
    (
        "Expert Citizens review 2018-06",
        "ec_comfortable",
        "Some days it means talking about painful things, but we decide what to tell, and we tell it because we want services to change.",
    ),
    ("Expert Citizens review 2019-02", "ec_time", "Rushing is what breaks trust. More time at the start is worth it."),
    (
        "Expert Citizens review 2019-02",
        "ec_homes",
        "A hostel with fewer warning posters and a boiler that gets fixed the same week feels like a home, not a holding pen.",
    ),
    (
        "Expert Citizens review 2019-02",
        "ec_act_on_feedback",
        "A residents' meeting is pointless if nothing happens afterwards. Show us what changed.",
    ),
    ("Expert Citizens review 2019-02", "ec_noticed", "Some staff talk to you differently now. They listen before they decide."),
    (
        "Expert Citizens review 2019-02",
        "Expert Citizens' review of actions",
        "Bring the manager to the residents' meeting; the worker taking notes usually can't change anything.",
    ),
]

# --------------------------------------------------------------------------- survey open answers (for the generator)

# Invented open answers the sample generator may write into the follow-up
# exports' open question, each with the tag to code it to. Round 2018-06 holds
# no Pledge answer: the interim Pledge count comes from the interviews.
SURVEY_OPEN_ANSWERS: dict[str, list[tuple[str, str]]] = {
    "2018-06": [
        ("shared_resources", "I took the slides back to our morning huddle and two colleagues have used the referral list since."),
        ("referrals", "Swapped numbers with a benefits adviser; we've since sorted out two tenants' claims together."),
        ("more_time", "Slowing down at first contact. It feels less like processing someone."),
        ("how_to_gap", "Good on why the approach matters, thin on how to start it with no extra staff."),
    ],
    "2019-01": [
        ("little_gained", "Nothing I could take back to my caseload, to be honest. It stayed very general."),
        ("model_works", "Meeting people doing the same job in other services is the most useful part by far."),
        ("existing_links", "No new ones; I'd met them all through work already."),
        ("outcomes_unsure", "Too soon to tell. Ask me again in six months."),
        ("paperwork", "We've reviewed our referral form and removed questions nobody used."),
        ("word_of_mouth", "My team leader forwarded the invitation."),
        ("follow_up", "A session to come back to after trying things would help us keep going."),
        ("faster_referrals", "Quicker referrals, because I now know the right person to ask."),
    ],
}


# --------------------------------------------------------------------------- writing


def _guid(*parts: str) -> str:
    return str(uuid.uuid5(_GUID_NAMESPACE, "/".join(parts))).upper()


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _highlight_ids(rng: Any, count: int) -> list[int]:
    """Increasing Taguette highlight ids with gaps (deleted highlights), drawn from ``rng``."""
    population = range(1, 4 * count + 1)
    if hasattr(rng, "choice") and hasattr(rng, "integers"):  # numpy Generator
        drawn = rng.choice(len(population), size=count, replace=False)
        return sorted(int(population[i]) for i in drawn)
    chooser = rng if isinstance(rng, random.Random) else random.Random(rng)
    return sorted(chooser.sample(population, count))


def _document(number: int) -> str:
    return f"Interview I{number:02d}"


def _codebook_yaml() -> str:
    header = (
        "# Codebook of the sample's qualitative evidence (see data/README.md, Qualitative evidence).\n"
        "# Each theme serves one report section; a sub-theme may serve another. stance keeps the\n"
        "# balance of views visible. Organisation names in quotes are replaced by [organisation]\n"
        "# unless listed under allowed_organisations; a quote holding withhold_text is not published.\n"
    )
    return header + yaml.safe_dump(CODEBOOK, sort_keys=False, allow_unicode=True, width=120)


def _qde_source_text(number: int, entries: list[tuple[str, str, str]]) -> tuple[str, list[tuple[str, int, int]]]:
    """Interview notes holding each answer; returns the text and (code, start, end) of each answer."""
    group = dict((d[0], d[2]) for d in DOCUMENTS)[_document(number)]
    parts = [f"Interview notes – {group}, January 2019\n", "Notes typed up straight after the telephone call.\n\n"]
    text = "".join(parts)
    positions = []
    for code, question, answer in entries:
        text += f"Q: {question}\nA: "
        start = len(text)
        text += answer
        positions.append((code, start, len(text)))
        text += " (They added that this was their own view, not their organisation’s.)\n\n" if len(positions) % 3 == 0 else "\n\n"
    return text, positions


def _code_elements(parent: ET.Element, ns: str) -> dict[str, str]:
    """The codebook as REFI-QDA Codes (named by label, sub-themes nested in their theme); code id -> guid."""
    guids: dict[str, str] = {}
    codes = ET.SubElement(ET.SubElement(parent, f"{ns}CodeBook"), f"{ns}Codes")
    for theme in CODEBOOK["themes"]:
        guid = _guid("code", theme["id"])
        guids[theme["id"]] = guid
        element = ET.SubElement(codes, f"{ns}Code", {"guid": guid, "name": theme["label"], "isCodable": "true"})
        for sub in theme.get("sub_themes", []):
            guids[sub["id"]] = _guid("code", sub["id"])
            ET.SubElement(element, f"{ns}Code", {"guid": guids[sub["id"]], "name": sub["label"], "isCodable": "true"})
    return guids


def build_qdpx() -> bytes:
    """The sample's REFI-QDA project as bytes: deterministic (fixed guids, timestamps and member order)."""
    ET.register_namespace("", REFI_NAMESPACE)
    ns = f"{{{REFI_NAMESPACE}}}"
    user = _guid("user", "evaluator")
    root = ET.Element(
        f"{ns}Project",
        {
            "name": "PDU evaluation: Steering Group, facilitator and co-ordinator interviews (sample)",
            "origin": "pdu_sample",
            "creatingUserGUID": user,
            "creationDateTime": CREATED,
        },
    )
    users = ET.SubElement(root, f"{ns}Users")
    ET.SubElement(users, f"{ns}User", {"guid": user, "name": "Evaluator"})
    guids = _code_elements(root, ns)
    sources = ET.SubElement(root, f"{ns}Sources")
    files: list[tuple[str, bytes]] = []
    by_interview: dict[int, list[tuple[str, str, str]]] = {}
    for number, code, question, answer in OTHER_INTERVIEWS:
        by_interview.setdefault(number, []).append((code, question, answer))
    for number, entries in by_interview.items():
        text, positions = _qde_source_text(number, entries)
        source_guid = _guid("source", str(number))
        files.append((f"sources/{source_guid}.txt", text.encode("utf-8")))
        source = ET.SubElement(
            sources,
            f"{ns}TextSource",
            {
                "guid": source_guid,
                "name": f"{_document(number)}.docx",
                "plainTextPath": f"internal://{source_guid}.txt",
                "creatingUser": user,
                "creationDateTime": CREATED,
            },
        )
        for index, (code, start, end) in enumerate(positions, start=1):
            quote = text[start:end]
            # Like ATLAS.ti, some selections are named by the start of their quote; others carry a label.
            name = (quote[:40].rstrip() + "…") if index % 2 else f"I{number:02d} · {index}"
            selection = ET.SubElement(
                source,
                f"{ns}PlainTextSelection",
                {
                    "guid": _guid("selection", str(number), str(index)),
                    "name": name,
                    "startPosition": str(start),
                    "endPosition": str(end),
                    "creatingUser": user,
                    "creationDateTime": CREATED,
                },
            )
            if index == 1:
                ET.SubElement(selection, f"{ns}Description").text = quote
            coding = ET.SubElement(selection, f"{ns}Coding", {"guid": _guid("coding", str(number), str(index)), "creatingUser": user})
            ET.SubElement(coding, f"{ns}CodeRef", {"targetGUID": guids[code]})
    ET.indent(root)
    qde = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member, data in [("project.qde", qde), *files]:
            info = zipfile.ZipInfo(member, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def write_excerpts(out_dir: str | Path, rng: Any) -> list[Path]:
    """Write the sample's codebook and coded excerpts into the data folder ``out_dir``.

    ``rng`` (a ``numpy.random.Generator``, ``random.Random`` or a seed) only
    draws Taguette's highlight ids; every text is fixed, so the figures that
    come from coding (e.g. five Pledge adopters up to June 2018) do not depend
    on it. Returns the files written. Call :func:`write_survey_codes`
    afterwards to code the follow-up open answers.
    """
    out_dir = Path(out_dir)
    folder = out_dir / EXCERPTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []

    path = out_dir / "codebook.yml"
    path.write_text(_codebook_yaml(), encoding="utf-8")
    written.append(path)

    path = folder / NAMES_FILE
    path.write_text(
        "# First names that withhold a quote when written as a name (one a line)\n" + "\n".join(NAMES_TO_REDACT) + "\n", encoding="utf-8"
    )
    written.append(path)

    path = folder / DOCUMENTS_FILE
    _write_csv(
        path,
        ["document", "respondent", "group", "method", "round", "consent", "disclosure"],
        [(*d, DISCLOSURE.get(d[0], "")) for d in DOCUMENTS],
    )
    written.append(path)

    ids = _highlight_ids(rng, len(PARTICIPANT_HIGHLIGHTS))
    path = folder / TAGUETTE_FILE
    _write_csv(
        path,
        ["id", "document", "tag", "content"],
        [(ids[i], _document(number), tag, text) for i, (number, tag, text) in enumerate(PARTICIPANT_HIGHLIGHTS)],
    )
    written.append(path)

    path = folder / QDPX_FILE
    path.write_bytes(build_qdpx())
    written.append(path)

    path = folder / REVIEW_NOTES_FILE
    _write_csv(path, ["document", "tag", "content"], REVIEW_NOTES)
    written.append(path)
    return written


def _survey_method(survey_file: str) -> str:
    folder = survey_file.replace("\\", "/").lower()
    if "followup" in folder or "follow-up" in folder or "follow_up" in folder:
        return "follow-up survey"
    if "event" in folder:
        return "event survey"
    return "survey"


def write_survey_codes(out_dir: str | Path, coded: Sequence[tuple[str, str, str, str]]) -> Path:
    """Code survey open answers: write ``excerpts/survey_codes.csv`` and list each survey in documents.csv.

    ``coded`` holds ``(survey_file, respondent_id, question, tag)``: the
    export as the survey loader names it (e.g. ``followup_surveys/2019-01.csv``),
    the SurveyMonkey Respondent ID of the response, the question (its wording
    in the export, or its measure id), and a tag of the sample codebook (see
    ``SURVEY_OPEN_ANSWERS`` for texts and tags). Each survey file not yet in
    ``excerpts/documents.csv`` gets a row: participants, a follow-up or event
    survey by its folder, the round from a ``YYYY-MM`` file name (else blank:
    each response's month is used), consent yes (the sample's surveys say
    answers may be quoted without names). Call after :func:`write_excerpts`.
    Safe to call again: it rewrites the codes and adds each survey once.
    """
    out_dir = Path(out_dir)
    folder = out_dir / EXCERPTS_DIR
    documents_path = folder / DOCUMENTS_FILE
    if not documents_path.is_file() or not (out_dir / "codebook.yml").is_file():
        raise FileNotFoundError(f"{documents_path}: call write_excerpts(out_dir, rng) before write_survey_codes")
    from pdu_lib.inputs.codebook import load_codebook, resolve_tag

    codebook = load_codebook(out_dir / "codebook.yml")
    rows = []
    for survey_file, respondent_id, question, tag in coded:
        if resolve_tag(tag, codebook) is None:
            raise ValueError(
                f"tag {tag!r} (for {survey_file}, Respondent ID {respondent_id}) is not a theme or sub-theme of the sample codebook"
            )
        if not str(respondent_id).strip() or not str(question).strip():
            raise ValueError(f"{survey_file}: a code needs the response's Respondent ID and the question")
        rows.append((str(survey_file).replace("\\", "/"), str(respondent_id), str(question), tag))
    path = folder / SURVEY_CODES_FILE
    _write_csv(path, ["survey_file", "Respondent ID", "question", "tag"], rows)

    with documents_path.open(encoding="utf-8", newline="") as handle:
        existing = list(csv.reader(handle))
    known = {r[0] for r in existing[1:] if r}
    added = []
    for survey_file in dict.fromkeys(r[0] for r in rows):
        if survey_file in known:
            continue
        match = re.match(r"(\d{4}-\d{2})", Path(survey_file).name)
        added.append((survey_file, "", "participant", _survey_method(survey_file), match.group(1) if match else "", "yes", ""))
    if added:
        _write_csv(documents_path, existing[0], [*existing[1:], *added])
    return path
