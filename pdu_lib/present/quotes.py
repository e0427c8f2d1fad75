"""What may be published of the coded excerpts, and how a quote is shown: consent, redaction, attribution, escaped HTML."""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

import pandas as pd

from pdu_lib.analysis.themes import excerpts_for_section  # noqa: F401  (re-exported for callers)
from pdu_lib.inputs.codebook import STANCES, Codebook
from pdu_lib.inputs.excerpts import SURVEY_METHODS, _normalise
from pdu_lib.inputs.tables import cell_text, header_key
from pdu_lib.present.escape import escape_for_markdown

ORGANISATION_PLACEHOLDER = "[organisation]"

_TITLE_NAME = re.compile(r"(?<![\w])(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-z'’-]+")
_ORG_SUFFIXES = (
    "Trust", "Society", "Council", "Centre", "Center", "Association", "Foundation", "Agency",
    "Charity", "Partnership", "Ltd", "Limited", "CIC", "Church",
)
_ORG_HEURISTIC = re.compile(
    r"(?<![\w\[])((?:[A-Z][\w'’&-]*\s+){1,5}(?:" + "|".join(_ORG_SUFFIXES) + r"))(?![\w])"
)
_NOT_ORG_WORDS = {
    "the", "our", "my", "their", "his", "her", "a", "an", "this", "that", "at", "in", "from", "with",
    "and", "but", "so", "we", "i", "they", "of", "for", "to", "by", "on", "as", "when", "if", "local",
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


def attribution(row: Mapping[str, Any]) -> str:
    """A neutral attribution for a quote: the method and the respondent group, never the person.

    >>> attribution({"method": "interview", "group": "participant"})
    'interview, participant'
    >>> attribution({"method": "follow-up survey", "group": "participant"})
    'follow-up survey'
    >>> attribution({"method": "review", "group": "Expert Citizens"})
    'Expert Citizens review'
    """
    method = cell_text(row.get("method") if hasattr(row, "get") else row["method"])
    group = cell_text(row.get("group") if hasattr(row, "get") else row["group"])
    if method == "review":
        return "Expert Citizens review" if group == "Expert Citizens" else f"review, {group}"
    if method in SURVEY_METHODS:
        return method if group in ("", "participant") else f"{method}, {group}"
    return f"{method}, {group}" if group else method


def _paragraphs(text: str) -> str:
    parts = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join("<p>" + "<br>".join(escape_for_markdown(line) for line in part.splitlines()) + "</p>" for part in parts)


def render_excerpts_html(excerpts: pd.DataFrame, by_theme: bool = True) -> str:
    """Quotes as HTML blockquotes with their attributions, all text escaped.

    Pass :func:`publishable` output: a row without consent is refused. Text
    that looks like HTML or markdown in an excerpt is shown as text, never
    executed or formatted. With ``by_theme``, quotes are grouped under their
    theme's label; the same quote coded twice within a theme is shown once.

    >>> rows = pd.DataFrame({"text": ["<b>bold</b> *claim*"], "method": ["interview"], "group": ["participant"], "consent": [True]})
    >>> render_excerpts_html(rows, by_theme=False)
    '<div class="pdu-excerpts tex2jax_ignore"><blockquote class="pdu-excerpt"><p>&lt;b&gt;bold&lt;/b&gt; &#42;claim&#42;</p><footer>&#8212; interview, participant</footer></blockquote></div>'
    """
    if "consent" in excerpts.columns and not excerpts["consent"].astype(bool).all():
        raise ValueError("render_excerpts_html was given excerpts without consent: pass publishable(excerpts, codebook)")
    if excerpts.empty:
        return '<div class="pdu-excerpts tex2jax_ignore"><p class="pdu-no-excerpts">No excerpts may be quoted here.</p></div>'
    label = "theme_label" if "theme_label" in excerpts.columns else ("theme" if "theme" in excerpts.columns else None)
    groups = [(None, excerpts)] if not by_theme or label is None else [
        (theme, excerpts[excerpts[label] == theme]) for theme in dict.fromkeys(excerpts[label])
    ]
    out = ['<div class="pdu-excerpts tex2jax_ignore">']
    for theme, rows in groups:
        if theme is not None:
            out.append(f'<section class="pdu-theme"><h4>{escape_for_markdown(cell_text(theme))}</h4>')
        seen = set()
        for row in rows.to_dict("records"):
            key = (cell_text(row.get("document")), _normalise(str(row["text"])))
            if key in seen:
                continue
            seen.add(key)
            stance = cell_text(row.get("stance"))
            css = "pdu-excerpt" + (f" pdu-{stance}" if stance in STANCES else "")
            out.append(f'<blockquote class="{css}">{_paragraphs(str(row["text"]))}'
                       f"<footer>&#8212; {escape_for_markdown(attribution(row))}</footer></blockquote>")
        if theme is not None:
            out.append("</section>")
    out.append("</div>")
    return "".join(out)
