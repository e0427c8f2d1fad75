"""Every number in the reader prose is a figure, a date, or a count shown in a table on the same page.

Reads the rendered section pages of both reports (one render of the sample,
shared with the end-to-end tests). Prose is paragraphs and list items; tables,
charts, quotes and footnotes (the small-base caution note) are not prose. A number passes
when it is the value, numerator or base of a figure of the report's
figures.csv (or a fraction figure as a whole percentage), a year or a day of
a written date, or a number shown in a table on the same page.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from pdu_lib.present import wording

pytestmark = pytest.mark.slow

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
NUMBER = re.compile(r"\d+")
YEAR = re.compile(r"(?:19|20)\d\d")
DAY_OF_DATE = re.compile(rf"\b(\d{{1,2}}) (?:{MONTHS})\b")
# Footnotes (the small-base caution, a table's note) state the workbook's rules, not findings.
NOT_PROSE = ["table", "figure", "blockquote", "script", "style", ".pdu-excerpts", ".pdu-caution", ".pdu-note", "caption"]


def reader_pages(out, report):
    return sorted((out / report / "sections").glob("*.html"))


def figure_numbers(out, report) -> set[str]:
    """Every figure's value, numerator and base, and a fraction's share as a whole percentage (13/36 is also 36%)."""
    figures = pd.read_csv(out / report / "figures.csv", dtype=str)
    numbers = {value for column in ("value", "numerator", "base") for value in figures[column].dropna()}
    shares = figures.dropna(subset=["numerator", "base"])
    return numbers | {str(wording.percent(int(n), int(b))) for n, b in zip(shares["numerator"], shares["base"]) if int(b)}


def prose_and_tables(html: str) -> tuple[list[str], set[str]]:
    soup = BeautifulSoup(html, "html.parser")
    table_numbers = {n for table in soup.find_all("table") for n in NUMBER.findall(table.get_text(" "))}
    for selector in NOT_PROSE:
        for element in soup.select(selector):
            element.decompose()
    texts = [" ".join(el.get_text(" ").split()) for el in soup.find_all(["p", "li"]) if not el.find_parent("li") or el.name == "li"]
    return texts, table_numbers


def untraced_numbers(text: str, allowed: set[str]) -> list[str]:
    dates = set(DAY_OF_DATE.findall(text))
    return [n for n in NUMBER.findall(text) if n not in allowed and n not in dates and not YEAR.fullmatch(n)]


@pytest.mark.parametrize("report", ["interim", "final"])
def test_every_number_in_the_reader_prose_traces_to_a_figure_a_date_or_a_table(rendered_sample, report):
    out, results = rendered_sample
    assert all(r.ok for r in results)
    figures = figure_numbers(out, report)
    checked, untraced = 0, {}
    for page in reader_pages(out, report):
        texts, table_numbers = prose_and_tables(page.read_text(encoding="utf-8"))
        for text in texts:
            checked += len(NUMBER.findall(text))
            bad = untraced_numbers(text, figures | table_numbers)
            if bad:
                untraced.setdefault(page.name, []).append((bad, text[:160]))
    assert checked > 50  # the prose does quote numbers: the check has something to check
    assert untraced == {}


def test_the_check_catches_a_typed_number():
    texts, tables = prose_and_tables("<p>We ran 19 events for 4,712 people in 2018.</p><table><tr><td>19</td></tr></table>")
    assert untraced_numbers(texts[0], tables) == ["4", "712"]


@pytest.mark.parametrize("report", ["interim", "final"])
def test_reader_pages_show_no_figure_id(rendered_sample, report):
    out, _ = rendered_sample
    ids = pd.read_csv(out / report / "figures.csv", dtype=str)["figure_id"]
    ids = ids[ids.str.contains("_")]  # an id that is an ordinary word ("attendances") is a word on the page
    assert len(ids) > 20
    for page in reader_pages(out, report):
        text = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").get_text(" ")
        shown = [figure_id for figure_id in ids if re.search(rf"\b{re.escape(figure_id)}\b", text)]
        assert shown == [], page.name


def test_the_final_report_has_every_part_of_the_evaluators_report(rendered_sample):
    out, _ = rendered_sample
    text = {
        report: " ".join(BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser").get_text(" ") for p in reader_pages(out, report))
        for report in ("interim", "final")
    }
    for part in (
        "Introduction",
        "Summary of key findings",
        "The Expert Citizens' view",
        "Examples of changes at work",
        "Next steps",
        "figures and where they come from",
    ):
        assert part in text["final"] and part in text["interim"], part
    # The Steering Group's next steps come from its interviews in January 2019: the interim (to June 2018) has none.
    for part in ("Strategic influence", "Sustainability", "Issues arising from the evaluation", "Conclusions"):
        assert part in text["final"] and part not in text["interim"], part


PERCENT_WITH_BASE = re.compile(r"\d+%(?:, | \()\d+ of \d+")


@pytest.mark.parametrize("report", ["interim", "final"])
def test_every_percentage_in_the_reader_prose_carries_its_base(rendered_sample, report):
    out, _ = rendered_sample
    missing = []
    for page in reader_pages(out, report):
        texts, _ = prose_and_tables(page.read_text(encoding="utf-8"))
        for text in texts:
            for match in re.finditer(r"\d+%", text):
                if not PERCENT_WITH_BASE.match(text, match.start()):
                    missing.append((page.name, text[match.start() : match.start() + 40]))
    assert missing == []


@pytest.mark.parametrize("report", ["interim", "final"])
def test_every_static_chart_is_titled_with_a_sentence(rendered_sample, report):
    out, _ = rendered_sample
    titles = [
        img.get("alt", "")
        for page in reader_pages(out, report)
        for img in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select("figure.pdu-chart img")
    ]
    assert titles
    for title in titles:
        assert len(title.split()) >= 5 and title[:1].isupper(), title
