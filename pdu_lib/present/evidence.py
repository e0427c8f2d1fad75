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
from pdu_lib.present.page_parts import list_words, lower_first
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
    return table_html(shown, "Themes by respondent group: people (or group reviews) who raised each, not excerpts", require_base=False)


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
    disagree visible (:func:`pdu_lib.present.quotes.curate`).
    The Expert Citizens' review notes (method ``review``) are left out: the
    section shows them beside the actions they reviewed
    (:func:`expert_citizens_review`).
    """
    evidence = _evidence(ds)
    if evidence is None:
        return note(NO_EVIDENCE)
    excerpts, codebook = evidence
    published = themes.excerpts_for_section(quotes.publishable(excerpts, codebook), section)
    only, without = set(only_themes), set(without_themes)
    keep = (published["theme"].isin(only) if only else ~published["theme"].isin(without)) & (published["method"] != "review")
    chosen = published.loc[keep]
    if chosen.empty:
        return note("No publishable excerpts for this section in this period.")
    labels = themes.safe_group_labels(excerpts)  # everyone who gave evidence counts towards a group's size
    return HTML(quotes.render_excerpts_html(chosen, per_theme=per_theme, group_labels=labels))  # escaped, curated by quotes


def review_points(excerpts: pd.DataFrame, section: str) -> pd.DataFrame:
    """The Expert Citizens' review points that bear on a section: one row per point, oldest review first.

    The review notes are the excerpts whose method is ``review``. A point is
    the sub-theme a note is coded to; a note coded to a theme alone is
    quoted, not listed as a point. Columns: ``round``
    (the review's month, ``2019-02``), ``point`` (the sub-theme's label),
    ``stance``.

    >>> rows = pd.DataFrame({"method": ["review", "review", "interview"], "section": ["changes"] * 3,
    ...     "round": ["2019-02", "2018-06", "2018-06"], "theme": ["ec_review", "ec_review", "pledge"],
    ...     "sub_theme_label": ["Time builds trust", None, None], "stance": ["positive", "mixed", "positive"]})
    >>> review_points(rows, "changes").to_dict("records")
    [{'round': '2019-02', 'point': 'Time builds trust', 'stance': 'positive'}]
    """
    rows = excerpts.loc[(excerpts["method"] == "review") & (excerpts["section"] == section)]
    rows = rows.loc[rows["sub_theme_label"].notna() & rows["sub_theme_label"].astype(str).str.strip().ne("")]
    table = pd.DataFrame(
        {"round": rows["round"].astype(str), "point": rows["sub_theme_label"].astype(str), "stance": rows["stance"].astype(str)}
    )
    return table.drop_duplicates().sort_values(["round", "point"], kind="stable").reset_index(drop=True)


def expert_citizens_review(ds: Dataset, section: str) -> list:
    """The Expert Citizens' review of the actions in this section, as prose with their own words beside it.

    One paragraph per review session that discussed the section: when it met,
    how many Expert Citizens took part (from the reviews table) and the points
    they made (from the coded review notes), then their quotes.
    """
    evidence = _evidence(ds)
    if evidence is None:
        return [note(NO_EVIDENCE)]
    excerpts, codebook = evidence
    points = review_points(excerpts, section)
    published = quotes.publishable(excerpts, codebook)
    theirs = published.loc[(published["method"] == "review") & (published["section"] == section)]
    if points.empty and theirs.empty:
        return [note("The Expert Citizens' review notes do not bear on this section in this period.")]
    present = {f"{r.date:%Y-%m}": (f"{r.date:%B %Y}", int(r.present)) for r in ds.reviews.itertuples()}
    pieces: list = []
    for round_id, rows in points.groupby("round", sort=True):
        when, people = present.get(round_id, (round_label(round_id), None))
        who = f"the {wording.count_words(people)} Expert Citizens" if people else "the Expert Citizens"
        agreed = list_words([lower_first(p) for p in rows.loc[rows["stance"] == "positive", "point"]])
        qualified = list_words([lower_first(p) for p in rows.loc[rows["stance"] != "positive", "point"]])
        text = [
            sentence(
                "In {when} {who} discussed what people reported in this section and what it could mean for service users.",
                who=who,
                when=when,
            )
        ]
        if agreed:
            text.append(sentence("In support, they noted: {points}.", points=agreed))
        if qualified:
            text.append(sentence("With a caution: {points}.", points=qualified))
        pieces.append(paragraph(*text))
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
