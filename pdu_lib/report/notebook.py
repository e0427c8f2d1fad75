"""The first cell of every section notebook: load the report's data, compute its figures, get the prose ready.

A section notebook starts with its ``parameters`` cell and then::

    %load_ext pdu_lib.present.authoring
    from pdu_lib.report import notebook
    page = notebook.setup(report, data_dir, output_dir, report_mode, show_intervals)
    ds = page.ds

``page.ds`` is the report's :class:`~pdu_lib.inputs.dataset.Dataset`,
``page.figures`` its figures by id, and ``%%prose`` cells fill their
placeholders from those figures and the report's front matter (see
:mod:`pdu_lib.present.authoring`). ``page.chart`` and ``page.interactive``
show a chart the way the report shows it: a PNG (saved beside the report
when it is being rendered) and, in JupyterLab, a live plotly chart.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdu_lib import config
from pdu_lib.analysis.figures import FigureValue, figure_map
from pdu_lib.inputs.dataset import Dataset
from pdu_lib.inputs.periods import round_label
from pdu_lib.present import authoring
from pdu_lib.report.cache import open_dataset
from pdu_lib.report.section_reads import recording

if TYPE_CHECKING:  # pragma: no cover
    from pdu_lib.present.page_parts import StaticChart

# Charts (matplotlib, seaborn, plotly) are imported when a section draws one: the render imports this module
# for text_values_for, and must not pay for them.

month = round_label  # a follow-up round as the report writes it ("January 2019"), for the notebooks


def text_values_for(ds: Dataset, figures: dict[str, FigureValue], report: str, show_intervals: bool = False) -> authoring.TextValues:
    """What ``%%prose`` cells can name: every figure, the front matter, and a few words about the period.

    Beyond :func:`authoring.report_values` the text can name ``{latest_round}``
    (the month of the latest follow-up survey, "January 2019"; with no
    follow-up responses in the period it has no data, so a passage naming it
    is left out), ``{first_round}``, ``{compared_report}`` and ``{compared_published}`` (the
    report this one builds on and when it was published; empty when none).
    """
    values = authoring.report_values(ds.period, config.programme_name(ds.data_dir))
    compared = config.load_reports(ds.data_dir).get(ds.period.compare_with) if ds.period.compare_with else None
    values.update(
        latest_round=month(ds.latest_round),
        first_round=month(ds.rounds[0] if ds.rounds else None),
        compared_report=compared.title.lower() if compared else "",
        compared_published=compared.published if compared else "",
    )
    return authoring.TextValues(figures=figures, values=values, report=report, intervals=show_intervals)


@dataclass
class Page:
    """One section being shown: its data, its figures, what its ``%%prose`` cells fill from and how its charts are shown.

    ``%%prose`` cells find the page's ``text_values`` in the notebook's namespace (the variable ``page``).
    """

    ds: Dataset
    figures: dict[str, FigureValue]
    report: str
    output_dir: Path | None = None
    report_mode: bool = False
    show_intervals: bool = False
    text_values: authoring.TextValues = field(default_factory=authoring.TextValues)

    @property
    def name(self) -> str:
        """The report's name (``final``), which prefixes every saved chart's file name."""
        return self.ds.period.name

    def result(self, figure_id: str) -> Any:
        """A figure's Share or count, by its id."""
        return self.figures[figure_id].result

    def chart(self, fig, title: str) -> StaticChart:
        """A matplotlib chart as the report shows it: a PNG with its title as alt text."""
        from pdu_lib.present.page_parts import StaticChart

        return StaticChart(fig, title)

    def interactive(self, fig, chart_id: str, replaces_static: bool = False):
        """A plotly chart: live in JupyterLab, deterministic HTML in the rendered report.

        ``replaces_static=True`` when it draws the same data as the static chart
        just before it: on screen the page then shows the interactive one only.
        """
        from pdu_lib.present import charts

        return charts.show_interactive(fig, f"{self.name}-{chart_id}", self.report_mode, replaces_static=replaces_static)

    def say(self, **values: str) -> None:
        """Let ``%%prose`` cells name more text values (a label computed in the notebook, for example)."""
        self.text_values = dataclasses.replace(self.text_values, values={**self.text_values.values, **values})


def setup(
    report: str,
    data_dir: str | None = None,
    output_dir: str | None = None,
    report_mode: bool = False,
    show_intervals: bool = False,
    dataset_path: str | None = None,
) -> Page:
    """Load the report's Dataset, compute its figures and make them what ``%%prose`` cells fill from.

    The Dataset is the prepared one (``pdu_lib.report.cache.open_dataset``): the
    render's snapshot at ``dataset_path``, else the user cache's, loading only on a miss.
    """
    ds = open_dataset(data_dir, report, dataset_path=dataset_path)
    figures = figure_map(ds)
    text_values = text_values_for(ds, figures, report, show_intervals)
    if report_mode and output_dir:  # rendered: note what the section reads, so that it is keyed on that (section_reads)
        ds, figures, values = recording(ds, figures, text_values.values, Path(output_dir))
        text_values = dataclasses.replace(text_values, figures=figures, values=values)
    return Page(ds, figures, report, Path(output_dir) if output_dir else None, report_mode, show_intervals, text_values)


def figure_catalogue(data_dir, report: str, *, as_table: bool = False):
    """What every ``%%prose`` placeholder of ``report`` gives (:mod:`pdu_lib.present.figure_catalogue`): text, or the table."""
    from pdu_lib.inputs.dataset import load_dataset
    from pdu_lib.present.figure_catalogue import catalogue, catalogue_text

    ds = load_dataset(data_dir, report)
    figures = figure_map(ds)
    table = catalogue(text_values_for(ds, figures, report), {key: figure.statement for key, figure in figures.items()})
    return table if as_table else catalogue_text(table)
