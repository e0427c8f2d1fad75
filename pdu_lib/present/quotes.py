"""What may be published of the coded excerpts, and how a quote is shown: consent, redaction, attribution, escaped HTML."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from pdu_lib import config
from pdu_lib.analysis.themes import (
    MIN_GROUP_SIZE,
    excerpts_for_section,
    safe_group_labels,
    theme_table,
)
from pdu_lib.inputs.codebook import STANCES, Codebook
from pdu_lib.inputs.excerpts import DO_NOT_QUOTE, METHOD_ONLY, SURVEY_METHODS, _normalise
from pdu_lib.inputs.tables import cell_text, header_key
from pdu_lib.present import wording
from pdu_lib.present.escape import escape_for_markdown

ORGANISATION_PLACEHOLDER = "[organisation]"
DEFAULT_PER_THEME = 3  # quotes shown per theme

_TITLE_NAME = re.compile(r"(?<![\w])(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-z'’-]+")
_ORG_SUFFIXES = (
    "Trust",
    "Society",
    "Council",
    "Centre",
    "Center",
    "Association",
    "Foundation",
    "Agency",
    "Charity",
    "Partnership",
    "Ltd",
    "Limited",
    "CIC",
    "Church",
)
_ORG_HEURISTIC = re.compile(r"(?<![\w\[])((?:[A-Z][\w'’&-]*\s+){1,5}(?:" + "|".join(_ORG_SUFFIXES) + r"))(?![\w])")
_NOT_ORG_WORDS = {
    "the",
    "our",
    "my",
    "their",
    "his",
    "her",
    "a",
    "an",
    "this",
    "that",
    "at",
    "in",
    "from",
    "with",
    "and",
    "but",
    "so",
    "we",
    "i",
    "they",
    "of",
    "for",
    "to",
    "by",
    "on",
    "as",
    "when",
    "if",
    "local",
}


# --------------------------------------------------------------------------- pure functions


def _phrase(text: str) -> re.Pattern:
    return re.compile(r"(?<![\w])" + r"\s+".join(re.escape(p) for p in text.split()) + r"(?![\w])", re.IGNORECASE)


def _names_found(text: str, names: Iterable[str]) -> bool:
    """A listed first name written as a name (capital first letter, a whole word), or a title and surname."""
    if _TITLE_NAME.search(text):
        return True
    single = {n.casefold() for n in names if len(n.split()) == 1}
    for match in re.finditer(r"[^\W\d_]+", text):
        word = match.group(0)
        if word[0].isupper() and word.casefold() in single:
            return True
    for name in names:
        if len(name.split()) > 1:
            for match in _phrase(name).finditer(text):
                if match.group(0)[0].isupper():
                    return True
    return False


def redact_organisations(text: str, codebook: Codebook, organisations: Iterable[str] = ()) -> str:
    """Replace names of organisations the codebook does not allow with ``[organisation]``.

    Organisations are those the codebook lists (``organisations``), any
    passed in, and any run of capitalised words ending in an organisation
    word (Trust, Society, Council, Centre, Association, Foundation, Agency,
    Charity, Partnership, Ltd, Limited, CIC, Church).

    >>> book = Codebook(themes=pd.DataFrame(), organisations=("Eastfield Hub",), allowed_organisations=("Opportunity Nottingham",))
    >>> redact_organisations("Eastfield Hub, the Larkspur Housing Trust and Opportunity Nottingham came.", book)
    '[organisation], the [organisation] and Opportunity Nottingham came.'
    """
    allowed = {header_key(a) for a in codebook.allowed_organisations}
    known = sorted({o for o in (*codebook.organisations, *organisations) if o and header_key(o) not in allowed}, key=len, reverse=True)
    for organisation in known:
        text = _phrase(organisation).sub(ORGANISATION_PLACEHOLDER, text)

    def heuristic(match: re.Match) -> str:
        words = match.group(1).split()
        while words[:-1] and words[0].casefold() in _NOT_ORG_WORDS:
            words = words[1:]
        if len(words) < 2:
            return match.group(0)
        candidate = " ".join(words)
        if header_key(candidate) in allowed or any(header_key(candidate) in a or a in header_key(candidate) for a in allowed if a):
            return match.group(0)
        kept = match.group(1)[: match.group(1).index(words[0])]
        return kept + ORGANISATION_PLACEHOLDER

    return _ORG_HEURISTIC.sub(heuristic, text)


def publication_review(excerpts: pd.DataFrame, codebook: Codebook, organisations: Iterable[str] = ()) -> pd.DataFrame:
    """Every excerpt with ``publishable`` (bool), ``withheld_reason`` and ``text`` as it may be published.

    The reason never repeats the name or text that withheld a quote, so the
    review can be shown in the data-quality appendix.
    """
    organisations = tuple(organisations)
    review = excerpts.copy()
    reasons, texts = [], []
    for row in excerpts.itertuples(index=False):
        text = str(row.text)
        if not bool(row.consent):
            reason = "no consent to quote this source"
        elif getattr(row, "disclosure", "") == DO_NOT_QUOTE:
            reason = "its source is not to be quoted: what it says would identify the speaker"
        elif _names_found(text, codebook.names):
            reason = "names a person"
        elif any(_phrase(p).search(text) for p in codebook.withhold_text):
            reason = "contains text the codebook withholds"
        else:
            reason = ""
        reasons.append(reason)
        texts.append(redact_organisations(text, codebook, organisations) if not reason else "")
    review["text"] = texts
    review["publishable"] = [not r for r in reasons]
    review["withheld_reason"] = reasons
    return review


def publishable(excerpts: pd.DataFrame, codebook: Codebook, organisations: Iterable[str] = ()) -> pd.DataFrame:
    """The excerpts that may be quoted, with organisation names the codebook does not allow replaced.

    A quote is published only when its source consented, it carries no name
    of a person (a first name of ``names_to_redact.txt`` written as a name, or
    a title and surname such as "Mrs Okafor") and none of the codebook's
    ``withhold_text``. See :func:`publication_review` for the reasons.

    >>> book = Codebook(themes=pd.DataFrame(), allowed_organisations=(), names=("Sam",))
    >>> rows = pd.DataFrame({"text": ["Sam helped us", "It helped us", "It helped"], "consent": [True, True, False]})
    >>> publishable(rows, book)["text"].tolist()
    ['It helped us']
    """
    review = publication_review(excerpts, codebook, organisations)
    return review.loc[review["publishable"], list(excerpts.columns)].reset_index(drop=True)


def attribution(row: Mapping[str, Any], group_labels: Mapping[str, str] | None = None) -> str:
    """A neutral attribution for a quote: the method and the respondent group, never the person.

    With ``group_labels`` (from :func:`pdu_lib.analysis.themes.safe_group_labels`)
    the group is shown as it may be named: a wider group, or none at all, for
    a group too small to name.

    >>> attribution({"method": "interview", "group": "participant"})
    'interview, participant'
    >>> attribution({"method": "interview", "group": "co-ordinator"}, {"co-ordinator": "PDU staff or Steering Group"})
    'interview, PDU staff or Steering Group'
    >>> attribution({"method": "interview", "group": "co-ordinator"}, {"co-ordinator": ""})
    'interview'
    >>> attribution({"method": "follow-up survey", "group": "participant"})
    'follow-up survey'
    >>> attribution({"method": "review", "group": "Expert Citizens"})
    'Expert Citizens review'
    >>> attribution({"method": "interview", "group": "facilitator", "disclosure": "method only"})
    'interview'
    """
    method = cell_text(row.get("method") if hasattr(row, "get") else row["method"])
    group = cell_text(row.get("group") if hasattr(row, "get") else row["group"])
    if cell_text(row.get("disclosure") if hasattr(row, "get") else None) == METHOD_ONLY:
        return method
    if method == "review":
        return "Expert Citizens review" if group == "Expert Citizens" else f"review, {group}"
    if group_labels is not None:
        group = group_labels.get(group, "")
    if method in SURVEY_METHODS:
        return method if group in ("", "participant") else f"{method}, {group}"
    return f"{method}, {group}" if group else method


# Answers that say nothing yet: counted, never quoted.
_NON_ANSWER = re.compile(
    r"(?:n/?a|none( yet| so far)?|no|nothing( yet| so far| specific( yet| so far)?| to (say|report)( yet)?)?|not (yet|sure|really)"
    r"|too (early|soon)( to (say|tell))?|(i )?don'?t know|no comment|not applicable|-+|\.+|\?+)"
)


def is_non_answer(text: object) -> bool:
    """True for an answer that gives no view: "Not yet.", "Too early to say.", "N/A".

    >>> [is_non_answer(t) for t in ["Not yet.", "Too early to say.", "Nothing specific so far.", "Not yet, but I have asked."]]
    [True, True, True, False]
    """
    words = re.sub(r"[^\w/' -]+", " ", str(text).casefold().replace("’", "'")).split()
    return bool(_NON_ANSWER.fullmatch(" ".join(words))) if words else True


_STANCE_ORDER = {stance: i for i, stance in enumerate(("critical", "positive", "mixed", "neutral"))}


def curate(excerpts: pd.DataFrame, per_theme: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The quotes to show for each theme, and what each theme holds beyond them.

    Per theme: duplicate texts (after spacing is normalised) are kept once;
    answers that give no view (:func:`is_non_answer`) are counted, not
    quoted; then at most ``per_theme`` quotes are chosen, deterministically,
    taking the stances in turn (critical, positive, mixed, neutral) so that
    views that disagree stay visible, preferring within a stance a
    respondent not yet quoted, and otherwise keeping the input order.

    Returns ``(chosen, counts)``: the chosen rows (input columns, theme
    order, then the order they were chosen in) and per theme ``theme``,
    ``quotes`` (distinct quotable texts), ``shown``, ``non_answers``.

    >>> rows = pd.DataFrame({"theme_label": ["T"] * 6, "respondent": ["A", "A", "B", "C", "D", "E"],
    ...     "stance": ["positive", "positive", "positive", "critical", "positive", "neutral"],
    ...     "text": ["Good.", "Good.", "Helpful.", "Too long.", "Useful.", "Not yet."]})
    >>> chosen, counts = curate(rows, per_theme=2)
    >>> chosen["text"].tolist(), counts.to_dict("records")
    (['Too long.', 'Good.'], [{'theme': 'T', 'quotes': 4, 'shown': 2, 'non_answers': 1}])
    """
    label = "theme_label" if "theme_label" in excerpts.columns else ("theme" if "theme" in excerpts.columns else None)
    if per_theme < 0:
        raise ValueError("per_theme must be 0 or more")
    frame = excerpts.reset_index(drop=True)
    themes_of = frame[label].map(cell_text) if label else pd.Series("", index=frame.index)
    texts = frame["text"].map(lambda t: _normalise(str(t)).casefold())
    non_answer = frame["text"].map(is_non_answer)
    chosen_index: list[int] = []
    counts = []
    for theme in dict.fromkeys(themes_of):
        in_theme = frame.loc[themes_of == theme]
        non_answers = int(non_answer[in_theme.index].sum())
        candidates = in_theme.loc[~non_answer[in_theme.index] & ~texts[in_theme.index].duplicated()]
        stances = candidates["stance"].map(cell_text) if "stance" in candidates.columns else pd.Series("", index=candidates.index)
        queues = {
            s: list(candidates.index[stances == s])
            for s in sorted(dict.fromkeys(stances), key=lambda s: _STANCE_ORDER.get(s, len(_STANCE_ORDER)))
        }
        picked: list[int] = []
        quoted: set[str] = set()
        while len(picked) < per_theme and any(queues.values()):
            for queue in queues.values():
                if not queue or len(picked) >= per_theme:
                    continue
                fresh = [i for i in queue if cell_text(frame.at[i, "respondent"]) not in quoted] if "respondent" in frame.columns else queue
                take = (fresh or queue)[0]
                queue.remove(take)
                picked.append(take)
                if "respondent" in frame.columns:
                    quoted.add(cell_text(frame.at[take, "respondent"]))
        chosen_index += picked
        counts.append({"theme": theme, "quotes": len(candidates), "shown": len(picked), "non_answers": non_answers})
    chosen = frame.loc[chosen_index].reset_index(drop=True)
    return chosen, pd.DataFrame(counts, columns=["theme", "quotes", "shown", "non_answers"])


