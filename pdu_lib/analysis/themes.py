"""Counting the qualitative evidence: people (not excerpts) by theme and group, and Pledge adopters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pdu_lib.config import SECTIONS
from pdu_lib.inputs.excerpts import GROUPS
from pdu_lib.inputs.periods import month_key

# A group with fewer people than this giving evidence in the period is never
# named: its members are known, so naming it says what a known person said.
MIN_GROUP_SIZE = 3

PDU_STAFF_OR_STEERING_GROUP = "PDU staff or Steering Group"
# Where a group too small to name falls back to, widest last. A wider group
# counts everyone in the groups it holds (WIDER_GROUP_MEMBERS).
WIDER_GROUPS: dict[str, tuple[str, ...]] = {
    "Beneficiary Ambassador": ("Steering Group member", PDU_STAFF_OR_STEERING_GROUP),
    "Steering Group member": (PDU_STAFF_OR_STEERING_GROUP,),
    "co-ordinator": (PDU_STAFF_OR_STEERING_GROUP,),
    "facilitator": ("facilitator, PDU staff or Steering Group",),
}
WIDER_GROUP_MEMBERS: dict[str, tuple[str, ...]] = {
    "Steering Group member": ("Steering Group member", "Beneficiary Ambassador"),
    PDU_STAFF_OR_STEERING_GROUP: ("Steering Group member", "Beneficiary Ambassador", "co-ordinator"),
    "facilitator, PDU staff or Steering Group": ("facilitator", "Steering Group member", "Beneficiary Ambassador", "co-ordinator"),
}
REVIEW_METHOD = "review"


def _people(excerpts: pd.DataFrame) -> pd.DataFrame:
    """The rows that stand for people: not group reviews (a review is a session, not a person)."""
    if "method" not in excerpts.columns:
        return excerpts
    return excerpts.loc[excerpts["method"] != REVIEW_METHOD]


def safe_label(group: str, sizes: Mapping[str, int], min_group: int = MIN_GROUP_SIZE) -> str:
    """The group as it may be named: itself, a wider group, or "" (name no group).

    ``sizes`` is people per group (distinct respondents who gave evidence in
    the period). A group of at least ``min_group`` is named; a smaller one
    falls back to the first wider group (:data:`WIDER_GROUPS`) that, counting
    all its member groups, reaches ``min_group``; else to "" (the method alone).

    >>> safe_label("co-ordinator", {"co-ordinator": 1, "Steering Group member": 2})
    'PDU staff or Steering Group'
    >>> safe_label("co-ordinator", {"co-ordinator": 1, "Steering Group member": 1})
    ''
    >>> safe_label("participant", {"participant": 3})
    'participant'
    """
    group = "" if group is None or (not isinstance(group, str) and pd.isna(group)) else str(group)
    if not group or sizes.get(group, 0) >= min_group:
        return group
    for wider in WIDER_GROUPS.get(group, ()):
        if sum(sizes.get(g, 0) for g in WIDER_GROUP_MEMBERS.get(wider, (wider,))) >= min_group:
            return wider
    return ""


def group_sizes(excerpts: pd.DataFrame) -> dict[str, int]:
    """People (distinct respondents, group reviews left out) who gave evidence, by group.

    >>> group_sizes(pd.DataFrame({"group": ["participant", "participant", "Expert Citizens"],
    ...     "respondent": ["R1", "R2", "EC"], "method": ["interview", "interview", "review"]}))
    {'participant': 2}
    """
    people = _people(excerpts)
    if people.empty:
        return {}
    return {str(g): int(n) for g, n in people.groupby("group")["respondent"].nunique().items()}


def safe_group_labels(excerpts: pd.DataFrame, min_group: int = MIN_GROUP_SIZE) -> dict[str, str]:
    """Every group of ``excerpts`` mapped to the label it may be shown under (see :func:`safe_label`).

    Pass every excerpt of the period (before :func:`~pdu_lib.present.quotes.publishable`):
    everyone who gave evidence counts towards a group's size. Group reviews
    (Expert Citizens) are sessions, not people, and keep their own label.

    >>> rows = pd.DataFrame({"group": ["participant"] * 3 + ["co-ordinator", "Steering Group member", "Steering Group member"],
    ...     "respondent": ["R1", "R2", "R3", "C1", "S1", "S2"], "method": ["interview"] * 6})
    >>> safe_group_labels(rows)
    {'participant': 'participant', 'co-ordinator': 'PDU staff or Steering Group', 'Steering Group member': 'PDU staff or Steering Group'}
    """
    if excerpts.empty:
        return {}
    sizes = group_sizes(excerpts)
    labels = {}
    for group in dict.fromkeys(excerpts["group"]):
        only_reviews = "method" in excerpts.columns and (excerpts.loc[excerpts["group"] == group, "method"] == REVIEW_METHOD).all()
        labels[str(group)] = str(group) if only_reviews else safe_label(group, sizes, min_group)
    return labels


def merge_small_groups(counts: Mapping[str, int], min_group: int = MIN_GROUP_SIZE, other: str = "other") -> dict[str, int]:
    """Counts by group (e.g. interviews held) with groups under ``min_group`` merged into a wider group.

    For tables such as the sources of evidence, where each count is of people:
    a group too small to name is added to the first wider group that reaches
    ``min_group``, else to ``other`` (and ``other`` itself, if still small, to
    nothing shown separately: it is returned and the caller words it).

    A wider group's count holds every group it is made of: were the Steering
    Group shown beside "PDU staff or Steering Group", the difference would
    count the co-ordinator alone.

    >>> merge_small_groups({"participant": 16, "Steering Group member": 4, "Beneficiary Ambassador": 2, "co-ordinator": 1})
    {'participant': 16, 'PDU staff or Steering Group': 7}
    >>> merge_small_groups({"participant": 5, "Steering Group member": 4})
    {'participant': 5, 'Steering Group member': 4}
    """
    sizes = {str(g): int(n) for g, n in counts.items()}
    merged: dict[str, int] = {}
    for group, n in sizes.items():
        label = safe_label(group, sizes, min_group) or other
        merged[label] = merged.get(label, 0) + n
    for wider in [label for label in merged if label in WIDER_GROUP_MEMBERS]:
        for member in WIDER_GROUP_MEMBERS[wider]:
            if member != wider and member in merged and wider in merged:
                merged[wider] += merged.pop(member)
    return merged


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
    """People who raised each theme of a section, by respondent group as it may be named.

    Counts distinct respondents, not excerpts: a person quoted three times on
    a theme counts once. Pass the whole excerpts frame of the period (every
    section, before :func:`publishable`): counting is not quoting, so excerpts
    that may not be quoted still count, and group sizes are taken from it.

    Disclosure rule (:func:`safe_group_labels`): a group with fewer than
    ``min_group`` people giving evidence in the period is counted under a wider
    group (e.g. the co-ordinator under "PDU staff or Steering Group"); where no
    wider group reaches ``min_group`` the people are counted under "other
    respondents", and if that is still too small the cell is suppressed
    (``people`` missing, ``suppressed`` True). Expert Citizens reviews are
    group sessions: their ``unit`` is "reviews" and ``people`` counts reviews.

    Returns ``theme`` (label), ``group``, ``people``, ``unit`` ("people" or "reviews"), ``suppressed``.

    >>> rows = pd.DataFrame({
    ...     "section": ["links"] * 6, "theme_label": ["New contacts"] * 6, "method": ["interview"] * 5 + ["review"],
    ...     "respondent": ["R1", "R1", "R2", "R3", "R9", "EC1"],
    ...     "group": ["participant"] * 4 + ["co-ordinator", "Expert Citizens"]})
    >>> theme_table(rows, "links")[["group", "people", "unit", "suppressed"]].to_dict("records")
    [{'group': 'participant', 'people': 3, 'unit': 'people', 'suppressed': False}, {'group': 'Expert Citizens', 'people': 1, 'unit': 'reviews', 'suppressed': False}, {'group': 'other respondents', 'people': None, 'unit': 'people', 'suppressed': True}]
    """
    columns = ["theme", "group", "people", "unit", "suppressed"]
    if excerpts.empty:
        return pd.DataFrame(
            {
                "theme": pd.Series(dtype="object"),
                "group": pd.Series(dtype="object"),
                "people": pd.Series(dtype="Int64"),
                "unit": pd.Series(dtype="object"),
                "suppressed": pd.Series(dtype="bool"),
            }
        )
    labels = safe_group_labels(excerpts, min_group)
    unnamed = {g for g, shown in labels.items() if not shown}
    other_size = int(_people(excerpts).loc[lambda d: d["group"].isin(unnamed), "respondent"].nunique())
    in_section = excerpts_for_section(excerpts, section).copy()
    label = "theme_label" if "theme_label" in in_section.columns else "theme"
    reviews = in_section["method"] == REVIEW_METHOD if "method" in in_section.columns else pd.Series(False, index=in_section.index)
    in_section["shown_group"] = in_section["group"].astype(str).map(labels).replace("", "other respondents")
    in_section["unit"] = ["reviews" if r else "people" for r in reviews]
    named_order = list(GROUPS.values()) + [w for ws in WIDER_GROUPS.values() for w in ws] + ["other respondents"]
    order = {g: i for i, g in enumerate(dict.fromkeys(named_order))}
    table = (
        in_section.groupby([label, "shown_group", "unit"], sort=False)
        .agg(people=("respondent", "nunique"))
        .reset_index()
        .rename(columns={label: "theme", "shown_group": "group"})
    )
    theme_order = {t: i for i, t in enumerate(dict.fromkeys(in_section[label]))}
    table = table.sort_values(
        ["theme", "group"], key=lambda c: c.map(theme_order) if c.name == "theme" else c.map(lambda g: order.get(g, len(order)))
    ).reset_index(drop=True)
    table["suppressed"] = (table["group"] == "other respondents") & (other_size < min_group)
    table["people"] = table["people"].astype("Int64").mask(table["suppressed"])
    return table[columns]


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
    last = month_key(period_end)
    coded = (excerpts["theme"] == theme) | (excerpts["sub_theme"] == theme)
    keep = coded & (excerpts["round"].astype(str) <= last) & (excerpts["method"] != "review")
    return int(excerpts.loc[keep, "respondent"].nunique())


def people_with_stance(excerpts: pd.DataFrame, section: str, stance: str | None = None) -> int:
    """Distinct people whose excerpts in ``section`` take ``stance`` (any stance when None); review notes are not people.

    >>> e = pd.DataFrame({"section": ["s"] * 4, "method": ["interview"] * 3 + ["review"], "respondent": ["a", "a", "b", "EC"],
    ...                   "stance": ["positive", "critical", "positive", "positive"]})
    >>> people_with_stance(e, "s"), people_with_stance(e, "s", "positive"), people_with_stance(e, "s", "mixed")
    (2, 2, 0)
    """
    rows = excerpts.loc[(excerpts["section"] == section) & (excerpts["method"] != "review")]
    if stance is not None:
        rows = rows.loc[rows["stance"].astype(str) == stance]
    return int(rows["respondent"].nunique())
