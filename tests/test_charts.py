"""Charts: files written, byte-identical renders, n on every bar, one palette, hostile labels kept as text."""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import pandas as pd
import plotly.graph_objects as go
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from pdu_lib.present import charts, wording

PROJECT = Path(__file__).resolve().parent.parent
PALETTE = {c.lower() for c in charts.OKABE_ITO.values()}

SCRIPT_BREAKOUT = "</script><script>alert(1)</script>"
HOSTILE_LABELS = [
    SCRIPT_BREAKOUT,
    '<a href="javascript:alert(1)">click me</a>',
    "<img src=x onerror=alert(1)>",
    "Costs $5 & $\\frac{1}{0}$ <b>bold</b> %{x}",
]


def table(rows, groups=False):
    columns = ["category", "label", "count", "base"] + (["group"] if groups else [])
    df = pd.DataFrame(rows, columns=columns)
    df["percent"] = 100 * df["count"] / df["base"]
    return df


def understanding_awareness():
    scale = [("much", "Much greater"), ("some", "Some additional"), ("confirmed", "Confirmed previous"), ("none", "No greater")]
    rows = [(code, label, n, 75, "Understanding") for (code, label), n in zip(scale, [36, 27, 11, 1])]
    rows += [(code, label, n, 76, "Awareness") for (code, label), n in zip(scale, [23, 35, 17, 1])]
    return table(rows, groups=True)


def effectiveness():
    return table([("very", "Very effective", 15, 29), ("quite", "Quite effective", 10, 29), ("not", "Not effective at all", 4, 29)])


def dissemination():
    return table([("frontline", "Front line staff", 24, 41), ("managers", "Managers", 12, 41), ("partners", "Partner agencies", 5, 41)])


def sectors_by_period():
    return table(
        [
            ("voluntary", "Voluntary", 226, 290, "Interim (July 2018)"),
            ("statutory", "Statutory", 64, 290, "Interim (July 2018)"),
            ("voluntary", "Voluntary", 346, 468, "Final (January 2019)"),
            ("statutory", "Statutory", 122, 468, "Final (January 2019)"),
        ],
        groups=True,
    )


STATIC_CHARTS = {
    "likert": lambda out: charts.likert_chart(understanding_awareness(), "Just under half gained much", "likert", out),
    "share": lambda out: charts.share_bars(dissemination(), "Most would share with front line staff", "share", out),
    "share_ci": lambda out: charts.share_bars(dissemination(), "With intervals", "share_ci", out, intervals=True),
    "grouped": lambda out: charts.grouped_share_bars(sectors_by_period(), "Statutory share up", "grouped", out),
}


def texts(fig: Figure) -> list[str]:
    """Every piece of text drawn on a figure: tick labels, bar labels, legend, title, axis label."""
    fig.canvas.draw()  # also proves the labels render (no mathtext errors)
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


# --- static charts: files and determinism ------------------------------------------------------------


@pytest.mark.parametrize("name", STATIC_CHARTS)
def test_static_chart_is_written_as_png_and_svg(tmp_path, name):
    fig = STATIC_CHARTS[name](tmp_path)
    assert isinstance(fig, Figure)
    png = tmp_path / "charts" / f"{name}.png"
    svg = tmp_path / "charts" / f"{name}.svg"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert "<svg" in svg.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", STATIC_CHARTS)
def test_static_chart_files_are_byte_identical_across_two_calls(tmp_path, name):
    STATIC_CHARTS[name](tmp_path / "first")
    STATIC_CHARTS[name](tmp_path / "second")
    for suffix in ("png", "svg"):
        first = (tmp_path / "first" / "charts" / f"{name}.{suffix}").read_bytes()
        second = (tmp_path / "second" / "charts" / f"{name}.{suffix}").read_bytes()
        assert first == second, f"{name}.{suffix} differs between two renders"


def test_static_chart_files_are_byte_identical_in_a_fresh_process(tmp_path):
    """A new interpreter (new hash seed, new uuid salt) writes the same bytes."""
    STATIC_CHARTS["likert"](tmp_path / "here")
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(PROJECT)!r})
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_charts import STATIC_CHARTS
        STATIC_CHARTS["likert"]({str(tmp_path / "there")!r})
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHASHSEED", "MPLBACKEND")}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, cwd=tmp_path)
    for suffix in ("png", "svg"):
        here = (tmp_path / "here" / "charts" / f"likert.{suffix}").read_bytes()
        there = (tmp_path / "there" / "charts" / f"likert.{suffix}").read_bytes()
        assert here == there, f"likert.{suffix} differs in a fresh process"