#: Two quotes whose words agree this closely (difflib's ratio, on lower-case words) are the same quote, shown once.
NEAR_IDENTICAL = 0.85


def _words(text: object) -> str:
    return " ".join(re.findall(r"[\w']+", str(text).casefold().replace("\u2019", "'")))


def nearly_the_same(a: object, b: object, threshold: float = NEAR_IDENTICAL) -> bool:
    """True when two quotes say the same in nearly the same words (punctuation, case and spacing aside).

    >>> nearly_the_same("Just more of the same, please!", "just more of the same please")
    True
    >>> nearly_the_same("It helped me refer people on.", "It did not help at all.")
    False
    """
    x, y = _words(a), _words(b)
    return x == y or difflib.SequenceMatcher(None, x, y, autojunk=False).ratio() >= threshold


def without_repeats(excerpts: pd.DataFrame, shown_before: Iterable[str] = ()) -> pd.DataFrame:
    """``excerpts`` without a quote nearly the same as one in ``shown_before`` or as an earlier row (the first is kept).

    >>> rows = pd.DataFrame({"text": ["Time builds trust.", "time builds trust", "Fewer posters."]})
    >>> without_repeats(rows, ["Fewer posters!"])["text"].tolist()
    ['Time builds trust.']
    """
    kept: list[str] = [str(t) for t in shown_before]
    keep = []
    for text in excerpts["text"].astype(str):
        repeat = any(nearly_the_same(text, other) for other in kept)
        keep.append(not repeat)
        if not repeat:
            kept.append(text)
    return excerpts.loc[keep]


