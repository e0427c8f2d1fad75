"""What people said, for one section: the theme table, the quotes, and the Expert Citizens' review of the actions.

Every function takes the Dataset and a section key and returns something to
display (escaped HTML); with no coded evidence in the data folder each says
so instead of failing. Counting and publication rules live in
:mod:`pdu_lib.analysis.themes` and :mod:`pdu_lib.present.quotes`; this module
only lays their results out for a section.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pandas as pd
from IPython.display import HTML

from pdu_lib.analysis import themes
from pdu_lib.inputs.periods import round_label
from pdu_lib.present import quotes, wording
from pdu_lib.present.page_parts import lower_first
from pdu_lib.present.prose import Prose, note, paragraph, sentence, table_html

if TYPE_CHECKING:  # pragma: no cover
    from pdu_lib.inputs.codebook import Codebook
    from pdu_lib.inputs.dataset import Dataset

NO_EVIDENCE = "No coded qualitative excerpts in this data folder."


def _evidence(ds: Dataset) -> tuple[pd.DataFrame, Codebook] | None:
    """The period's coded excerpts and the codebook that governs them; None when the folder has no coded evidence."""
    if ds.excerpts is None or ds.codebook is None:
        return None
    return ds.excerpts, ds.codebook


def theme_table(ds: Dataset, section: str) -> Prose:
    """People who raised each theme of the section, by respondent group (no group under three named; reviews counted as reviews)."""
    evidence = _evidence(ds)
    if evidence is None:
        return note(NO_EVIDENCE)
    excerpts, _codebook = evidence
    shown = quotes.theme_table_shown(excerpts, section)
    if shown.empty:
        return note("No coded excerpts for this section in this period.")
    return table_html(shown, "Who raised each theme: the number of people in each group (Expert Citizens: reviews)", require_base=False)


def section_quotes(
    ds: Dataset,
    section: str,
    only_themes: Iterable[str] = (),
    without_themes: Iterable[str] = (),
    per_theme: int = quotes.DEFAULT_PER_THEME,
):
    """The publishable quotes of a section, under their themes.

    ``only_themes`` keeps those theme ids; ``without_themes`` leaves some out;
    at most ``per_theme`` quotes per theme are shown, chosen to keep views that
    disagree visible (:func:`pdu_lib.present.quotes.curate`). A quote that an
    earlier section of the report holds, or one nearly the same, is not shown
    again (:func:`pdu_lib.present.quotes.without_repeats`).
    The Expert Citizens' review notes (method ``review``) are left out: the
    section shows them beside the actions they reviewed
    (:func:`expert_citizens_review`).
    """
    evidence = _evidence(ds)
    if evidence is None:
        return note(NO_EVIDENCE)
    excerpts, codebook = evidence
    everywhere = quotes.publishable(excerpts, codebook)
    published = themes.excerpts_for_section(everywhere, section)
    only, without = set(only_themes), set(without_themes)
    keep = (published["theme"].isin(only) if only else ~published["theme"].isin(without)) & (published["method"] != "review")
    chosen = published.loc[keep]
    if chosen.empty:
        return note("No publishable excerpts for this section in this period.")
    chosen = quotes.without_repeats(chosen, quotes.texts_of_earlier_sections(everywhere, section))
    if chosen.empty:
        return note("Every quote for this section has already been shown in an earlier section.")
    labels = themes.safe_group_labels(excerpts)  # everyone who gave evidence counts towards a group's size
    return HTML(quotes.render_excerpts_html(chosen, per_theme=per_theme, group_labels=labels))  # escaped, curated by quotes


def review_points(excerpts: pd.DataFrame, section: str, codebook=None) -> pd.DataFrame:
    """The Expert Citizens' review points that bear on a section: one row per point, oldest review first.

    The review notes are the excerpts whose method is ``review``. A point is
    the sub-theme a note is coded to; a note coded to a theme alone is
    quoted, not listed as a point. Columns: ``round`` (the review's month,
    ``2019-02``), ``point`` (the sub-theme's label), ``stance`` and
    ``finding`` (the codebook's wording of the point, or "").

    >>> rows = pd.DataFrame({"method": ["review", "review", "interview"], "section": ["changes"] * 3,
    ...     "round": ["2019-02", "2018-06", "2018-06"], "theme": ["ec_review", "ec_review", "pledge"], "sub_theme": ["ec_time", "", ""],
    ...     "sub_theme_label": ["Time builds trust", None, None], "stance": ["positive", "mixed", "positive"]})
    >>> review_points(rows, "changes").to_dict("records")
    [{'round': '2019-02', 'point': 'Time builds trust', 'stance': 'positive', 'finding': ''}]
    """
    rows = excerpts.loc[(excerpts["method"] == "review") & (excerpts["section"] == section)]
    rows = rows.loc[rows["sub_theme_label"].notna() & rows["sub_theme_label"].astype(str).str.strip().ne("")]
    findings: dict[str, str] = {}
    if codebook is not None and "finding" in codebook.themes.columns:
        findings = dict(zip(codebook.themes["code"].astype(str), codebook.themes["finding"].fillna("").astype(str)))
    sub_themes = rows["sub_theme"].astype(str) if "sub_theme" in rows.columns else pd.Series("", index=rows.index)
    table = pd.DataFrame(
        {
            "round": rows["round"].astype(str),
            "point": rows["sub_theme_label"].astype(str),
            "stance": rows["stance"].astype(str),
            "finding": sub_themes.map(lambda code: findings.get(code, "")),
        }
    )
    return table.drop_duplicates().sort_values(["round", "point"], kind="stable").reset_index(drop=True)


