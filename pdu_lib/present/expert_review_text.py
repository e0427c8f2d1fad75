"""The Expert Citizens' judgements as readers see them: the themes table and their comments as quotes."""

from __future__ import annotations

import pandas as pd

from pdu_lib.analysis import expert_review
from pdu_lib.inputs.expert_citizens import IMPACT_SCALE
from pdu_lib.present import quotes, wording


def theme_ratings_table(judged: pd.DataFrame | None) -> pd.DataFrame:
    """Themes as the Expert Citizens rated their actions, highest first, with reader headings (no codes, no ids).

    ``judged`` is ``figures.reviewed_actions(ds)``; sessions of fewer than
    three people are left out (see :func:`expert_review.theme_ratings`).

    >>> j = pd.DataFrame({"present": [6, 6, 6], "theme": ["Pledge", "Signposting", "Signposting"], "impact": ["some", "big", "big"]})
    >>> theme_ratings_table(j).to_dict("records")[0]
    {'Theme': 'Signposting', 'Actions judged': 2, 'A big difference': '2 of 2', 'Some difference': 0, 'Little or no difference': 0, "Can't say": 0}
    """
    ratings = (
        expert_review.theme_ratings(judged)
        if judged is not None
        else expert_review.theme_ratings(pd.DataFrame(columns=["present", "theme", "impact"]))
    )
    table = pd.DataFrame(
        {
            "Theme": ratings["theme"],
            "Actions judged": ratings["judged"],
            IMPACT_SCALE["big"]: ratings["big_share"].map(lambda share: wording.format_percent(share.numerator, share.base)),
            IMPACT_SCALE["some"]: ratings["some"],
            IMPACT_SCALE["little"]: ratings["little"],
            IMPACT_SCALE["cant_say"]: ratings["cant_say"],
        }
    )
    return table.reset_index(drop=True)


def review_quotes_html(judged: pd.DataFrame | None, overall: pd.DataFrame | None, codebook) -> str:
    """The Expert Citizens' comments as escaped HTML quotes, attributed "Expert Citizens review", under the publication rules.

    Comments on single actions come only from sessions of three or more.
    With no completed pack or no codebook there is nothing that may be quoted.
    """
    if judged is None or overall is None or codebook is None:
        return quotes.render_excerpts_html(pd.DataFrame(columns=["text", "method", "group", "consent"]))
    return quotes.render_excerpts_html(quotes.publishable(expert_review.review_quotes(judged, overall), codebook))