def texts_of_earlier_sections(published: pd.DataFrame, section: str) -> list[str]:
    """The texts of the publishable excerpts of every section before ``section`` in the report: a quote's home is its first section.

    ``published`` is :func:`publishable` of the period's excerpts. A quote
    coded to themes of two sections is shown in the earlier one only.
    """
    order = [s.key for s in config.SECTIONS]
    if section not in order or "section" not in published.columns:
        return []
    earlier = set(order[: order.index(section)])
    return published.loc[published["section"].isin(earlier), "text"].astype(str).tolist()


def _paragraphs(text: str) -> str:
    parts = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join("<p>" + "<br>".join(escape_for_markdown(line) for line in part.splitlines()) + "</p>" for part in parts)


def _not_quoted_note(row: Mapping[str, Any]) -> str:
    parts = []
    more = int(row["quotes"]) - int(row["shown"])
    if more > 0:
        parts.append(f"{more} more {'quote' if more == 1 else 'quotes'} on this theme not shown")
    if int(row["non_answers"]):
        n = int(row["non_answers"])
        parts.append(
            f"{n} {'answer' if n == 1 else 'answers'} that gave no view yet (such as &#8220;not yet&#8221;), counted but not quoted"
        )
    return f'<p class="pdu-quote-count">{"; ".join(parts)}.</p>' if parts else ""


