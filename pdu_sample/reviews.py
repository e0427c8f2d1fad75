"""The completed Expert Citizens review packs of the sample: ``expert_citizens/<session date>.xlsx``.

Each session gets the pack ``pdu-report review-pack`` would have given it
(made by pdu_lib from the sample written so far), filled in as the evaluator
would after the session: the June 2018 session reviewed the actions reported
by then (the interim report's data); the February 2019 session the actions of
the January 2019 round. Their judgements follow the final report: the Expert
Citizens thought nearly everything people did would make a significant
difference, with reservations about the Pledge (it must be lived up to) and
about consulting service users without acting on what they say.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

FOLDER = "expert_citizens"

# Per theme label: the judgements to draw from (in the pack's own words) and what the group said.
JUDGEMENTS = {
    "Adopting the Pledge": (
        ["Some difference", "Some difference", "A big difference"],
        ["People need to live up to the Pledge and put it in action, not just adopt it."],
    ),
    "Involving service users more": (
        ["Some difference"],
        ["A group alone is not going to make any difference if what is said falls on deaf ears."],
    ),
    "Referring and signposting better": (
        ["A big difference"],
        ["Knowing the other services means people are offered more of the support they need."],
    ),
    "Changes in everyday practice": (
        ["A big difference"] * 4 + ["Some difference"],
        [
            "Taking more time is crucial: things often feel rushed and trust takes time to build.",
            "Anything that makes hostels feel more like homes is a positive step.",
        ],
    ),
    "Designing new services": (["A big difference"], ["Building it in from the start is the way to do it."]),
}
DEFAULT = (["A big difference", "Some difference"], [])
OVERALL = {
    "2018-06": [
        "Workers who understand what is happening in people's lives are less judgemental.",
        "Having up-to-date knowledge means workers can offer different kinds of support.",
    ],
    "2019-02": [
        "It is always possible to do more to get things better.",
        "Act on what service users say, and tell them what changed.",
        "Managers should come to service user groups to hear views directly.",
    ],
}


def write_review_packs(out: Path, sessions: list[tuple[dt.date, int]], seed: int) -> None:
    """One completed pack per review session, judged deterministically from ``seed``."""
    from pdu_lib.inputs.dataset import _load
    from pdu_lib.report.expert_review_pack import ACTIONS_SHEET, OVERALL_SHEET, build_workbook, pack_actions
    from pdu_sample.xlsxio import save_workbook

    rng = random.Random(f"{seed}-expert-citizens")
    interim, final = (pack_actions(_load(out, report)) for report in ("interim", "final"))
    folder = out / FOLDER
    folder.mkdir()
    for (date, _present), pack in zip(sorted(sessions), (interim, final)):
        session = f"{date:%Y-%m}"
        actions = pack.actions
        if pack is final:  # the second session reviewed the actions reported since the first
            actions = actions.loc[~actions["action_id"].isin(set(interim.actions["action_id"]))].reset_index(drop=True)
        workbook = build_workbook(actions, f"Expert Citizens review, {date.day} {date:%B %Y}", pack.withheld)
        sheet = workbook[ACTIONS_SHEET]
        said: dict[str, int] = {}  # comments made so far, per theme
        for number, row in enumerate(actions.itertuples(index=False), start=2):
            if rng.random() < 0.1:  # not discussed: left blank
                continue
            impacts, comments = JUDGEMENTS.get(row.theme_label, DEFAULT)
            sheet.cell(row=number, column=4).value = "Can't say" if rng.random() < 0.04 else rng.choice(impacts)
            if said.get(row.theme_label, 0) < len(comments):
                sheet.cell(row=number, column=5).value = comments[said.get(row.theme_label, 0)]
                said[row.theme_label] = said.get(row.theme_label, 0) + 1
        for number, text in enumerate(OVERALL.get(session, []), start=2):
            workbook[OVERALL_SHEET].cell(row=number, column=1).value = text
        save_workbook(workbook, folder / f"{date.isoformat()}.xlsx")
