"""Charts for the report: static (seaborn/matplotlib, saved as PNG and SVG) and interactive (plotly).

One colour-blind-safe palette throughout: Okabe & Ito (2008), :data:`OKABE_ITO`.
Every chart is titled with its message (the caller's ``title``) and every
percentage on it shows its base; a base under ``caution_below`` (30) carries
the caution marker and the chart carries the footnote.

Input tables are what the metric functions return: one row per category (per
group) with columns ``category`` (code), ``label`` (display text), ``count``,
``base``, ``percent`` (0-100, unrounded) and optionally ``group`` (a measure
or a period). Rows keep the caller's order: categories of an ordered scale
must come in scale order. Percentages are labelled with
:func:`pdu_lib.present.wording.percent` (whole numbers, rounded half up).

Static charts are plain :class:`matplotlib.figure.Figure` objects (not pyplot
figures, so nothing is shown twice or leaks in a notebook); JupyterLab shows
a returned figure inline. With ``output_dir`` they are also written to
``<output_dir>/charts/<name>.png`` and ``.svg``, byte-identical from run to
run (fixed ``svg.hashsalt``, no date or software metadata, the bundled
DejaVu Sans font).

Interactive charts are plotly figures with counts and bases on hover.
:func:`show_interactive` turns one into report HTML that loads no script
itself (the page supplies plotly.js once) and has no random ids. Text from
data is escaped before plotly sees it, because plotly reads ``<a href>``,
``<br>`` and the like in its text.
"""

from __future__ import annotations

import io
import os
import pickle
import re
import textwrap
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

if not os.environ.get("MPLBACKEND") and getattr(matplotlib.rcParams, "_get_backend_or_none", lambda: None)() is None:
    # No backend chosen (a script or a test): draw off-screen. JupyterLab and
    # papermill kernels set MPLBACKEND to the inline backend, which we keep.
    matplotlib.use("Agg")

import pandas as pd
import plotly.graph_objects as go
import seaborn as sns
from cycler import cycler
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.typing import RcKeyType

from pdu_lib import config
from pdu_lib.present import wording
from pdu_lib.present.escape import escape_html

__all__ = [
    "CATEGORICAL",
    "OKABE_ITO",
    "ReportChart",
    "apply_style",
    "grouped_share_bars",
    "interactive_likert",
    "interactive_share_bars",
    "likert_chart",
    "likert_colours",
    "save_chart",
    "share_bars",
    "show_interactive",
]

OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
# The order categorical series take the colours in (groups, periods, traces).
CATEGORICAL: tuple[str, ...] = tuple(
    OKABE_ITO[k] for k in ("blue", "orange", "bluish_green", "reddish_purple", "sky_blue", "vermillion", "yellow", "black")
)
# Ordered scales, most positive first: blues, then a neutral yellow, then oranges.
_LIKERT = {
    2: ("blue", "vermillion"),
    3: ("blue", "sky_blue", "vermillion"),
    4: ("blue", "sky_blue", "orange", "vermillion"),
    5: ("blue", "sky_blue", "yellow", "orange", "vermillion"),
    6: ("blue", "sky_blue", "bluish_green", "yellow", "orange", "vermillion"),
}

FONT = "DejaVu Sans"  # ships with matplotlib: the same glyphs on every machine
DPI = 150
# Static charts are drawn at the width they print at (A4 less the print
# stylesheet's margins, 174 mm), so a font size here is the printed size.
FIGURE_WIDTH_IN = 6.5
MIN_FONT_PT = 9
# Each static chart is drawn a second time this wide, for a phone: its 9 pt text then
# measures at least 9 CSS px on a 320 px screen (296 px of content); pages serve it
# through <picture> below PHONE_MEDIA's width, where the wide drawing's text would be smaller.
NARROW_WIDTH_IN = 3.9
NARROW_LABEL_CHARS = 16
PHONE_MEDIA = "(max-width: 560px)"
#: The PNG text chunk that records the smallest text drawn on the chart, in the PNG's pixels.
MIN_TEXT_PX_KEY = "pdu-min-text-px"
TITLE_PT = 12
SVG_HASHSALT = "pdu-workbook"
LABEL_MIN_PERCENT = 6  # a segment narrower than this gets no label inside it
AXIS_LABEL = "Percentage of those who answered"
REQUIRED_COLUMNS = ("category", "label", "count", "base", "percent")

STYLE_RC: dict[RcKeyType, Any] = {
    "font.family": FONT,
    "svg.fonttype": "path",
    "svg.hashsalt": SVG_HASHSALT,
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
    "figure.facecolor": "white",
    "axes.prop_cycle": cycler(color=list(CATEGORICAL)),
    "axes.titlelocation": "left",
    "axes.titlesize": TITLE_PT,
    "axes.titleweight": "bold",
    "axes.titlepad": 12,
    "figure.titlesize": TITLE_PT,
    "figure.titleweight": "bold",
    "axes.labelsize": 10,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": 10,
    "legend.fontsize": MIN_FONT_PT,
    "legend.title_fontsize": MIN_FONT_PT,
}

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_CHART_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def apply_style() -> None:
    """Set the workbook's seaborn/matplotlib defaults (palette, font, deterministic SVG)."""
    sns.set_theme(context="notebook", style="whitegrid", palette=list(CATEGORICAL), font=FONT, rc=STYLE_RC)


