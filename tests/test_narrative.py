"""Section content: runs for either report, and every percentage in the prose carries its base."""

import re

import pytest

from pdu_lib.present import narrative
from pdu_lib.present.prose import Prose

SECTION_FUNCTIONS = [
    "sources", "response_rate_section", "attendance_overview", "sector_and_focus", "communities_of_practice",
    "how_people_heard", "online_hub", "understanding_and_awareness", "sharing", "diversity", "links", "involvement",
    "changes", "outcomes", "effectiveness", "row_accounting", "response_rate_chart", "people_linking",
    "unmapped_questions", "consistency_checks",
]
# A percentage followed, inside its parentheses or cell, by "N of M" (or the table's base column).
PERCENT_WITH_BASE = re.compile(r"\d+%(?:, | \()\d+ of \d+")


@pytest.fixture(scope="module", params=["interim", "final"])
def pieces(request):
    ds, view = narrative.setup(request.param, None, None, True, False)
    return {name: getattr(narrative, name)(ds, view) for name in SECTION_FUNCTIONS}


def _texts(items):
    return [item.text for item in items if isinstance(item, Prose) and "<table" not in item.html]


def test_every_section_function_returns_something_to_show(pieces):
    for name, items in pieces.items():
        assert items, name


def test_every_percentage_in_the_prose_carries_its_base(pieces):
    for name, items in pieces.items():
        for text in _texts(items):
            for match in re.finditer(r"\d+%", text):
                following = text[match.start() : match.start() + 30]
                assert PERCENT_WITH_BASE.match(following), f"{name}: {following!r} in {text!r}"


def test_a_base_under_30_in_the_prose_brings_the_caution_note(pieces):
    for name, items in pieces.items():
        texts = _texts(items)
        if any("\u2020" in t and "base of that percentage is under 30" not in t for t in texts):
            assert any("base of that percentage is under 30" in t for t in texts), name


def test_charts_are_titled_with_a_sentence_not_a_label(pieces):
    titles = [item.title for items in pieces.values() for item in items if isinstance(item, narrative.StaticChart)]
    assert titles
    for title in titles:
        assert len(title.split()) >= 5 and title[0].isupper(), title


def test_headline_words_follow_the_number():
    from pdu_lib.analysis.metrics import Share

    assert narrative.headline(Share(36, 75), "said so") == "Just under half said so"
    assert narrative.headline(Share(29, 29), "said so") == "All said so"


def test_sections_still_render_from_a_data_folder_without_qualitative_evidence(sample_copy):
    import shutil

    from pdu_lib.inputs.dataset import _load

    (sample_copy / "codebook.yml").unlink()
    shutil.rmtree(sample_copy / "excerpts")
    ds = _load(sample_copy, "final")
    view = narrative.View(report_mode=True)
    assert ds.excerpts is None
    for name in SECTION_FUNCTIONS:
        assert getattr(narrative, name)(ds, view), name
    [only] = narrative.evidence(ds, view, "links")
    assert "No coded qualitative excerpts" in only.text
