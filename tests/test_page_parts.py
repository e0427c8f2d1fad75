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
