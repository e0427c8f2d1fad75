"""Prose from data renders as text: hostile values never become markup."""

from __future__ import annotations

from html.parser import HTMLParser

import jinja2
import pandas as pd
import pytest

from pdu_lib.present import wording
from pdu_lib.present.prose import (
    Prose,
    bullet_list,
    caution_if_marked,
    escape,
    note,
    paragraph,
    sentence,
    table_html,
)

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "**bold** _em_ `code` <!-- hidden -->",
    "</p><script>alert(1)</script><p>",
    "\"'><svg onload=alert(1)>",
    "&lt;script&gt; already escaped?",
    "{other} {0} {__class__}",
    "nul\x00byte and \x1b[31m escape",
]

ALLOWED_TAGS = {"p", "ul", "li", "table", "caption", "thead", "tbody", "tr", "th", "td"}
ALLOWED_ATTRIBUTES = {"class", "style", "role", "border"}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.comments: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_data(self, data):
        self.text += data


def elements(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


def assert_only_our_markup(html: str) -> _Elements:
    found = elements(html)
    for tag, attrs in found.tags:
        assert tag in ALLOWED_TAGS, f"unexpected element <{tag}> in {html!r}"
        for name, _value in attrs:
            assert name in ALLOWED_ATTRIBUTES, f"unexpected attribute {name!r} on <{tag}>"
    assert not found.comments, f"a comment came through: {found.comments}"
    return found


@pytest.mark.parametrize("hostile", HOSTILE)
def test_sentence_values_render_as_text(hostile):
    piece = sentence("They said {answer} at {event}.", answer=hostile, event=hostile)
    for html in (piece.html, piece._repr_html_()):
        found = assert_only_our_markup(html)
        clean = hostile.replace("\x00", "").replace("\x1b", "")
        assert found.text == f"They said {clean} at {clean}."


@pytest.mark.parametrize("hostile", HOSTILE)
def test_blocks_render_hostile_values_as_text(hostile):
    pieces = [
        paragraph(sentence("{x} said so.", x=hostile), hostile),
        bullet_list([hostile, sentence("{x}", x=hostile)]),
        note(hostile),
        Prose(hostile),
        escape(hostile),
    ]
    for piece in pieces:
        found = assert_only_our_markup(piece._repr_html_())
        assert hostile.replace("\x00", "").replace("\x1b", "") in found.text


def test_escaping_is_not_doubled_when_prose_goes_into_prose():
    inner = sentence("{org}", org="A & B")
    outer = paragraph(sentence("{inner} came.", inner=inner), inner)
    assert outer.html == '<p class="pdu-prose">A &amp; B came. A &amp; B</p>'
    assert outer.text == "A & B came. A & B"


def test_template_text_is_text_too():
    assert sentence("Q&A with {who} <and friends>", who="us").html == "Q&amp;A with us &lt;and friends&gt;"


def test_a_value_holding_a_placeholder_is_not_filled_again():
    piece = sentence("{a} and {b}", a="{b}", b="B")
    assert piece.text == "{b} and B"


def test_format_specs_and_conversions_apply_before_escaping():
    assert sentence("{n:,} attendances", n=12345).text == "12,345 attendances"
    assert sentence("{x!r}", x="<a>").html == "&#39;&lt;a&gt;&#39;"


@pytest.mark.parametrize(
    ("template", "values", "message"),
    [
        ("{missing} here", {}, "no value"),
        ("{a}", {"a": 1, "b": 2}, "not used"),
        ("{a.__class__}", {"a": 1}, "plain name"),
        ("{a[0]}", {"a": [1]}, "plain name"),
        ("{}", {}, "plain name"),
        ("{a:{b}}", {"a": 1, "b": 2}, "nested"),
    ],
)
def test_sentence_refuses_bad_templates(template, values, message):
    with pytest.raises(ValueError, match=message):
        sentence(template, **values)


def test_a_block_cannot_go_inside_a_sentence():
    with pytest.raises(ValueError):
        sentence("{x}", x=paragraph("a"))
    with pytest.raises(ValueError):
        paragraph(note("a"))


def test_inline_prose_shows_as_a_paragraph_and_blocks_as_themselves():
    assert sentence("Hello.")._repr_html_() == '<p class="pdu-prose">Hello.</p>'
    assert bullet_list(["a"])._repr_html_() == '<ul class="pdu-list"><li>a</li></ul>'
    assert note("a")._repr_html_().startswith('<p class="pdu-note" role="note" style=')


def test_prose_has_no_markdown_representation():
    assert not hasattr(Prose, "_repr_markdown_")
    assert not hasattr(sentence("x"), "_repr_markdown_")


def test_prose_is_safe_in_an_autoescaping_jinja_template():
    template = jinja2.Environment(autoescape=True).from_string("<div>{{ body }}{{ raw }}</div>")
    out = template.render(body=sentence("{x}", x="<b>"), raw="<i>")
    assert out == '<div><p class="pdu-prose">&lt;b&gt;</p>&lt;i&gt;</div>'


def test_a_real_sentence_from_the_report():
    piece = sentence(
        "With regard to whether the event had improved their understanding of a topic {share} "
        "of event survey responses said they had a much greater understanding.",
        share=wording.share_phrase(36, 75),
    )
    assert "just under half (48%, 36 of 75) of event survey responses" in piece.text


def test_caution_if_marked_adds_the_footnote_only_when_a_figure_is_marked():
    marked = sentence("{f}", f=wording.format_percent(11, 29))
    assert caution_if_marked(marked) == note(wording.CAUTION_NOTE)
    assert caution_if_marked(sentence("{f}", f=wording.format_percent(36, 75))) is None
    assert "under 50" in caution_if_marked(marked, caution_below=50).text


def _share_table(labels):
    return pd.DataFrame(
        {
            "category": [f"c{i}" for i in range(len(labels))],
            "label": labels,
            "count": [10, 30],
            "base": [80, 80],
            "percent": [12.5, 37.5],
        }
    )


@pytest.mark.parametrize("hostile", HOSTILE)
def test_table_html_escapes_cells_headers_and_caption(hostile):
    df = _share_table([hostile, "Housing"])
    df[hostile] = [hostile, hostile]  # a hostile column name as well
    piece = table_html(df, caption=hostile)
    found = assert_only_our_markup(piece.html)
    clean = hostile.replace("\x00", "").replace("\x1b", "")
    assert found.text.count(clean) >= 4  # caption, header, two cells, label


def test_table_html_keeps_the_base_and_drops_the_index_unless_asked():
    df = _share_table(["Front line staff", "Managers"])
    df.index = ["row-a", "row-b"]
    html = table_html(df, "Plans to share").html
    found = elements(html)
    assert '<th class="num">Base</th>' in html and '<th class="num">Number</th>' in html, "the base stays, under a reader's header"
    assert "<th>count</th>" not in html.replace(' class="num"', "") and "<th>base</th>" not in html.replace(' class="num"', "")
    assert "row-a" not in found.text
    assert "row-a" in table_html(df, "Plans to share", index=True).html
    assert html.count("<caption>Plans to share</caption>") == 1


def test_table_html_shows_percentages_rounded_half_up_from_count_and_base():
    html = table_html(_share_table(["a", "b"]), "t").html
    assert '<td class="num">13</td>' in html  # 10 of 80 = 12.5% -> 13
    assert '<td class="num">38</td>' in html  # 30 of 80 = 37.5% -> 38
    assert "12.5" not in html


def test_table_html_shows_counts_only_for_a_base_under_10():
    small = pd.DataFrame({"label": ["a", "b"], "count": [6, 30], "base": [7, 80], "percent": [85.7, 37.5]})
    html = table_html(small, "t").html
    assert '<td class="num">86</td>' not in html and "None" not in html
    assert '<td class="num">\u2013</td>' in html and '<td class="num">38</td>' in html


def test_table_html_refuses_a_percentage_without_its_base():
    df = pd.DataFrame({"label": ["Housing"], "percent": [44.0]})
    with pytest.raises(ValueError, match="base"):
        table_html(df, "Work focus")
    assert "44" in table_html(df, "Work focus", require_base=False).html
    assert "44" in table_html(df.assign(n=[468]), "Work focus").html


def test_table_html_needs_a_dataframe():
    with pytest.raises(TypeError):
        table_html([["a", 1]], "not a frame")
