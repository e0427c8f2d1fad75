"""The actions people reported taking, for the Expert Citizens to review, each under a stable id.

An action is either an open answer to a follow-up question about what people
did (the measures in :data:`ACTION_MEASURES`, found through the harmonisation
map whatever the wording) or a coded excerpt of a theme of the "Changes at
work" section (not the Expert Citizens' own review notes, and not a theme
whose stance is critical: "too early to know" is not an action).

An action's id is derived from its round and its text (case and spacing
ignored), so it is the same on every run, whatever order the rows come in,
and a survey answer and the excerpt that codes it are one action.
"""

from __future__ import annotations

import hashlib
import unicodedata

import pandas as pd

# Follow-up measures whose open answers are actions ("What action did you take?",
# "What did you do differently?": every wording the harmonisation map gives them).
ACTION_MEASURES = ("action_taken",)
CHANGES_SECTION = "changes"
UNCODED_THEME = "Other actions reported"
ACTION_COLUMNS = ["action_id", "round", "theme", "theme_label", "text", "document", "method", "group", "consent"]


def action_id(round_: str, text: str) -> str:
    """A short id that depends only on an action's round and its text (case and spacing ignored).

    >>> action_id("2019-01", "Shorter  first meetings") == action_id("2019-01", "shorter first meetings")
    True
    >>> action_id("2019-01", "Shorter first meetings") == action_id("2018-06", "Shorter first meetings")
    False
    >>> len(action_id("2019-01", "Shorter first meetings"))
    8
    """
    identity = f"{round_}|{' '.join(unicodedata.normalize('NFC', str(text)).casefold().split())}"
    return "A-" + hashlib.sha1(identity.encode("utf-8")).hexdigest()[:6].upper()


def reported_actions(
    followup_answers: pd.DataFrame,
    excerpts: pd.DataFrame | None,
    survey_consent: dict[str, bool] | None = None,
    theme_order: list[str] | None = None,
) -> pd.DataFrame:
    """One row per distinct action: ``action_id, round, theme, theme_label, text, document, method, group, consent``.

    ``followup_answers`` is the survey loader's frame (``measure, survey_id,
    text, source_file``); ``excerpts`` the coded excerpts (or None). An answer
    that a coder also tagged is one action, under the coded theme; an answer
    nobody coded is under :data:`UNCODED_THEME`, with the consent its survey
    file has in ``survey_consent`` (none known: no consent). Themes are in
    ``theme_order`` (theme labels, e.g. the codebook's order; others after
    them by label; uncoded last), and an action coded to two themes goes under
    the first. Within a theme, actions are in round and id order, so nothing
    depends on the order of the input rows.

    >>> answers = pd.DataFrame({"measure": ["action_taken", "action_taken", "made_contact"], "survey_id": ["2019-01"] * 3,
    ...                         "text": ["Shorter first meetings", "A new referral form", None], "source_file": ["f.csv"] * 3})
    >>> coded = pd.DataFrame({"section": ["changes"], "method": ["follow-up survey"], "stance": ["positive"], "round": ["2019-01"],
    ...                       "text": ["Shorter first meetings"], "theme": ["practice"], "theme_label": ["Changes in practice"],
    ...                       "document": ["f.csv"], "group": ["participant"], "consent": [True]})
    >>> reported_actions(answers, coded, {"f.csv": False})[["theme_label", "text", "consent"]].to_dict("records")
    [{'theme_label': 'Changes in practice', 'text': 'Shorter first meetings', 'consent': True}, {'theme_label': 'Other actions reported', 'text': 'A new referral form', 'consent': False}]
    """
    survey_consent = survey_consent or {}
    parts = []
    if excerpts is not None and not excerpts.empty:
        coded = excerpts.loc[
            (excerpts["section"] == CHANGES_SECTION) & (excerpts["method"] != "review") & (excerpts["stance"] != "critical")
        ]
        parts.append(coded[ACTION_COLUMNS[1:]])
    said = followup_answers.loc[followup_answers["measure"].isin(ACTION_MEASURES) & followup_answers["text"].notna()]
    parts.append(
        pd.DataFrame(
            {
                "round": said["survey_id"].astype(str),
                "theme": "",
                "theme_label": UNCODED_THEME,
                "text": said["text"].astype(str),
                "document": said["source_file"].astype(str),
                "method": "follow-up survey",
                "group": "participant",
                "consent": said["source_file"].map(lambda f: bool(survey_consent.get(str(f), False))),
            }
        )
    )
    rows = pd.concat([p for p in parts if not p.empty], ignore_index=True) if any(not p.empty for p in parts) else parts[-1]
    if rows.empty:
        return pd.DataFrame({column: pd.Series(dtype="object") for column in ACTION_COLUMNS})
    rows = rows.assign(action_id=[action_id(r, t) for r, t in zip(rows["round"], rows["text"])])
    ranks = {label: i for i, label in enumerate(dict.fromkeys(theme_order or []))}
    later = sorted(set(rows["theme_label"]) - set(ranks) - {UNCODED_THEME})
    ranks.update({label: len(ranks) + i for i, label in enumerate(later)})
    ranks[UNCODED_THEME] = len(ranks)
    rows = rows.assign(_theme=rows["theme_label"].map(ranks))
    # An action's first theme in that order is its theme; its consent is that coding's (or the answer's, uncoded).
    rows = rows.sort_values(["_theme", "round", "action_id", "document", "text"], kind="stable").drop_duplicates("action_id")
    return rows[ACTION_COLUMNS].reset_index(drop=True).astype({"consent": bool})