def review_paragraph(when: str, people: int | None, points: pd.DataFrame) -> Prose:
    """One review session's points as the evaluator's sentences: "At their review in June 2018, the six Expert Citizens thought ...".

    Each point is said in the codebook's wording (``finding``, a clause that
    follows "the Expert Citizens"); a point the codebook gives no wording
    for is named by its label.

    >>> points = pd.DataFrame({"finding": ["said that time builds trust", "welcomed homelier hostels"], "point": ["Time", "Homes"]})
    >>> review_paragraph("February 2019", 3, points).text
    'At their review in February 2019, the three Expert Citizens said that time builds trust. They also welcomed homelier hostels.'
    >>> review_paragraph("June 2018", None, pd.DataFrame({"finding": [""], "point": ["Comfortable contributing"]})).text
    'At their review in June 2018, the Expert Citizens spoke about what they called “comfortable contributing”.'
    """
    who = f"the {wording.count_phrase(people, 'Expert Citizen')}" if people else "the Expert Citizens"
    said = [
        finding.strip().rstrip(".") if finding and finding.strip() else f"spoke about what they called \u201c{lower_first(point)}\u201d"
        for finding, point in zip(points["finding"], points["point"])
    ]
    first = sentence("At their review in {when}, {who} {said}.", when=when, who=who, said=said[0])
    return paragraph(first, *[sentence("They also {said}.", said=more) for more in said[1:]])


def expert_citizens_review(ds: Dataset, section: str) -> list:
    """The Expert Citizens' review of the actions in this section, in the evaluator's sentences with their own words beside it.

    One paragraph per review session that discussed the section
    (:func:`review_paragraph`), then their quotes, none already shown in an
    earlier section. With nothing from the Expert Citizens in the period, an
    empty list: the section shows nothing for them.
    """
    evidence = _evidence(ds)
    if evidence is None:
        return [note(NO_EVIDENCE)]
    excerpts, codebook = evidence
    points = review_points(excerpts, section, codebook)
    published = quotes.publishable(excerpts, codebook)
    theirs = published.loc[(published["method"] == "review") & (published["section"] == section)]
    theirs = quotes.without_repeats(theirs, quotes.texts_of_earlier_sections(published, section))
    if points.empty and theirs.empty:
        return []
    present = {f"{r.date:%Y-%m}": (f"{r.date:%B %Y}", int(r.present)) for r in ds.reviews.itertuples()}
    pieces: list = []
    for round_id, rows in points.groupby("round", sort=True):
        when, people = present.get(str(round_id), (round_label(str(round_id)) or str(round_id), None))
        pieces.append(review_paragraph(when, people, rows))
    if len(theirs):
        pieces.append(HTML(quotes.render_excerpts_html(theirs, by_theme=False)))  # escaped by quotes
    return pieces


def views_by_stance(excerpts: pd.DataFrame, section: str) -> dict[str, int]:
    """People (distinct respondents) who expressed each stance in a section's excerpts.

    >>> e = pd.DataFrame({"section": ["s", "s", "s"], "respondent": ["a", "a", "b"], "stance": ["positive", "critical", "positive"]})
    >>> views_by_stance(e, "s")
    {'critical': 1, 'positive': 2}
    """
    rows = excerpts.loc[excerpts["section"] == section]
    return {str(k): int(v) for k, v in rows.groupby("stance")["respondent"].nunique().sort_index().items()}


def views_table(ds: Dataset, section: str) -> Prose:
    """People who spoke about a section's subject, by the direction of their views (a person may appear twice)."""
    evidence = _evidence(ds)
    if evidence is None:
        return note(NO_EVIDENCE)
    excerpts, _codebook = evidence
    rows = excerpts.loc[(excerpts["section"] == section) & (excerpts["method"] != "review")]
    stances = views_by_stance(rows, section)
    table = pd.DataFrame(
        {
            "Views": ["All who spoke about it", *[f"Expressed {k} views" if k != "critical" else "Raised concerns" for k in stances]],
            "People": [int(rows["respondent"].nunique()), *stances.values()],
        }
    )
    return table_html(table, "People who spoke about this, by the direction of their views (some did both)", require_base=False)
