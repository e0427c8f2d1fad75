"""Counting the qualitative evidence: people (not excerpts) by theme and group, and Pledge adopters."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pdu_lib.config import SECTIONS
from pdu_lib.inputs.excerpts import GROUPS
from pdu_lib.inputs.tables import MONTH

# A group with fewer respondents than this (in the whole excerpts data) is
# never shown on its own in a theme table: see theme_table().
MIN_GROUP_SIZE = 3



def excerpts_for_section(excerpts: pd.DataFrame, section: str) -> pd.DataFrame:
    """The excerpts whose theme (or sub-theme) serves a report section, in codebook order.

    >>> rows = pd.DataFrame({"section": ["links", "diversity"], "text": ["a", "b"]})
    >>> excerpts_for_section(rows, "diversity")["text"].tolist()
    ['b']
    """
    keys = [s.key for s in SECTIONS]
    if section not in keys:
        raise ValueError(f"unknown section {section!r}; known: {', '.join(keys)}")
    return excerpts.loc[excerpts["section"] == section].reset_index(drop=True)


def theme_table(excerpts: pd.DataFrame, section: str, min_group: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """People who raised each theme of a section, by respondent group.

    Counts distinct respondents, not excerpts: a person quoted three times on
    a theme counts once. Pass the whole excerpts frame (every section, before
    :func:`publishable`): counting is not quoting, so excerpts that may not be
    quoted still count, and group sizes are taken from the whole frame.

    Disclosure rule: a group with fewer than ``min_group`` respondents in the
    whole data (e.g. the one co-ordinator, two Beneficiary Ambassadors) is a
    group whose members are known, so any of its cells says what a known
    person said; such cells are suppressed (``people`` is missing,
    ``suppressed`` is True). Other cells are shown as they are, however small.
    Expert Citizens reviews are group sessions (the respondent is the session,
    so ``people`` counts sessions for them) and identify no one: they are not
    suppressed.

    Returns ``theme`` (label), ``group``, ``people``, ``suppressed``.

    >>> rows = pd.DataFrame({
    ...     "section": ["links"] * 5, "theme_label": ["New contacts"] * 5, "method": ["interview"] * 5,
    ...     "respondent": ["R1", "R1", "R2", "R3", "R9"],
    ...     "group": ["participant"] * 4 + ["co-ordinator"]})
    >>> theme_table(rows, "links").to_dict("records")
    [{'theme': 'New contacts', 'group': 'participant', 'people': 3, 'suppressed': False}, {'theme': 'New contacts', 'group': 'co-ordinator', 'people': None, 'suppressed': True}]
    """
    columns = ["theme", "group", "people", "suppressed"]
    if excerpts.empty:
        return pd.DataFrame({"theme": pd.Series(dtype="object"), "group": pd.Series(dtype="object"),
                             "people": pd.Series(dtype="Int64"), "suppressed": pd.Series(dtype="bool")})
    collective = excerpts["method"] == "review" if "method" in excerpts.columns else pd.Series(False, index=excerpts.index)
    sizes = excerpts.loc[~collective].groupby("group")["respondent"].nunique().to_dict()
    in_section = excerpts_for_section(excerpts, section)
    label = "theme_label" if "theme_label" in in_section.columns else "theme"
    group_order = {g: i for i, g in enumerate(GROUPS.values())}
    records = []
    themes = list(dict.fromkeys(in_section[label]))
    for theme in themes:
        of_theme = in_section[in_section[label] == theme]
        groups = sorted(set(of_theme["group"]), key=lambda g: group_order.get(g, len(group_order)))
        for group in groups:
            rows = of_theme[of_theme["group"] == group]
            is_collective = "method" in rows.columns and (rows["method"] == "review").all()
            people = rows["respondent"].nunique()
            suppressed = not is_collective and sizes.get(group, 0) < min_group
            records.append({"theme": theme, "group": group, "people": pd.NA if suppressed else people, "suppressed": suppressed})
    table = pd.DataFrame.from_records(records, columns=columns)
    table["people"] = table["people"].astype("Int64")
    table["suppressed"] = table["suppressed"].astype(bool)
    return table


def _month(value: Any) -> str:
    if isinstance(value, str) and MONTH.match(value.strip()):
        return value.strip()
    return f"{pd.Timestamp(value):%Y-%m}"


def pledge_adopters(excerpts: pd.DataFrame, period_end: Any, theme: str = "pledge") -> int:
    """People who had introduced the Pledge, or were working towards it, up to a date.

    Distinct respondents coded to the Pledge theme (or a sub-theme with that
    id) in a round up to ``period_end``'s month. Expert Citizens reviews are
    views about the Pledge, not adoptions, and are not counted.

    >>> rows = pd.DataFrame({"theme": ["pledge"] * 4, "sub_theme": [""] * 4, "method": ["interview"] * 3 + ["review"],
    ...                      "respondent": ["R1", "R1", "R2", "EC"], "round": ["2018-06", "2018-06", "2019-01", "2018-06"]})
    >>> pledge_adopters(rows, "2018-06-30"), pledge_adopters(rows, "2019-01-31")
    (1, 2)
    """
    if excerpts.empty:
        return 0
    last = _month(period_end)
    coded = (excerpts["theme"] == theme) | (excerpts["sub_theme"] == theme)
    keep = coded & (excerpts["round"].astype(str) <= last) & (excerpts["method"] != "review")
    return int(excerpts.loc[keep, "respondent"].nunique())