def _png_text_chunks(data: bytes) -> dict[str, bytes]:
    chunks, position = {}, 8
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if kind in (b"tEXt", b"iTXt", b"zTXt"):
            key, _, value = body.partition(b"\x00")
            chunks[key.decode("latin-1")] = value
        if kind == b"tIME":
            chunks["tIME"] = body
        position += 12 + length
    return chunks


def test_chart_files_carry_no_date_or_software_stamp(tmp_path):
    STATIC_CHARTS["share"](tmp_path)
    png = (tmp_path / "charts" / "share.png").read_bytes()
    assert _png_text_chunks(png) == {}
    svg = (tmp_path / "charts" / "share.svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg
    assert "Matplotlib v" not in svg


def test_no_output_dir_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fig = charts.share_bars(dissemination(), "Title", "share")
    assert isinstance(fig, Figure)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["../escape", "a/b", "", ".hidden", "with space"])
def test_chart_names_cannot_leave_the_charts_folder(tmp_path, name):
    with pytest.raises(ValueError, match="chart name"):
        charts.share_bars(dissemination(), "Title", name, tmp_path)


# --- static charts: labels -------------------------------------------------------------------------


def test_likert_bars_are_labelled_with_n_and_segments_with_half_up_percentages():
    fig = charts.likert_chart(understanding_awareness(), "Just under half gained much", "likert")
    drawn = texts(fig)
    assert "Understanding (n=75)" in drawn
    assert "Awareness (n=76)" in drawn
    for label in ("48%", "36%", "15%", "30%", "46%", "22%"):
        assert label in drawn
    assert "1%" not in drawn  # the 1-person segment is too narrow for a label
    assert "Just under half gained much" in drawn
    assert {"Much greater", "Some additional", "Confirmed previous", "No greater"} <= set(drawn)


def test_likert_segments_round_half_up():
    df = table([("yes", "Yes", 5, 8), ("no", "No", 3, 8)])  # 62.5% and 37.5%
    drawn = texts(charts.likert_chart(df, "t", "half_up", caution_below=None))
    assert "63%" in drawn and "38%" in drawn
    assert "All answers (n=8)" in drawn


def test_share_bars_are_labelled_with_count_and_base():
    drawn = texts(charts.share_bars(dissemination(), "Most would share", "share"))
    assert "59% (24 of 41)" in drawn
    assert "29% (12 of 41)" in drawn
    assert "12% (5 of 41)" in drawn


def test_share_bars_with_intervals_show_them():
    drawn = texts(charts.share_bars(dissemination(), "t", "share_ci", intervals=True))
    assert wording.format_percent(24, 41, intervals=True) in drawn


def test_grouped_share_bars_give_n_per_period_in_the_legend():
    fig = charts.grouped_share_bars(sectors_by_period(), "Statutory share up", "grouped")
    drawn = texts(fig)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["Interim (July 2018) (n=290)", "Final (January 2019) (n=468)"]
    assert "22% (64 of 290)" in drawn and "26% (122 of 468)" in drawn


def test_grouped_share_bars_mark_a_missing_category_instead_of_drawing_zero():
    df = sectors_by_period().iloc[[0, 1, 2]]  # statutory missing from the final period
    drawn = texts(charts.grouped_share_bars(df, "t", "grouped"))
    assert "no data" in drawn


def test_small_bases_carry_the_caution_marker_and_note():
    drawn = texts(charts.likert_chart(effectiveness().assign(group="Effectiveness"), "t", "eff"))
    assert f"Effectiveness (n=29){wording.CAUTION_MARK}" in drawn
    assert any(wording.CAUTION_NOTE in t for t in drawn)
    plain = texts(charts.likert_chart(understanding_awareness(), "t", "u"))
    assert not any(wording.CAUTION_MARK in t for t in plain)


def test_chart_text_is_written_into_the_svg(tmp_path):
    STATIC_CHARTS["likert"](tmp_path)
    svg = (tmp_path / "charts" / "likert.svg").read_text(encoding="utf-8")
    assert "Understanding (n=75)" in svg
    assert "48%" in svg