def likert_colours(n: int) -> list[str]:
    """Colours for an ordered scale of ``n`` answers, most positive first.

    >>> likert_colours(4)
    ['#0072B2', '#56B4E9', '#E69F00', '#D55E00']
    """
    if n in _LIKERT:
        return [OKABE_ITO[k] for k in _LIKERT[n]]
    if n == 1:
        return [OKABE_ITO["blue"]]
    return [CATEGORICAL[i % len(CATEGORICAL)] for i in range(n)]


# --- input -------------------------------------------------------------------------------


def _check_table(table: pd.DataFrame, what: str, over_base: bool = False) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{what} needs a DataFrame, not {type(table).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{what}: the table lacks column(s) {', '.join(missing)}")
    if table.empty:
        raise ValueError(f"{what}: the table has no rows")
    rows = table.reset_index(drop=True).copy()
    for column in ("count", "base"):
        rows[column] = [wording._whole(v, f"{what}: {column}") for v in rows[column]]
    too_big = rows[rows["count"] > rows["base"]]
    if not too_big.empty and not over_base:
        first = too_big.iloc[0]
        raise ValueError(f"{what}: count {first['count']} exceeds base {first['base']} ({first['label']!r})")
    for row in rows.itertuples(index=False):
        # The bars are drawn from count and base; a percent that disagrees is a bug upstream.
        if row.base and pd.notna(row.percent) and abs(float(row.percent) - 100 * row.count / row.base) > 0.5:
            raise ValueError(f"{what}: percent {row.percent} for {row.label!r} is not {row.count} of {row.base}")
    rows["label"] = [_clean(v) for v in rows["label"]]
    rows["category"] = [_clean(v) for v in rows["category"]]
    if "group" in rows.columns:
        rows["group"] = [_clean(v) for v in rows["group"]]
    return rows


def _clean(value: object) -> str:
    """Text from data without control characters; a missing value is empty text, not "nan"."""
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    return _UNSAFE_CHARS.sub("", str(value))


def _exact_percent(count: int, base: int) -> float:
    return 100.0 * count / base if base else 0.0


def _groups(rows: pd.DataFrame) -> list[str | None]:
    """Group values in first-seen order; [None] when the table has no groups."""
    return list(dict.fromkeys(rows["group"])) if "group" in rows.columns else [None]


def _rows_for(rows: pd.DataFrame, group: str | None) -> pd.DataFrame:
    return rows if group is None else rows[rows["group"] == group]


def _group_base(rows: pd.DataFrame, group: str | None) -> int | None:
    """The one base of a group's rows, or None when they differ."""
    bases = set(_rows_for(rows, group)["base"])
    return bases.pop() if len(bases) == 1 else None


def _categories(rows: pd.DataFrame) -> list[tuple[str, str]]:
    """(code, label) in first-seen order."""
    seen: dict[str, str] = {}
    for code, label in zip(rows["category"], rows["label"]):
        seen.setdefault(code, label)
    return list(seen.items())


def _n_label(name: str | None, base: int | None, caution_below: int | None) -> str:
    name = name or ""
    if base is None:
        return f"{name} (n varies)".strip()
    mark = wording.CAUTION_MARK if wording.needs_caution(base, caution_below) else ""
    return f"{name} (n={base}){mark}".strip()


# --- static charts ------------------------------------------------------------------------


def _mpl(text: str, width: int | None = None) -> str:
    """Data text for matplotlib: wrapped, and ``$`` kept literal (no mathtext)."""
    text = _clean(text)
    if width:
        text = "\n".join(textwrap.wrap(text, width)) or text
    return text.replace("$", r"\$")


def _text_colour(fill: str) -> str:
    """Black or white, whichever contrasts more with ``fill`` (WCAG relative luminance)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in to_rgb(fill))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "white"


def _new_figure(rows: float, extra: float = 0.0, blocks: Sequence[int] = ()) -> tuple[Figure, Any]:  # one Axes, or a list with blocks
    """A figure of the printed width; with ``blocks``, one axes per block, stacked, sized by its rows."""
    apply_style()
    height = 2.1 + 0.5 * max(rows, 1) + extra
    fig = Figure(figsize=(FIGURE_WIDTH_IN, height), layout="constrained")
    if len(blocks) > 1:
        axes = fig.subplots(len(blocks), 1, sharex=True, gridspec_kw={"height_ratios": list(blocks)})
        return fig, list(axes)
    ax = fig.add_subplot()
    return fig, ax


def title_lines(title: str, width_in: float = FIGURE_WIDTH_IN, size: float = TITLE_PT) -> str:
    """The title wrapped to fit the figure's width (bold DejaVu Sans is at most ~0.7 em a character).

    >>> print(title_lines("Just under half of event survey responses reported a greater understanding of the topic"))
    Just under half of event survey responses reported a
    greater understanding of the topic
    """
    characters = max(20, int(width_in * 72 / (size * 0.7)) - 2)
    return _mpl(title, characters)


def _finish(fig: Figure, ax, title: str, xlabel: str, caution: bool, caution_below: int | None) -> None:
    # The title belongs to the figure, left-aligned to its edge, so constrained
    # layout makes room for every line and no line runs past the right edge.
    fig.suptitle(title_lines(title), x=0.02, ha="left")
    if caution:
        xlabel = f"{xlabel}\n{wording.caution_note(caution_below or wording.CAUTION_BELOW)}"
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.xaxis.set_major_formatter("{x:.0f}%")
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.grid(axis="y", visible=False)
    sns.despine(ax=ax, left=True, bottom=True)


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"chart name {name!r}: use letters, digits, '_', '-' or '.', no folders")
    return name


def save_chart(fig: Figure, name: str, output_dir: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``fig`` to ``<output_dir>/charts/<name>.png`` and ``.svg``, deterministically."""
    folder = Path(output_dir) / "charts"
    folder.mkdir(parents=True, exist_ok=True)
    png = folder / f"{_check_name(name)}.png"
    svg = folder / f"{name}.svg"
    with matplotlib.rc_context(STYLE_RC):
        fig.savefig(png, format="png", dpi=DPI, metadata={"Software": None})
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    return png, svg


def smallest_text_px(fig: Figure) -> float:
    """The size of the smallest visible text on ``fig``, in pixels of its PNG at :data:`DPI`."""
    sizes = [float(text.get_fontsize()) for text in fig.findobj(Text) if text.get_visible() and text.get_text().strip()]
    return min(sizes, default=MIN_FONT_PT) * DPI / 72


def chart_png(fig: Figure) -> bytes:
    """``fig`` as a PNG in the report's style, deterministic, recording its smallest text (:data:`MIN_TEXT_PX_KEY`)."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE_RC):
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None, MIN_TEXT_PX_KEY: f"{smallest_text_px(fig):.2f}"})
    return buffer.getvalue()


def _wrapped(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(" ".join(text.split()), width)) or text


def _one_column_legend(owner, legend, **placement) -> None:
    """Replace ``legend`` by one in a single column, its labels and title wrapped for a phone."""
    handles = [Patch(facecolor=handle.get_facecolor(), edgecolor="none") for handle in legend.legend_handles]
    labels = [_wrapped(text.get_text(), NARROW_LABEL_CHARS) for text in legend.get_texts()]
    title = legend.get_title().get_text()
    legend.remove()
    owner.legend(
        handles=handles,
        labels=labels,
        title=_wrapped(title, 2 * NARROW_LABEL_CHARS) if title.strip() else None,
        ncols=1,
        frameon=False,
        handlelength=1.2,
        alignment="left",
        **placement,
    )


def narrow_figure(fig: Figure) -> Figure:
    """A copy of ``fig`` drawn for a phone: :data:`NARROW_WIDTH_IN` wide, the same text sizes, its text re-wrapped to fit.

    Titles and labels are wrapped narrower, legends take one column, and the
    figure grows until each bar row has the height it had.
    """
    narrow = pickle.loads(pickle.dumps(fig))
    height = fig.get_size_inches()[1]
    title = narrow.get_suptitle()
    if title:
        narrow.suptitle(title_lines(" ".join(title.split()), NARROW_WIDTH_IN), x=0.02, ha="left")
    for legend in list(narrow.legends):
        _one_column_legend(narrow, legend, loc="outside lower left")
    for ax in narrow.axes:
        labels = [_wrapped(label.get_text(), NARROW_LABEL_CHARS) for label in ax.get_yticklabels()]
        if any(labels):
            ax.set_yticks(ax.get_yticks(), labels)
        if tuple(ax.get_xlim()) == (0, 100):
            ax.set_xticks([0, 50, 100])  # five percentages do not fit under a phone's bars
        if ax.get_legend() is not None:
            _one_column_legend(ax, ax.get_legend(), loc="upper left", bbox_to_anchor=(0, -0.02))
    narrow.set_size_inches(NARROW_WIDTH_IN, height)
    _grow_to_keep_bars(narrow, [ax.get_position().height * height for ax in fig.axes])
    return narrow


def _grow_to_keep_bars(fig: Figure, axes_heights: list[float]) -> None:
    """Make ``fig`` taller until each of its axes is as tall as in ``axes_heights`` (inches): wrapped text takes more lines."""
    for _attempt in range(5):
        with warnings.catch_warnings(record=True) as collapsed:
            warnings.simplefilter("always")  # constrained layout warns when the text leaves the axes no room at all
            fig.draw_without_rendering()
        if collapsed:
            fig.set_figheight(fig.get_figheight() * 1.5)
            continue
        short = sum(max(0.0, wanted - ax.get_position().height * fig.get_figheight()) for ax, wanted in zip(fig.axes, axes_heights))
        if short < 0.05:
            return
        fig.set_figheight(fig.get_figheight() + short * 1.1)


def _output(fig: Figure, name: str, output_dir) -> Figure:
    if output_dir is not None:
        save_chart(fig, name, output_dir)
    return fig


def likert_chart(
    table: pd.DataFrame,
    title: str,
    name: str,
    output_dir: str | os.PathLike | None = None,
    caution_below: int | None = wording.CAUTION_BELOW,
    colours: Sequence[str] | None = None,
) -> Figure:
    """Ordered stacked horizontal bars: one bar per group, one segment per answer.

    Categories stack in table order (the scale's order, most positive first),
    each bar is labelled with its group and n ("Understanding (n=80)"), and
    segments wide enough to hold one carry their percentage.
    """
    _check_name(name)
    rows = _check_table(table, "likert_chart")
    groups = _groups(rows)
    all_categories = _categories(rows)
    blocks = _label_blocks(rows, groups, all_categories)
    fig, axes = _new_figure(len(groups), extra=0.55 * len(blocks), blocks=[len(b) for b in blocks])
    axes = axes if isinstance(axes, list) else [axes]
    caution = False
    for ax, block in zip(axes, blocks):
        categories, fills = _block_scale(rows, block, colours, "likert_chart")
        bar_labels = []
        for y, group in enumerate(block):
            in_group = _rows_for(rows, group)
            base = _group_base(rows, group)
            if base is None:
                raise ValueError(f"likert_chart: group {group!r} has more than one base; one bar needs one base")
            caution |= wording.needs_caution(base, caution_below)
            bar_labels.append(_mpl(_n_label(group or "All answers", base, caution_below), 24))
            _likert_segments(ax, y, in_group, base, categories, fills)
        ax.set_yticks(range(len(block)), bar_labels)
        ax.set_ylim(len(block) - 0.5, -0.5)
        ax.set_xlim(0, 100)
        legend = _likert_legend(_block_labels(rows, block, categories), fills, block, several=len(blocks) > 1)
        if ax is axes[-1]:
            fig.legend(loc="outside lower left", **legend)
        else:
            ax.legend(loc="upper left", bbox_to_anchor=(0, -0.02), **legend)
        ax.grid(axis="y", visible=False)
        sns.despine(ax=ax, left=True, bottom=True)
    ax = axes[-1]
    _finish(fig, ax, title, AXIS_LABEL, caution, caution_below)
    return _output(fig, name, output_dir)


def _likert_segments(ax, y: int, in_group: pd.DataFrame, base: int, categories: list[tuple[str, str]], fills: Sequence[str]) -> None:
    """One group's bar: a segment per answer in scale order, labelled with its percentage when wide enough."""
    left = 0.0
    for (code, _label), fill in zip(categories, fills):
        match = in_group[in_group["category"] == code]
        count = int(match["count"].sum()) if not match.empty else 0
        width = _exact_percent(count, base)
        if width <= 0:
            continue
        ax.barh(y, width, left=left, color=fill, edgecolor="white", linewidth=1, height=0.62)
        if width >= LABEL_MIN_PERCENT:
            ax.text(
                left + width / 2,
                y,
                f"{wording.percent(count, base)}%",
                ha="center",
                va="center",
                fontsize=MIN_FONT_PT,
                color=_text_colour(fill),
            )
        left += width


def _likert_legend(labels: Sequence[str], fills: Sequence[str], block: Sequence[str | None], *, several: bool) -> dict:
    """A block's legend: the answers as its own rows worded them (titled by its groups when there are several blocks)."""
    handles = [Patch(facecolor=fill, label=_mpl(label, 24)) for label, fill in zip(labels, fills) if label]
    return dict(
        handles=handles,
        ncols=min(len(handles), 2),
        frameon=False,
        handlelength=1.2,
        columnspacing=1.5,
        alignment="left",
        title=_mpl("Answers for " + ", ".join(g or "All answers" for g in block), 60) if several else None,
    )


def _block_labels(rows: pd.DataFrame, block: Sequence[str | None], categories: list[tuple[str, str]]) -> list[str]:
    """The answers' labels as the rows of ``block`` word them, in scale order ("" where none of them has it)."""
    in_block = rows if block == [None] else rows[rows["group"].isin(block)]
    first = dict(zip(in_block["category"][::-1], in_block["label"][::-1]))
    return [first.get(code, "") for code, _label in categories]


def _block_scale(rows: pd.DataFrame, block: Sequence[str | None], colours: Sequence[str] | None, what: str):
    """The answers a block of bars uses, in scale order, and their colours (the scale's own, however long)."""
    in_block = rows if list(block) == [None] else rows[rows["group"].isin(block)]
    categories = _categories(in_block)
    fills = list(colours) if colours else likert_colours(len(categories))
    if len(fills) < len(categories):
        raise ValueError(f"{what}: {len(categories)} answers but {len(fills)} colours")
    return categories, fills


def _label_blocks(rows: pd.DataFrame, groups: list[str | None], categories: list[tuple[str, str]]) -> list[list[str | None]]:
    """Groups in order, split where the answers' wording changes, so each legend matches its rows.

    Understanding and awareness share answer codes but word them differently
    ("Much greater understanding" / "Much greater awareness"): they get a legend each.
    """
    blocks: list[list[str | None]] = []
    previous = None
    for group in groups:
        labels = _block_labels(rows, [group], categories)
        if blocks and labels == previous:
            blocks[-1].append(group)
        else:
            blocks.append([group])
        previous = labels
    return blocks


def _bar_label(count: int, base: int, caution_below, intervals: bool) -> str:
    if count > base:  # more answers than people counted: shown as it is, marked (wording.OVER_BASE_NOTE)
        return wording.format_rate(count, base, caution_below=caution_below)
    return wording.format_percent(count, base, caution_below=caution_below, intervals=intervals)


def _over_base_label(axis_label: str, rows: pd.DataFrame, separator: str) -> str:
    """The axis label, with the note that explains a marked bar when a count exceeds its base."""
    return f"{axis_label}{separator}{wording.OVER_BASE_NOTE}" if (rows["count"] > rows["base"]).any() else axis_label


def _draw_share_bar(ax, y, count, base, fill, height, caution_below, intervals):
    if base == 0:
        ax.text(
            0.5,
            y,
            wording.NO_BASE if count == 0 else _bar_label(count, base, caution_below, False),
            va="center",
            ha="left",
            fontsize=MIN_FONT_PT,
            clip_on=False,
        )
        return
    value = min(100.0, _exact_percent(count, base))  # a bar over its base stops at 100%; its label says the rest
    ax.barh(y, value, color=fill, height=height)
    end = value
    if intervals and count <= base:
        low, high = wording.wilson_interval(count, base)
        ax.errorbar(
            value,
            y,
            xerr=[[value - 100 * low], [100 * high - value]],
            fmt="none",
            ecolor=OKABE_ITO["black"],
            elinewidth=1,
            capsize=3,
        )
        end = 100 * high
    ax.text(
        end + 1,
        y,
        _bar_label(count, base, caution_below, intervals),
        va="center",
        ha="left",
        fontsize=MIN_FONT_PT,
        clip_on=False,
    )


def share_bars(
    table: pd.DataFrame,
    title: str,
    name: str,
    output_dir: str | os.PathLike | None = None,
    caution_below: int | None = wording.CAUTION_BELOW,
    intervals: bool = False,
    axis_label: str = AXIS_LABEL,
    over_base: bool = False,
) -> Figure:
    """Horizontal bars of shares, one per category, labelled "60% (30 of 50)".

    With ``intervals`` each bar carries its 95% Wilson interval, drawn and in the label.
    With ``over_base`` (a response rate) a count above its base is allowed: its
    bar stops at 100%, its label is marked ‡ and the axis carries the note.
    """
    _check_name(name)
    rows = _check_table(table, "share_bars", over_base)
    axis_label = _over_base_label(axis_label, rows, "\n")
    if "group" in rows.columns and rows["group"].nunique() > 1:
        raise ValueError("share_bars: the table has several groups; use grouped_share_bars")
    fig, ax = _new_figure(len(rows))
    for y, row in enumerate(rows.itertuples(index=False)):
        _draw_share_bar(ax, y, row.count, row.base, OKABE_ITO["blue"], 0.62, caution_below, intervals)
    ax.set_yticks(range(len(rows)), [_mpl(label, 24) for label in rows["label"]])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    caution = any(wording.needs_caution(b, caution_below) for b in rows["base"])
    _finish(fig, ax, title, axis_label, caution, caution_below)
    return _output(fig, name, output_dir)


def grouped_share_bars(
    table: pd.DataFrame,
    title: str,
    name: str,
    output_dir: str | os.PathLike | None = None,
    caution_below: int | None = wording.CAUTION_BELOW,
    intervals: bool = False,
    axis_label: str = AXIS_LABEL,
) -> Figure:
    """Shares of categories for two (or more) groups side by side, e.g. interim and final.

    Groups come in table order; the legend gives each group's n ("Final (n=400)").
    A category missing from a group is marked "no data", not drawn as 0%.
    """
    _check_name(name)
    rows = _check_table(table, "grouped_share_bars")
    if "group" not in rows.columns:
        raise ValueError("grouped_share_bars: the table needs a 'group' column (e.g. the period)")
    groups = _groups(rows)
    categories = _categories(rows)
    height = 0.8 / len(groups)
    fig, ax = _new_figure(len(categories) * len(groups) * 0.75, extra=0.4)
    handles = []
    for g, group in enumerate(groups):
        fill = CATEGORICAL[g % len(CATEGORICAL)]
        in_group = _rows_for(rows, group)
        handles.append(Patch(facecolor=fill, label=_mpl(_n_label(group, _group_base(rows, group), caution_below))))
        for y, (code, _label) in enumerate(categories):
            offset = y - 0.4 + height * (g + 0.5)
            match = in_group[in_group["category"] == code]
            if match.empty:
                ax.text(0.5, offset, "no data", va="center", ha="left", fontsize=MIN_FONT_PT, color="#555555")
                continue
            row = match.iloc[0]
            _draw_share_bar(ax, offset, int(row["count"]), int(row["base"]), fill, height * 0.92, caution_below, intervals)
    ax.set_yticks(range(len(categories)), [_mpl(label, 24) for _c, label in categories])
    ax.set_ylim(len(categories) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 2), frameon=False)
    caution = any(wording.needs_caution(b, caution_below) for b in rows["base"])
    _finish(fig, ax, title, axis_label, caution, caution_below)
    return _output(fig, name, output_dir)


# --- interactive charts -------------------------------------------------------------------


def _plotly(text: object, width: int | None = None) -> str:
    """Data text for plotly: ``& < >`` escaped (plotly reads HTML in its text), wrapped with <br>."""
    clean = _clean(text)
    lines = textwrap.wrap(clean, width) if width else [clean]
    return "<br>".join(escape_html(line) for line in (lines or [clean]))


def _check_chart_id(chart_id: str) -> str:
    if not isinstance(chart_id, str) or not _CHART_ID.fullmatch(chart_id):
        raise ValueError(f"chart id {chart_id!r}: start with a letter; letters, digits, '_' or '-' only")
    return chart_id


def _plotly_layout(
    fig: go.Figure, title: str, rows: float, caution: bool, caution_below, legend: bool, axis_label: str = AXIS_LABEL
) -> None:
    """Shared layout: title, palette, % axis; the caution note under the axis; legend at the bottom."""
    axis_only = _plotly(axis_label, 20)
    note = _plotly(wording.caution_note(caution_below or wording.CAUTION_BELOW), 26) if caution else ""
    axis_title = axis_only + (f"<br>{note}" if note else "")
    bottom = 60 + 18 * axis_title.count("<br>") + (40 if legend else 0)
    fig.update_layout(
        title={"text": f"<b>{_plotly(title, 90)}</b>", "x": 0, "xref": "paper", "xanchor": "left"},
        template="simple_white",
        colorway=list(CATEGORICAL),
        font={"family": f"{FONT}, Arial, sans-serif", "size": 12},
        height=int(80 + bottom + 46 * max(rows, 1)),  # room for a label wrapped to three lines on a phone
        margin={"l": 10, "r": 40, "t": 70, "b": bottom},
        xaxis={"title": {"text": axis_title}, "range": [0, 100], "ticksuffix": "%", "dtick": 25, "showgrid": True},
        yaxis={"autorange": "reversed", "automargin": True},
        showlegend=legend,
        legend={"orientation": "h", "yref": "container", "y": 0.01, "yanchor": "bottom", "x": 0, "traceorder": "normal"},
        hoverlabel={"align": "left"},
        uniformtext={"mode": "hide", "minsize": 10},
        # For ReportChart, which writes the note as HTML under the chart (it wraps there).
        meta={"axis_title": axis_only, "note": note, "note_lines": note.count("<br>") + 1 if note else 0},
    )


def interactive_share_bars(
    table: pd.DataFrame,
    title: str,
    chart_id: str,
    caution_below: int | None = wording.CAUTION_BELOW,
    intervals: bool = False,
    axis_label: str = AXIS_LABEL,
    over_base: bool = False,
) -> go.Figure:
    """Horizontal share bars (one trace per group, if any) with count and base on hover.

    Labels read "60% (30 of 50)"; with ``intervals`` the 95% Wilson interval is drawn and labelled.
    ``over_base`` as for :func:`share_bars`.
    """
    _check_chart_id(chart_id)
    rows = _check_table(table, "interactive_share_bars", over_base)
    axis_label = _over_base_label(axis_label, rows, " ")  # the layout wraps it
    groups = _groups(rows)
    categories = _categories(rows)
    labels = {code: _plotly(label, 18) for code, label in categories}
    fig = go.Figure()
    for g, group in enumerate(groups):
        points = _share_points(_rows_for(rows, group), categories, labels, caution_below, intervals)
        name = _plotly(_n_label(group, _group_base(rows, group), caution_below)) if group is not None else ""
        fig.add_trace(_share_trace(points, name, f"{chart_id}-{g}", CATEGORICAL[g % len(CATEGORICAL)], intervals))
    caution = any(wording.needs_caution(b, caution_below) for b in rows["base"])
    # A row is as tall as its label, wrapped (about 15 px a line), or its bars.
    row_units = sum(max(len(groups) * 0.75, (15 * (labels[code].count("<br>") + 1) + 8) / 46) for code, _l in categories)
    _plotly_layout(fig, title, max(1.0, row_units), caution, caution_below, legend=groups != [None], axis_label=axis_label)
    # Room on the right for the labels outside the bars (longer with intervals).
    fig.update_layout(barmode="group", xaxis={"range": [0, 145 if intervals else 125], "tickvals": [0, 25, 50, 75, 100]})
    return fig


def _share_points(
    in_group: pd.DataFrame, categories: list[tuple[str, str]], labels: dict[str, str], caution_below: int | None, intervals: bool
) -> dict[str, list]:
    """One group's bars, by category: value (%), label, hover data and the interval's reach either side."""
    points: dict[str, list] = {"x": [], "y": [], "text": [], "custom": [], "plus": [], "minus": []}
    for code, _label in categories:
        match = in_group[in_group["category"] == code]
        if match.empty:
            continue
        count, base = int(match.iloc[0]["count"]), int(match.iloc[0]["base"])
        label = _bar_label(count, base, caution_below, intervals)
        value = min(100.0, _exact_percent(count, base))
        low, high = wording.wilson_interval(count, base) if base > 0 and count <= base else (value / 100, value / 100)
        points["x"].append(value)
        points["plus"].append(max(0.0, 100 * high - value))
        points["minus"].append(max(0.0, value - 100 * low))
        points["y"].append(labels[code])
        points["text"].append(_plotly(label))
        points["custom"].append([count, base, _plotly(label), labels[code].replace("<br>", " ")])
    return points


def _share_trace(points: dict[str, list], name: str, uid: str, colour: str, intervals: bool) -> go.Bar:
    """One group's horizontal bars, labelled, with count and base on hover (and the interval, with ``intervals``)."""
    x, y, text, custom, plus, minus = (points[key] for key in ("x", "y", "text", "custom", "plus", "minus"))
    return go.Bar(
        x=x,
        y=y,
        orientation="h",
        name=name,
        uid=uid,
        marker={"color": colour},
        # Inside a bar long enough to hold it, else just past its end: a label never runs off a phone's screen.
        text=text,
        textposition=["outside" if v < 60 else "auto" for v in x],
        cliponaxis=False,
        customdata=custom,
        insidetextanchor="end",
        insidetextfont={"color": _text_colour(colour)},
        outsidetextfont={"color": OKABE_ITO["black"]},
        constraintext="none",
        hovertemplate=(
            "<b>%{customdata[3]}</b><br>%{customdata[0]} of %{customdata[1]} answered<br>%{customdata[2]}<extra>%{fullData.name}</extra>"
        ),
        error_x=(
            {
                "type": "data",
                "symmetric": False,
                "array": plus,
                "arrayminus": minus,
                "color": OKABE_ITO["black"],
                "thickness": 1,
                "width": 3,
            }
            if intervals
            else None
        ),
    )


def interactive_likert(
    table: pd.DataFrame,
    title: str,
    chart_id: str,
    caution_below: int | None = wording.CAUTION_BELOW,
    colours: Sequence[str] | None = None,
) -> go.Figure:
    """Ordered stacked bars (one per group, n in the label), answer, count and base on hover."""
    _check_chart_id(chart_id)
    rows = _check_table(table, "interactive_likert")
    groups = _groups(rows)
    bases = {}
    for group in groups:
        base = _group_base(rows, group)
        if base is None:
            raise ValueError(f"interactive_likert: group {group!r} has more than one base; one bar needs one base")
        bases[group] = base
    blocks = _label_blocks(rows, groups, _categories(rows))
    fig = go.Figure()
    for b, block in enumerate(blocks):
        categories, fills = _block_scale(rows, block, colours, "interactive_likert")
        y = [_plotly(_n_label(group or "All answers", bases[group], caution_below), 22) for group in block]
        for i, ((code, label), fill) in enumerate(zip(categories, fills)):
            x, text, custom = [], [], []
            for group in block:
                in_group = _rows_for(rows, group)
                match = in_group[in_group["category"] == code]
                count = int(match["count"].sum()) if not match.empty else 0
                base = bases[group]
                value = _exact_percent(count, base)
                pct = wording.percent(count, base) if base else 0
                x.append(value)
                text.append(f"{pct}%" if value >= LABEL_MIN_PERCENT else "")
                custom.append([count, base, pct, _plotly(label)])
            # Each block's answers are named as its own rows word them (one legend group per wording).
            group_title = "Answers for " + ", ".join(g or "All answers" for g in block) if len(blocks) > 1 else ""
            fig.add_trace(
                go.Bar(
                    x=x,
                    y=y,
                    orientation="h",
                    name=_plotly(label, 30),
                    uid=f"{chart_id}-{b}-{i}" if b else f"{chart_id}-{i}",
                    legendgroup=f"{chart_id}-{b}",
                    legendgrouptitle={"text": _plotly(group_title)} if group_title else None,
                    marker={"color": fill, "line": {"color": "white", "width": 1}},
                    text=text,
                    textposition="inside",
                    insidetextanchor="middle",
                    textfont={"color": _text_colour(fill)},
                    customdata=custom,
                    hovertemplate=(
                        "%{y}<br><b>%{customdata[3]}</b>: %{customdata[2]}% (%{customdata[0]} of %{customdata[1]})<extra></extra>"
                    ),
                )
            )
    caution = any(wording.needs_caution(b, caution_below) for b in bases.values())
    _plotly_layout(fig, title, len(groups), caution, caution_below, legend=True)
    fig.update_layout(barmode="stack")
    return fig


_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")


def _legend_html(fig: go.Figure) -> str:
    """The chart's legend as an HTML list (names are already escaped by _plotly), one list per legend group."""
    groups: dict[str, tuple[str, list[str]]] = {}
    for trace in fig.data:
        if trace.showlegend is False or not trace.name:
            continue
        colour = getattr(trace.marker, "color", None)
        swatch = f' style="background:{colour}"' if isinstance(colour, str) and _COLOUR.fullmatch(colour) else ""
        title = trace.legendgrouptitle.text if trace.legendgrouptitle and trace.legendgrouptitle.text else ""
        name = re.sub(r"<br\s*/?>", " ", trace.name)
        item = f'<li><span class="pdu-swatch"{swatch}></span>{name}</li>'
        groups.setdefault(trace.legendgroup or "", (title, []))[1].append(item)
    if not groups:
        return ""
    parts = []
    for title, items in groups.values():
        heading = f'<p class="pdu-legend-title">{title}</p>' if title else ""
        parts.append(f'{heading}<ul class="pdu-legend">{"".join(items)}</ul>')
    return f'<div class="pdu-legends">{"".join(parts)}</div>'


_HOVER_HINT = re.compile(r"\s*\((?:hover|tap)[^()]*\)\s*$", re.IGNORECASE)


def _hint_html(hint: str) -> str:
    """The hint in a pointer's words and a touch screen's ("tap"); the page's stylesheet shows the one that fits.

    >>> _hint_html("(hover for counts)")
    '<span class="pdu-hover-hint"><span class="pdu-hint-pointer"> (hover for counts)</span><span class="pdu-hint-touch"> (tap for counts)</span></span>'
    """
    touch = re.sub(r"\b(?:tap or hover|hover or tap|hover)\b", "tap", hint, flags=re.IGNORECASE)
    return f'<span class="pdu-hover-hint"><span class="pdu-hint-pointer"> {hint}</span><span class="pdu-hint-touch"> {touch}</span></span>'


class ReportChart:
    """A plotly chart as report HTML: a figure with its title as HTML, a div and its drawing call, no script loaded.

    The title is taken out of the plot and written as the figure's caption,
    so it wraps at any width (plotly cuts a long title on a phone) and no
    toolbar covers it; a hint such as "(hover for counts)" is marked
    ``pdu-hover-hint`` so print leaves it out. The page that holds the chart
    must provide plotly.js (once); the div id is the caller's chart id, so
    two renders give the same HTML.
    """

    def __init__(self, fig: go.Figure, chart_id: str, replaces_static: bool = False) -> None:
        self.chart_id = _check_chart_id(chart_id)
        plotted = go.Figure(fig)
        check_trace_types((trace.type for trace in plotted.data), chart_id)
        # plotly title text is already escaped by _plotly(); drop its markup and line breaks.
        title = re.sub(r"<br\s*/?>", " ", plotted.layout.title.text or "")
        title = re.sub(r"</?b>", "", title).strip()
        hint = _HOVER_HINT.search(title)
        caption = title[: hint.start()] if hint else title
        legend = _legend_html(plotted) if plotted.layout.showlegend is not False else ""
        if legend:
            # The legend is HTML under the chart, where it wraps at any width; plotly's own is cut on a phone.
            plotted.update_layout(
                showlegend=False,
                height=max(200, (plotted.layout.height or 400) - 40),
                margin={"b": max(40, (plotted.layout.margin.b or 100) - 40)},
            )
        meta = plotted.layout.meta if isinstance(plotted.layout.meta, dict) else {}
        note_html = ""
        if meta.get("note"):
            note_html = f'<p class="pdu-chart-note">{meta["note"].replace("<br>", " ")}</p>'
            lines = int(meta.get("note_lines", 1))
            plotted.update_layout(
                xaxis={"title": {"text": meta["axis_title"]}},
                height=max(200, (plotted.layout.height or 400) - 18 * lines),
                margin={"b": max(40, (plotted.layout.margin.b or 100) - 18 * lines)},
            )
        plotted.update_layout(title={"text": ""}, margin={"t": 20})
        div = plotted.to_html(
            full_html=False,
            include_plotlyjs=False,
            include_mathjax=False,
            div_id=chart_id,
            config={"displaylogo": False, "responsive": True, "displayModeBar": False},
        )
        hint_html = _hint_html(hint.group(0).strip()) if hint else ""
        self.title = caption
        self.html = (
            f'<figure class="pdu-interactive{" pdu-replaces-static" if replaces_static else ""}" id="{chart_id}-figure">'
            f'<figcaption class="pdu-chart-title">{caption}{hint_html}</figcaption>{div}{legend}{note_html}</figure>'
        )

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"ReportChart({self.chart_id!r})"


def check_trace_types(types, chart: str) -> None:
    """Refuse a chart that the pages' plotly.js (the basic bundle) cannot draw.

    >>> check_trace_types(["bar", "bar"], "links")
    >>> check_trace_types(["heatmap"], "links")
    Traceback (most recent call last):
    ...
    ValueError: chart 'links' draws a heatmap trace: the report pages' plotly.js (the basic bundle) draws bar, pie and scatter traces only
    """
    for kind in types:
        if kind not in config.PLOTLY_TRACE_TYPES:
            raise ValueError(
                f"chart {chart!r} draws a {kind} trace: the report pages' plotly.js (the basic bundle) draws "
                f"{', '.join(sorted(config.PLOTLY_TRACE_TYPES)[:-1])} and {sorted(config.PLOTLY_TRACE_TYPES)[-1]} traces only"
            )


def show_interactive(fig: go.Figure, chart_id: str, report_mode: bool, replaces_static: bool = False) -> ReportChart | go.Figure:
    """For the report, the chart as deterministic HTML (:class:`ReportChart`); in JupyterLab, the figure.

    With ``replaces_static``, the interactive chart stands in on screen for the
    static chart shown just before it (the same data): the page shows one of
    them, and print shows the static one.
    """
    _check_chart_id(chart_id)
    return ReportChart(fig, chart_id, replaces_static=replaces_static) if report_mode else fig
