"""Every rendered page of both reports, read as a reader would: counts that agree, whole sentences, no empty tables,
no file names outside the technical details, no sentence or quote said twice."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from pdu_lib.present.quotes import nearly_the_same

REPORTS = ["interim", "final"]
FILE_NAME = re.compile(r"[\w./-]+\.(?:csv|xlsx|xls|qdpx|yml|yaml|txt|docx|ipynb)\b", re.IGNORECASE)
#: Footnotes every page may carry (the caution note) are not sentences of the evaluator's text.
FOOTNOTE_CLASSES = ("pdu-note", "pdu-caution", "pdu-quote-count")


def _pages(out: Path, report: str) -> list[Path]:
    return [out / report / "index.html", *sorted((out / report / "sections").glob("*.html"))]


def _soup(page: Path) -> BeautifulSoup:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for hidden in soup(["script", "style", "template"]):
        hidden.decompose()
    return soup


def _text(soup: BeautifulSoup) -> str:
    return " ".join(soup.get_text(" ").split())


def _outside_details(page: Path) -> str:
    soup = _soup(page)
    for details in soup.find_all("details"):
        details.decompose()
    return _text(soup)


@pytest.mark.parametrize("report", REPORTS)
def test_counts_agree_on_every_page(rendered_sample, report):
    out, _ = rendered_sample
    for page in _pages(out, report):
        text = _text(_soup(page))
        assert not re.search(r"\b(none|one|1) (people|persons)\b", text, re.IGNORECASE), page.name
        assert not re.search(r"\b(?:[02-9]|\d\d+) person\b", text), page.name


@pytest.mark.parametrize("report", REPORTS)
def test_no_label_and_fragment_sentences(rendered_sample, report):
    out, _ = rendered_sample
    for page in _pages(out, report):
        text = _text(_soup(page))
        assert not re.search(r"\bnoted: [a-z]", text), page.name
        assert "With a caution:" not in text, page.name


@pytest.mark.parametrize("report", REPORTS)
def test_no_table_is_a_header_without_rows(rendered_sample, report):
    out, _ = rendered_sample
    for page in _pages(out, report):
        for table in _soup(page).find_all("table"):
            body_rows = [row for row in table.find_all("tr") if row.find("td")]
            caption = table.find("caption")
            assert body_rows, f"{page.name}: empty table {caption.get_text() if caption else ''!r}"


@pytest.mark.parametrize("report", REPORTS)
def test_file_names_appear_only_in_the_technical_details(rendered_sample, report):
    out, _ = rendered_sample
    technical = 0
    for page in _pages(out, report):
        assert FILE_NAME.findall(_outside_details(page)) == [], page.name
        technical += len(FILE_NAME.findall(_text(_soup(page))))
    assert technical, "the technical details still name the input files"


def _sentences(page: Path) -> list[str]:
    main = _soup(page).find("main") or _soup(page)
    found = []
    for block in main.find_all(["p", "li"]):
        if block.find_parent(["blockquote", "table", "details", "nav", "header", "footer"]):
            continue
        if any(c in block.get("class", []) for c in FOOTNOTE_CLASSES) or (block.em and _text(block) == _text(block.em)):
            continue  # footnotes, and the page's subtitle (its report and period)
        text = _text(block)
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
        # the caution note (dagger) and the pages' own hints ("Scroll sideways ... \u2192") are not the evaluator's sentences
        found += [s for s in sentences if len(s.split()) >= 6 and not s.startswith("\u2020") and "\u2192" not in s]
    return found


@pytest.mark.parametrize("report", REPORTS)
def test_no_sentence_is_said_twice_in_a_report(rendered_sample, report):
    out, _ = rendered_sample
    where = defaultdict(list)
    for page in _pages(out, report)[1:]:
        for sentence in _sentences(page):
            where[sentence].append(page.name)
    assert {s: pages for s, pages in where.items() if len(pages) > 1} == {}


@pytest.mark.parametrize("report", REPORTS)
def test_no_quote_is_shown_twice_or_nearly_twice_in_a_report(rendered_sample, report):
    out, _ = rendered_sample
    quotes = []
    for page in _pages(out, report):
        for quote in _soup(page).find_all("blockquote"):
            if quote.footer:
                quote.footer.decompose()
            quotes.append((_text(quote), page.name))
    assert len(quotes) > 20
    repeats = [(a, b) for i, a in enumerate(quotes) for b in quotes[i + 1 :] if nearly_the_same(a[0], b[0])]
    assert repeats == []
