"""Small display helpers: the static chart and chart titles worded from their numbers."""

from __future__ import annotations

from matplotlib.figure import Figure

from pdu_lib.analysis.metrics import Share
from pdu_lib.present.page_parts import StaticChart, headline


def test_a_static_chart_is_a_png_with_its_title_escaped_as_alt_text():
    fig = Figure(figsize=(2, 1))
    fig.add_subplot().bar(["a"], [1])
    chart = StaticChart(fig, 'Most said "yes" & <more>')
    assert chart._repr_png_().startswith(b"\x89PNG")
    html = chart._repr_html_()
    assert 'alt="Most said &#34;yes&#34; &amp; &lt;more&gt;"' in html and "<more>" not in html


def test_the_headline_words_follow_the_number():
    assert headline(Share(36, 75), "said so") == "Just under half said so"
    assert headline(Share(29, 29), "said so") == "All said so"


def _chart():
    import pandas as pd

    from pdu_lib.present import charts

    labels = ["Colleagues in my team", "My manager", "People in supervision", "Other organisations and partners"]
    table = pd.DataFrame({"category": labels, "label": labels, "count": [30, 20, 15, 10], "base": 50, "percent": [60, 40, 30, 20]})
    return charts.share_bars(table, "Learning was shared most with colleagues in my team, then with managers", "shared")


def test_a_static_chart_has_a_narrow_drawing_for_phones_whose_text_reads_at_320_px():
    import io

    from PIL import Image

    from pdu_lib.present import charts

    chart = StaticChart(_chart(), "Learning was shared most with colleagues in my team")
    html = chart._repr_html_()
    assert f'<source media="{charts.PHONE_MEDIA}" srcset="data:image/png;base64,' in html and "<img src=" in html
    content_px = 320 - 2 * 12  # the phone stylesheet's body padding
    for png, drawn_px in ((chart.narrow_png, content_px), (chart.png, 561 - 2 * 20)):
        with Image.open(io.BytesIO(png)) as image:
            text_px = float(image.text[charts.MIN_TEXT_PX_KEY]) * drawn_px / image.width
        assert text_px >= 9, text_px  # the narrow one on a 320 px phone; the wide one just above the phone breakpoint


def test_the_narrow_drawing_leaves_the_chart_itself_unchanged():
    from pdu_lib.present import charts

    fig = _chart()
    before = charts.chart_png(fig)
    narrow = charts.narrow_figure(fig)
    assert narrow.get_size_inches()[0] == charts.NARROW_WIDTH_IN and fig.get_size_inches()[0] == charts.FIGURE_WIDTH_IN
    assert charts.chart_png(fig) == before
    assert (
        max(len(line) for label in narrow.axes[0].get_yticklabels() for line in label.get_text().split("\n")) <= charts.NARROW_LABEL_CHARS
    )