@pytest.mark.parametrize("hostile", HOSTILE_LABELS)
def test_hostile_labels_draw_as_plain_text_and_stay_inert_in_svg(tmp_path, hostile):
    df = table([("x", hostile, 3, 40), ("y", "Other", 5, 40)])
    fig = charts.share_bars(df, hostile, "hostile", tmp_path)
    drawn = texts(fig)  # a '$...$' label would raise here if mathtext parsed it
    assert any(hostile.replace("$", r"\$") in t for t in drawn)
    svg = (tmp_path / "charts" / "hostile.svg").read_text(encoding="utf-8")
    assert "<script" not in svg and "<a " not in svg and "<img" not in svg and "<b>" not in svg


# --- the palette ---------------------------------------------------------------------------------


def _bar_colours(fig: Figure) -> list[str]:
    ax = fig.axes[0]
    return [to_hex(p.get_facecolor()).lower() for p in ax.patches if isinstance(p, Rectangle) and p.get_width() > 0]


def test_every_static_chart_uses_only_the_okabe_ito_palette(tmp_path):
    for name, make in STATIC_CHARTS.items():
        colours = _bar_colours(make(None))
        assert colours, name
        assert set(colours) <= PALETTE, name


def test_likert_segments_follow_the_scale_colours_in_order():
    fig = charts.likert_chart(understanding_awareness().query("group == 'Understanding'"), "t", "u")
    assert _bar_colours(fig) == [c.lower() for c in charts.likert_colours(4)]


def test_grouped_bars_take_one_palette_colour_per_period():
    colours = _bar_colours(charts.grouped_share_bars(sectors_by_period(), "t", "g"))
    assert colours == [charts.CATEGORICAL[0].lower()] * 2 + [charts.CATEGORICAL[1].lower()] * 2


def test_likert_colours_come_from_the_palette():
    for n in range(1, 10):
        assert len(charts.likert_colours(n)) == n
        assert {c.lower() for c in charts.likert_colours(n)} <= PALETTE


def test_apply_style_sets_palette_and_deterministic_svg():
    charts.apply_style()
    rc = matplotlib.rcParams
    assert rc["svg.hashsalt"] == charts.SVG_HASHSALT
    assert [c.lower() for c in rc["axes.prop_cycle"].by_key()["color"]] == [c.lower() for c in charts.CATEGORICAL]
    assert rc["font.family"] == [charts.FONT]


# --- bad tables ------------------------------------------------------------------------------------


def test_a_table_without_the_metric_columns_is_refused():
    with pytest.raises(ValueError, match="base"):
        charts.share_bars(pd.DataFrame({"category": ["a"], "label": ["A"], "count": [1], "percent": [10.0]}), "t", "x")


def test_a_count_above_its_base_is_refused():
    with pytest.raises(ValueError, match="exceeds"):
        charts.share_bars(table([("a", "A", 5, 4)]), "t", "x")


def test_a_percent_that_disagrees_with_count_and_base_is_refused():
    df = dissemination()
    df.loc[0, "percent"] = 95.0
    with pytest.raises(ValueError, match="not 24 of 41"):
        charts.share_bars(df, "t", "x")


def test_a_missing_label_draws_as_empty_text_not_nan():
    df = dissemination().astype({"label": object})
    df.loc[2, "label"] = None
    drawn = texts(charts.share_bars(df, "t", "x"))
    assert "nan" not in drawn and "None" not in drawn


def test_a_likert_bar_needs_one_base():
    df = table([("a", "A", 1, 10, "G"), ("b", "B", 1, 12, "G")], groups=True)
    with pytest.raises(ValueError, match="one base"):
        charts.likert_chart(df, "t", "x")


def test_share_bars_send_several_groups_to_grouped_share_bars():
    with pytest.raises(ValueError, match="grouped_share_bars"):
        charts.share_bars(sectors_by_period(), "t", "x")


# --- interactive charts ------------------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False if tag == "script" else self._in_script

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def report_html(fig, chart_id):
    return charts.show_interactive(fig, chart_id, report_mode=True)._repr_html_()


def hostile_table():
    return table([(f"c{i}", label, i + 1, 41) for i, label in enumerate(HOSTILE_LABELS)])


def test_interactive_share_bars_carry_counts_and_bases_on_hover():
    fig = charts.interactive_share_bars(dissemination(), "Most would share", "share-bars")
    assert isinstance(fig, go.Figure)
    trace = fig.data[0]
    assert [row[:2] for row in trace.customdata] == [[24, 41], [12, 41], [5, 41]]
    assert "%{customdata[0]} of %{customdata[1]}" in trace.hovertemplate
    assert list(trace.text) == ["59% (24 of 41)", "29% (12 of 41)", "12% (5 of 41)"]
    assert trace.marker.color.lower() in PALETTE


