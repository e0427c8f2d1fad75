"""A section's setup, and the evaluator's text through a real render: placeholders filled, unknown ones named, report tags obeyed."""

from __future__ import annotations

import nbformat
import pytest

from pdu_lib import config
from pdu_lib.analysis.figures import figure_map
from pdu_lib.config import Section
from pdu_lib.inputs.dataset import load_dataset
from pdu_lib.present import authoring, wording
from pdu_lib.report import notebook
from pdu_lib.report.execute import render_section


def test_setup_makes_the_reports_figures_and_front_matter_what_prose_fills_from():
    page = notebook.setup("final")
    period = page.ds.period
    filled = authoring.fill("{report_title} by {author}, {learning_events} events, {latest_round}.", page.text_values)
    assert filled == f"{period.title} by {period.author}, {page.result('learning_events')} events, {notebook.month(page.ds.latest_round)}."
    assert page.text_values.report == "final" and set(page.figures) == set(figure_map(page.ds))


def test_the_compared_report_is_named_only_where_there_is_one():
    final = notebook.text_values_for(load_dataset(None, "final"), {}, "final").values
    interim = notebook.text_values_for(load_dataset(None, "interim"), {}, "interim").values
    reports = config.load_reports(config.SAMPLE_DATA_DIR)
    assert final["compared_report"] == reports["interim"].title.lower() and final["compared_published"] == reports["interim"].published
    assert interim["compared_report"] == interim["compared_published"] == ""


def test_say_adds_a_value_the_text_can_name_and_keeps_the_figures():
    page = notebook.setup("interim")
    page.say(top_answer="colleagues <in my team>")
    assert (
        authoring.fill("{top_answer}: {learning_events}", page.text_values)
        == f"colleagues &lt;in my team&gt;: {page.result('learning_events')}"
    )


# ---------------------------------------------------------------------------
# Through papermill and the HTML export, as pdu-report runs a section

SETUP = "%load_ext pdu_lib.present.authoring\nfrom pdu_lib.report import notebook\npage = notebook.setup(report, data_dir, output_dir, report_mode, show_intervals)"


def _tiny_section(folder, name, prose_cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    parameters = nbformat.v4.new_code_cell(
        "report = 'final'\ndata_dir = None\noutput_dir = None\nreport_mode = False\nshow_intervals = False"
    )
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Tiny"), parameters, nbformat.v4.new_code_cell(SETUP)]
    nb.cells += [nbformat.v4.new_code_cell("%%prose\n" + text) for text in prose_cells]
    nbformat.write(nb, folder / name)
    return Section("tiny", name, "Tiny")


def _render(tmp_path, sect, report="final", notebooks_dir=None, drop_other_reports=True):
    executed = tmp_path / f"executed-{report}"
    executed.mkdir(exist_ok=True)
    params = {
        "report": report,
        "data_dir": str(config.SAMPLE_DATA_DIR),
        "output_dir": str(tmp_path),
        "report_mode": True,
        "show_intervals": False,
    }
    others = [name for name in config.load_reports(config.SAMPLE_DATA_DIR) if name != report] if drop_other_reports else []
    return render_section(0, sect, notebooks_dir=notebooks_dir or tmp_path, parameters=params, executed_dir=executed, drop_tags=others)


def test_a_section_fills_its_placeholders_and_an_unknown_one_fails_it_by_cell_and_name(tmp_path):
    good = _render(
        tmp_path,
        _tiny_section(
            tmp_path, "good.ipynb", ["We ran {learning_events:words} events; {made_contact:phrase} made contact.", "Aware: {hub_aware}."]
        ),
    )
    figures = figure_map(load_dataset(None, "final"))
    assert good.ok, good.error
    expected = authoring.fill(
        "We ran {learning_events:words} events; {made_contact:phrase} made contact.", authoring.TextValues(figures=figures)
    )
    assert expected.replace("'", "&#39;") in good.body or expected in good.body
    # A percentage on a small base brings the caution note, styled, with its text inside it.
    assert f'<p class="pdu-caution"><small>{wording.CAUTION_NOTE}</small></p>' in good.body

    bad = _render(tmp_path, _tiny_section(tmp_path, "bad.ipynb", ["Fine: {learning_events}.", "We met {learning_event} people."]))
    assert not bad.ok
    assert "PlaceholderError" in bad.error and "{learning_event}" in bad.error
    assert "We met" in bad.error and "(cell [" in bad.error


@pytest.fixture(scope="module")
def next_steps_pages(tmp_path_factory):
    """The real next-steps section rendered for each report."""
    sect = next(s for s in config.SECTIONS if s.key == "next_steps")
    root = tmp_path_factory.mktemp("tags")
    return {report: _render(root, sect, report, notebooks_dir=config.NOTEBOOKS_DIR) for report in ("interim", "final")}


def test_a_real_section_shows_each_reports_own_text(next_steps_pages):
    final, interim = next_steps_pages["final"], next_steps_pages["interim"]
    assert final.ok and interim.ok, (final.error, interim.error)
    for heading in ("Issues arising from the evaluation", "Conclusions"):
        assert heading in final.body and heading not in interim.body
    assert "Emerging conclusions" in interim.body and "Emerging conclusions" not in final.body
    # The Steering Group's next steps come from its January 2019 interviews: the interim has its own, shorter text.
    assert "More effective in supporting practice development" in final.body
    assert "More effective in supporting practice development" not in interim.body
    assert "The interim findings point to the questions the final report will return to" in interim.body


def test_run_all_in_jupyterlab_with_report_interim_swaps_the_text_without_dropping_cells(tmp_path):
    """JupyterLab runs every cell: the ``%%prose final`` cells show nothing when ``report = "interim"``."""
    sect = next(s for s in config.SECTIONS if s.key == "next_steps")
    page = _render(tmp_path, sect, "interim", notebooks_dir=config.NOTEBOOKS_DIR, drop_other_reports=False)
    assert page.ok, page.error
    assert "Emerging conclusions" in page.body and "Issues arising from the evaluation" not in page.body


def test_a_section_of_a_period_with_an_empty_follow_up_round_leaves_its_passages_out(sample_copy, tmp_path):
    import openpyxl

    path = sample_copy / "followup_surveys" / "2018-06.xlsx"
    workbook = openpyxl.load_workbook(path)
    workbook.active.delete_rows(3, workbook.active.max_row)
    workbook.save(path)
    sect = next(s for s in config.SECTIONS if s.key == "outcomes")
    executed = tmp_path / "executed"
    executed.mkdir()
    params = {"report": "interim", "data_dir": str(sample_copy), "output_dir": str(tmp_path), "report_mode": True, "show_intervals": False}
    page = render_section(0, sect, notebooks_dir=config.NOTEBOOKS_DIR, parameters=params, executed_dir=executed, drop_tags=["final"])
    assert page.ok, page.error
    assert authoring.LEFT_OUT.strip() in page.body
    assert wording.NO_BASE not in page.body and "pdu-chart" not in page.body