def render_excerpts_html(
    excerpts: pd.DataFrame,
    by_theme: bool = True,
    per_theme: int | None = DEFAULT_PER_THEME,
    group_labels: Mapping[str, str] | None = None,
) -> str:
    """Quotes as HTML blockquotes with their attributions, all text escaped.

    Pass :func:`publishable` output: a row without consent is refused. Text
    that looks like HTML or markdown in an excerpt is shown as text, never
    executed or formatted. With ``by_theme``, quotes are grouped under their
    theme's label and curated by :func:`curate` (at most ``per_theme`` per
    theme, duplicates once, non-answers counted not quoted); ``per_theme=None``
    shows every distinct quotable text.

    Groups are named only as ``group_labels`` allow (see
    :func:`pdu_lib.analysis.themes.safe_group_labels`; pass the labels worked
    out from every excerpt of the period). Without them the labels are worked
    out from ``excerpts`` itself, which can only name fewer groups, never more.

    >>> rows = pd.DataFrame({"text": ["<b>bold</b> *claim*"], "method": ["interview"], "group": ["participant"], "consent": [True]})
    >>> render_excerpts_html(rows, by_theme=False, group_labels={"participant": "participant"})
    '<div class="pdu-excerpts tex2jax_ignore"><blockquote class="pdu-excerpt"><p>&lt;b&gt;bold&lt;/b&gt; &#42;claim&#42;</p><footer>&#8212; interview, participant</footer></blockquote></div>'
    """
    if "consent" in excerpts.columns and not excerpts["consent"].astype(bool).all():
        raise ValueError("render_excerpts_html was given excerpts without consent: pass publishable(excerpts, codebook)")
    if excerpts.empty:
        return '<div class="pdu-excerpts tex2jax_ignore"><p class="pdu-no-excerpts">No excerpts may be quoted here.</p></div>'
    if group_labels is None:
        group_labels = safe_group_labels(excerpts)
    label = "theme_label" if "theme_label" in excerpts.columns else ("theme" if "theme" in excerpts.columns else None)
    if not by_theme or label is None:
        chosen, counts = curate(excerpts.assign(_all=""), per_theme if per_theme is not None else len(excerpts))
        groups = [(None, chosen, None)]
    else:
        chosen, counts = curate(excerpts, per_theme if per_theme is not None else len(excerpts))
        of_theme = chosen[label].map(cell_text)
        groups = [(row["theme"], chosen[of_theme == row["theme"]], row) for row in counts.to_dict("records")]
    out = ['<div class="pdu-excerpts tex2jax_ignore">']
    for theme, rows, count in groups:
        if theme is not None:
            out.append(f'<section class="pdu-theme"><h4>{escape_for_markdown(cell_text(theme))}</h4>')
        for row in rows.to_dict("records"):
            stance = cell_text(row.get("stance"))
            css = "pdu-excerpt" + (f" pdu-{stance}" if stance in STANCES else "")
            out.append(
                f'<blockquote class="{css}">{_paragraphs(str(row["text"]))}'
                f"<footer>&#8212; {escape_for_markdown(attribution(row, group_labels))}</footer></blockquote>"
            )
        if count is not None:
            out.append(_not_quoted_note(count))
        if theme is not None:
            out.append("</section>")
    out.append("</div>")
    return "".join(out)


