"""What the Expert Citizens judged: the share of actions that would make "a big difference", themes rated highest and lowest, their comments.

Pure functions of the judgements read back from completed review packs
(:mod:`pdu_lib.inputs.expert_citizens`) and the sessions' sizes (the
``present`` column of ``expert_citizens_reviews.csv``). A session of fewer
than :data:`MIN_SESSION_SIZE` Expert Citizens counts towards the overall share
only: its judgements are never broken down by action or theme, and its
comments on single actions are not quoted.
"""

from __future__ import annotations

import pandas as pd

from pdu_lib.analysis.metrics import Share

MIN_SESSION_SIZE = 3
#: A theme is called the highest or lowest rated only when the group judged at least this many of its actions.
MIN_THEME_ACTIONS = 3
BIG = "big"
# Impact codes (pdu_lib.inputs.expert_citizens.IMPACT_SCALE) as points, for ordering themes; "can't say" scores nothing.
IMPACT_POINTS = {"big": 2, "some": 1, "little": 0}
OVERALL_THEME = "What the group said overall"


def with_session_size(judgements: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    """``judgements`` with ``present``: the Expert Citizens at their session (missing when no review row has its date).

    >>> j = pd.DataFrame({"session_date": pd.to_datetime(["2019-02-14", "2019-03-01"]), "impact": ["big", "some"]})
    >>> r = pd.DataFrame({"date": pd.to_datetime(["2019-02-14"]), "present": [3]})
    >>> with_session_size(j, r)["present"].tolist()
    [3, <NA>]
    """
    sizes = reviews.assign(session_date=pd.to_datetime(reviews["date"]).dt.normalize())[["session_date", "present"]]
    sizes = sizes.drop_duplicates("session_date")
    out = judgements.assign(session_date=pd.to_datetime(judgements["session_date"])).merge(sizes, on="session_date", how="left")
    return out.assign(present=out["present"].astype("Int64"))


def breakdown_allowed(judgements: pd.DataFrame, min_session: int = MIN_SESSION_SIZE) -> pd.DataFrame:
    """The judgements of sessions large enough to be shown action by action (a session of unknown size is not).

    >>> j = pd.DataFrame({"present": pd.array([6, 2, None], dtype="Int64"), "impact": ["big", "big", "some"]})
    >>> len(breakdown_allowed(j))
    1
    """
    return judgements.loc[judgements["present"].fillna(0) >= min_session].reset_index(drop=True)


def big_difference_share(judgements: pd.DataFrame) -> Share | None:
    """Actions judged "a big difference", over the actions given an impact ("can't say" included); None with none judged.

    >>> big_difference_share(pd.DataFrame({"impact": ["big", "some", "cant_say", None]}))
    Share(numerator=1, base=3)
    """
    judged = judgements["impact"].dropna()
    if judged.empty:
        return None
    return Share(int((judged == BIG).sum()), len(judged))


def theme_ratings(judgements: pd.DataFrame, min_session: int = MIN_SESSION_SIZE) -> pd.DataFrame:
    """Themes by how the Expert Citizens rated their actions, highest first.

    Only sessions of at least ``min_session`` people count. Returns ``theme,
    judged`` (actions given an impact), ``big, some, little, cant_say``
    (counts), ``big_share`` (a Share of ``judged``) and ``score`` (mean points:
    a big difference 2, some 1, little or none 0; "can't say" left out).
    Ordered by ``big_share``, then ``score``, then theme.

    >>> j = pd.DataFrame({"present": [6] * 4 + [2], "theme": ["Pledge", "Pledge", "Signposting", "Signposting", "Pledge"],
    ...                   "impact": ["big", "some", "big", "big", "little"]})
    >>> theme_ratings(j)[["theme", "judged", "big", "score"]].to_dict("records")
    [{'theme': 'Signposting', 'judged': 2, 'big': 2, 'score': 2.0}, {'theme': 'Pledge', 'judged': 2, 'big': 1, 'score': 1.5}]
    """
    columns = ["theme", "judged", "big", "some", "little", "cant_say", "big_share", "score"]
    rows = breakdown_allowed(judgements, min_session) if "present" in judgements.columns else judgements.iloc[0:0]
    rows = rows.loc[rows["impact"].notna()]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    counts = pd.crosstab(rows["theme"], rows["impact"]).reindex(columns=["big", "some", "little", "cant_say"], fill_value=0)
    points = rows["impact"].map(IMPACT_POINTS)
    table = counts.assign(
        judged=counts.sum(axis=1),
        score=points.groupby(rows["theme"]).mean().round(2),
    ).reset_index()
    table["big_share"] = [Share(int(b), int(n)) for b, n in zip(table["big"], table["judged"])]
    table = table.assign(_share=table["big"] / table["judged"]).sort_values(["_share", "score", "theme"], ascending=[False, False, True])
    return table[columns].reset_index(drop=True)


def highest_and_lowest(ratings: pd.DataFrame, min_actions: int = MIN_THEME_ACTIONS) -> tuple[pd.Series | None, pd.Series | None]:
    """The rows of the themes rated highest and lowest (:func:`theme_ratings`), among themes with at least ``min_actions`` judged actions.

    One action judged "a big difference" is not a theme rated highest: such
    themes stay in the themes table, with their counts, but are not ranked.
    None for both when fewer than two themes qualify.

    >>> j = pd.DataFrame({"present": [6] * 7, "theme": ["Pledge"] * 3 + ["Signposting"] * 3 + ["New services"],
    ...                   "impact": ["some", "some", "big", "big", "big", "some", "big"]})
    >>> top, bottom = highest_and_lowest(theme_ratings(j))
    >>> top["theme"], bottom["theme"]
    ('Signposting', 'Pledge')
    >>> highest_and_lowest(theme_ratings(j), min_actions=4)
    (None, None)
    """
    ranked = ratings.loc[ratings["judged"].astype("int64") >= min_actions] if len(ratings) else ratings
    if len(ranked) < 2:
        return None, None
    return ranked.iloc[0], ranked.iloc[-1]


def review_quotes(judgements: pd.DataFrame, overall: pd.DataFrame, min_session: int = MIN_SESSION_SIZE) -> pd.DataFrame:
    """The group's comments as excerpts to quote, attributed to the review, never to a person.

    Comments on single actions come only from sessions of at least
    ``min_session`` people; what a group said overall comes from every
    session. Returns the excerpt columns the quotes module takes (``text,
    method, group, document, respondent, round, consent, theme_label``):
    method ``review`` and group ``Expert Citizens`` give the attribution
    "Expert Citizens review". Pass the result through the codebook's
    publication rules before showing it.

    >>> j = pd.DataFrame({"present": [6, 2], "theme": ["Pledge", "Pledge"], "comment": ["Live up to it", "Only words"], "session": ["2018-06", "2019-02"]})
    >>> o = pd.DataFrame({"text": ["Act on feedback"], "session": ["2019-02"]})
    >>> review_quotes(j, o)[["theme_label", "text"]].to_dict("records")
    [{'theme_label': 'Pledge', 'text': 'Live up to it'}, {'theme_label': 'What the group said overall', 'text': 'Act on feedback'}]
    """
    allowed = breakdown_allowed(judgements, min_session) if "present" in judgements.columns else judgements.iloc[0:0]
    allowed = allowed.loc[allowed["comment"].notna() & (allowed["comment"].astype(str).str.strip() != "")]
    parts = [
        pd.DataFrame(
            {"text": allowed["comment"].astype(str), "theme_label": allowed["theme"].astype(str), "session": allowed["session"].astype(str)}
        ),
        pd.DataFrame({"text": overall["text"].astype(str), "theme_label": OVERALL_THEME, "session": overall["session"].astype(str)}),
    ]
    quotes = pd.concat(parts, ignore_index=True)
    return quotes.assign(
        method="review",
        group="Expert Citizens",
        document="Expert Citizens review " + quotes["session"],
        respondent="Expert Citizens review " + quotes["session"],
        round=quotes["session"],
        consent=True,
    )[["text", "method", "group", "document", "respondent", "round", "consent", "theme_label"]]
