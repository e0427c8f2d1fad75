"""Unmapped survey questions never shrink a base in silence: each export is compared with its peers.

A follow-up round may be collected through two collectors, each its own
export; post-event surveys ask the same measures event after event. When one
export words a question in a way ``harmonisation.yml`` does not know, that
question is dropped, and the measure it asks loses that export's respondents
from its base. So an export that holds an unmapped question and does not ask a
measure of the same kind (single choice, multi-select, open) that its peers
ask (the other exports of its round; for post-event surveys, the other
events' exports too) stops the run, naming the unknown
wordings and the mapped wordings they most resemble. Unmapped questions of an
export that asks every measure its peers ask stay as before: listed in the
data-quality appendix.
"""

from __future__ import annotations

import difflib

import pandas as pd

from pdu_lib.errors import InputError
from pdu_lib.inputs.harmonise import HarmonisationMap, normalise_text


def peer_measures(file_asked: pd.DataFrame, survey: str) -> dict[str, set[str]]:
    """For each export, the measures its peers ask: the other exports of its survey id, and for the
    post-event survey every other event's export as well.

    >>> asked = pd.DataFrame({"source_file": ["a", "a", "b"], "survey_id": ["2019-01"] * 3, "measure": ["x", "y", "x"]})
    >>> {file: sorted(measures) for file, measures in peer_measures(asked, "followup").items()}
    {'a': ['x'], 'b': ['x', 'y']}
    """
    peers: dict[str, set[str]] = {}
    for file in dict.fromkeys(file_asked["source_file"]):
        others = file_asked["source_file"] != file
        if survey != "event":
            others &= file_asked["survey_id"] == file_asked.loc[file_asked["source_file"] == file, "survey_id"].iloc[0]
        peers[file] = set(file_asked.loc[others, "measure"])
    return peers


def closest_wording(text: str, hmap: HarmonisationMap, measures: set[str]) -> tuple[str, str]:
    """The measure among ``measures`` with the wording most like ``text``, and that wording."""
    wanted = normalise_text(text)
    scored = [
        (difflib.SequenceMatcher(None, wanted, normalise_text(wording)).ratio(), measure, wording)
        for measure in sorted(measures)
        for wording in hmap.measures[measure].wordings
    ]
    _, measure, wording = max(scored, key=lambda item: item[0])
    return measure, wording


def _error(file: str, unmapped: pd.DataFrame, missing: set[str], hmap: HarmonisationMap, survey: str) -> InputError:
    peers = "the other exports of its round" if survey == "followup" else "the other post-event survey exports"
    likely = []
    for text, kind in zip(unmapped["text"], unmapped["kind"]):
        measure, wording = closest_wording(text, hmap, {m for m in missing if hmap.measures[m].kind == kind})
        likely.append(f"{text!r} (closest: measure {measure!r}, worded {wording!r})")
    first = unmapped.iloc[0]
    return InputError(
        file,
        f"this export does not ask {', '.join(repr(m) for m in sorted(missing))}, which {peers} ask, and {hmap.file} does "
        f"not know its question(s) {'; '.join(likely)}. Its respondents would be left out of that base in silence: add the "
        f"wording under measures.<measure>.wordings in {hmap.file}, or, if it asks something else, give it a measure of its own",
        row=1,
        column=str(first["column"]),
    )


def check_peers(data, hmap: HarmonisationMap) -> None:
    """InputError for the first export (in file order) holding unmapped questions and lacking a measure its peers ask.

    ``data`` is one survey's :class:`pdu_lib.inputs.surveys.SurveyData`.
    """
    if data.file_asked is None or data.unmapped.empty:
        return
    peers = peer_measures(data.file_asked, data.survey)
    files = data.files["source_file"].tolist()
    unmapped_all = data.unmapped.merge(data.unmapped_kinds, on=["file", "question_no"], how="left")
    for file in files:
        unmapped = unmapped_all.loc[unmapped_all["file"] == file]
        if unmapped.empty:
            continue
        asked = set(data.file_asked.loc[data.file_asked["source_file"] == file, "measure"])
        missing = peers.get(file, set()) - asked
        # Only a question of the same kind (single choice, multi-select, open) can be a measure reworded.
        alike = unmapped.loc[unmapped["kind"].isin({hmap.measures[m].kind for m in missing})]
        if not alike.empty:
            raise _error(file, alike, {m for m in missing if hmap.measures[m].kind in set(alike["kind"])}, hmap, data.survey)