def section_quotes_html(excerpts: pd.DataFrame, codebook: Codebook, section: str, per_theme: int = DEFAULT_PER_THEME) -> str:
    """The quotes of one report section as escaped HTML, ready for the page.

    ``excerpts`` is every coded excerpt of the period (``Dataset.excerpts``):
    only publishable ones are quoted (:func:`publishable`), at most
    ``per_theme`` per theme (:func:`curate`), and each is attributed to a
    group only when at least 3 people of that group gave evidence in the
    period (:func:`pdu_lib.analysis.themes.safe_group_labels`).
    """
    labels = safe_group_labels(excerpts)
    in_section = excerpts_for_section(publishable(excerpts, codebook), section)
    return render_excerpts_html(in_section, per_theme=per_theme, group_labels=labels)


def theme_table_shown(excerpts: pd.DataFrame, section: str) -> pd.DataFrame:
    """The section's theme table for readers: Theme, Respondent group, Number (people or reviews).

    Groups are named only when safe (:func:`pdu_lib.analysis.themes.theme_table`);
    group reviews are counted as reviews, not people.

    >>> rows = pd.DataFrame({"section": ["links"] * 2, "theme_label": ["New contacts"] * 2, "method": ["interview", "review"],
    ...     "respondent": ["R1", "EC1"], "group": ["participant", "Expert Citizens"]})
    >>> theme_table_shown(pd.concat([rows, rows.assign(respondent=["R2", "EC1"]), rows.assign(respondent=["R3", "EC1"])]), "links").values.tolist()
    [['New contacts', 'participant', '3 people'], ['New contacts', 'Expert Citizens', '1 review']]
    """
    table = theme_table(excerpts, section)

    def number(people, unit, suppressed) -> str:
        n = int(people)
        if suppressed or (unit == "people" and n < MIN_GROUP_SIZE):
            return f"fewer than {MIN_GROUP_SIZE}"
        return wording.count_phrase(n, "person" if unit == "people" else "review", digits=True)

    return pd.DataFrame(
        {
            "Theme": table["theme"],
            "Respondent group": table["group"],
            "Number": [number(p, u, s) for p, u, s in zip(table["people"], table["unit"], table["suppressed"])],
        }
    )