def test_interactive_grouped_bars_name_each_period_with_its_n():
    fig = charts.interactive_share_bars(sectors_by_period(), "Statutory share up", "sectors")
    assert [t.name for t in fig.data] == ["Interim (July 2018) (n=290)", "Final (January 2019) (n=468)"]
    assert [t.marker.color for t in fig.data] == list(charts.CATEGORICAL[:2])


def test_interactive_likert_labels_bars_with_n_and_hovers_with_counts():
    fig = charts.interactive_likert(understanding_awareness(), "Just under half gained much", "likert")
    assert list(fig.data[0].y) == ["Understanding (n=75)", "Awareness (n=76)"]
    assert [t.name for t in fig.data] == ["Much greater", "Some additional", "Confirmed previous", "No greater"]
    assert [t.marker.color for t in fig.data] == charts.likert_colours(4)
    assert list(fig.data[0].text) == ["48%", "30%"]
    assert list(fig.data[3].text) == ["", ""]  # 1% is too narrow to label
    assert fig.data[0].customdata[0][:3] == [36, 75, 48]
    assert fig.layout.barmode == "stack"


def test_interactive_small_base_carries_the_caution():
    fig = charts.interactive_share_bars(effectiveness(), "t", "eff")
    assert all(text.endswith(wording.CAUTION_MARK) for text in fig.data[0].text)
    assert "base of that percentage is under 30" in fig.layout.xaxis.title.text.replace("<br>", " ")


@pytest.mark.parametrize("hostile", HOSTILE_LABELS)
def test_hostile_text_is_escaped_before_plotly_sees_it(hostile):
    df = table([("x", hostile, 3, 40)]).assign(group=hostile)
    for fig in (
        charts.interactive_share_bars(df, hostile, "c1"),
        charts.interactive_likert(df, hostile, "c2"),
    ):
        strings = json.dumps(fig.to_plotly_json()["data"]) + fig.layout.title.text
        for trace in fig.data:
            for value in [trace.name, *trace.y, *[str(c) for row in trace.customdata for c in row]]:
                assert "<" not in value.replace("<br>", "") and ">" not in value.replace("<br>", ""), value
        assert "&lt;" in strings or "<" not in hostile


def test_report_html_cannot_be_broken_out_of_by_a_label():
    fig = charts.interactive_share_bars(hostile_table(), SCRIPT_BREAKOUT, "hostile-chart")
    html = report_html(fig, "hostile-chart")
    assert SCRIPT_BREAKOUT not in html
    assert html.lower().count("<script") == 1
    assert html.lower().count("</script") == 1
    parsed = _Tags()
    parsed.feed(html)
    assert parsed.tags == ["figure", "figcaption", "div", "div", "script"]
    assert "alert(1)" not in "".join(t for t in parsed.tags)
    for marker in ("<a ", "<img", 'javascript:alert(1)">'):
        assert marker not in html


def test_report_html_loads_nothing_and_is_deterministic():
    first = report_html(charts.interactive_likert(understanding_awareness(), "t", "likert-1"), "likert-1")
    second = report_html(charts.interactive_likert(understanding_awareness(), "t", "likert-1"), "likert-1")
    assert first == second
    assert "<script src" not in first.lower()
    assert "cdn" not in first.lower()
    assert not re.search(r"https?://", first)
    assert 'id="likert-1"' in first
    assert "Plotly.newPlot" in first


def test_report_mode_uses_the_config_asked_for():
    html = report_html(charts.interactive_share_bars(dissemination(), "t", "c"), "c")
    assert '"displaylogo": false' in html and '"responsive": true' in html


def test_report_html_carries_the_title_as_a_caption_that_wraps_and_marks_the_hover_hint():
    fig = charts.interactive_likert(understanding_awareness(), "Change after the event, by measure (hover for counts)", "c")
    html = report_html(fig, "c")
    assert (
        '<figcaption class="pdu-chart-title">Change after the event, by measure<span class="pdu-hover-hint">'
        '<span class="pdu-hint-pointer"> (hover for counts)</span><span class="pdu-hint-touch"> (tap for counts)</span></span></figcaption>'
        in html
    )
    assert '"displayModeBar": false' in html  # no toolbar over the chart on a phone
    assert (
        '<ul class="pdu-legend">' in html
        and "Much greater" in html.split("</figcaption>", 1)[1].split("<script")[0] + html.rsplit("</script>", 1)[1]
    )
    small = report_html(charts.interactive_share_bars(effectiveness(), "t", "eff"), "eff")
    assert '<p class="pdu-chart-note">' in small and "base of that percentage is under 30" in small.rsplit("</script>", 1)[1]
    assert "Change after the event" not in html.split("</figcaption>", 1)[1]  # not also drawn by plotly, where it is cut


def _drawn_boxes(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    return [
        (t.get_text(), t.get_window_extent(renderer), t.get_fontsize())
        for t in fig.findobj(matplotlib.text.Text)
        if t.get_text() and t.get_visible()
    ]


LONG_TITLE = "Just under half of event survey responses reported a much greater understanding of the topic of the event they attended"


@pytest.mark.parametrize("name", STATIC_CHARTS)
def test_static_chart_text_stays_inside_the_figure_and_titles_wrap(tmp_path, name):
    fig = STATIC_CHARTS[name](tmp_path)
    long = {"likert": charts.likert_chart, "share": charts.share_bars, "share_ci": charts.share_bars, "grouped": charts.grouped_share_bars}
    data = {"likert": understanding_awareness, "share": dissemination, "share_ci": dissemination, "grouped": sectors_by_period}
    for figure in (fig, long[name](data[name](), LONG_TITLE, "long")):
        boxes = _drawn_boxes(figure)
        width, height = figure.canvas.get_width_height()
        for text, box, _size in boxes:
            assert box.x0 >= -1 and box.x1 <= width + 1 and box.y0 >= -1 and box.y1 <= height + 1, (name, text)
    assert any("\n" in t for t, _b, _s in _drawn_boxes(figure))  # the long title wrapped


@pytest.mark.parametrize("name", STATIC_CHARTS)
def test_static_chart_text_is_at_least_9pt_at_the_printed_size(tmp_path, name):
    fig = STATIC_CHARTS[name](tmp_path)
    printed_width_in = 174 / 25.4  # A4 less the print stylesheet's margins
    assert fig.get_figwidth() <= printed_width_in  # printed at least at its own size, never shrunk
    sizes = [size for _t, _b, size in _drawn_boxes(fig)]
    assert sizes and min(sizes) >= 9
    css = (Path(charts.__file__).parent.parent / "templates" / "report.css").read_text()
    assert "size: A4" in css and "18mm" in css


def test_each_likert_legend_matches_the_rows_it_sits_under():
    scale = understanding_awareness()
    scale["label"] = [f"{label} {group.lower()}" for label, group in zip(scale["label"], scale["group"])]
    fig = charts.likert_chart(scale, "t", "legends")
    legends = fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    worded = sorted(tuple(t.get_text().replace("\n", " ") for t in legend.get_texts()) for legend in legends)
    assert worded == [
        tuple(f"{w} awareness" for w in ("Much greater", "Some additional", "Confirmed previous", "No greater")),
        tuple(f"{w} understanding" for w in ("Much greater", "Some additional", "Confirmed previous", "No greater")),
    ]
    same = charts.likert_chart(understanding_awareness(), "t", "one_legend")
    assert len(same.legends) + sum(1 for ax in same.axes if ax.get_legend()) == 1  # one wording, one legend


def test_outside_report_mode_the_figure_is_returned_for_jupyterlab():
    fig = charts.interactive_share_bars(dissemination(), "t", "c")
    assert charts.show_interactive(fig, "c", report_mode=False) is fig


@pytest.mark.parametrize("chart_id", ['x"><script>alert(1)</script>', "1abc", "", "a b"])
def test_chart_ids_must_be_plain(chart_id):
    fig = charts.interactive_share_bars(dissemination(), "t", "ok")
    with pytest.raises(ValueError, match="chart id"):
        charts.show_interactive(fig, chart_id, report_mode=True)


def test_share_charts_take_an_axis_label_for_shares_that_are_not_of_respondents():
    table = pd.DataFrame({"category": ["a"], "label": ["A"], "count": [1], "base": [4], "percent": [25.0]})
    fig = charts.share_bars(table, "A quarter were A", "axis_label_check", axis_label="Percentage of attendances")
    assert fig.axes[0].get_xlabel().startswith("Percentage of attendances")
    interactive = charts.interactive_share_bars(table, "A quarter were A", "axis-check", axis_label="Percentage of attendances")
    assert interactive.layout.xaxis.title.text.replace("<br>", " ").startswith("Percentage of attendances")
