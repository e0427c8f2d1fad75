"""The incremental render: a section runs again only when its notebook, data, library or parameters changed.

Tiny throwaway notebooks, as in test_render.py: one reads a data file (through
the prepared dataset's cache, as the report's notebooks do) and shows its
total and writes a chart file; the other shows fixed text. The data functions
are stubbed with ones that read that file, so a changed row changes the
Dataset and the figures.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from notebookfiles import write_notebook

from pdu_lib import cli, config
from pdu_lib.config import Section
from pdu_lib.report import cache, execute, render

REPORTS_YML = textwrap.dedent(
    """\
    programme: Test Programme
    reports:
      final:
        title: Final evaluation report
        start: 2017-10-01
        end: 2019-01-31
    """
)

PARAMETERS = "report = 'final'\ndata_dir = ''\noutput_dir = ''\nreport_mode = False\nshow_intervals = False\ndataset_path = None"

COUNTS = [
    "from pathlib import Path\nfrom pdu_lib.report.cache import open_dataset\n"
    "ds = open_dataset(data_dir, report, dataset_path=dataset_path)\n"
    "print('TOTAL', sum(ds['rows']))",
    "folder = Path(output_dir, 'charts')\nfolder.mkdir(parents=True, exist_ok=True)\n"
    "(folder / 'total.txt').write_text(str(sum(ds['rows'])))",
]
STATIC = ["print('STATIC-MARKER')"]

SECTIONS = (
    Section("counts", "01_counts.ipynb", "Counts"),
    Section("static", "02_static.ipynb", "Static"),
)


def load_rows(data_dir, report):
    """A stand-in for load_dataset: the rows of rows.csv."""
    return {"rows": pd.read_csv(Path(data_dir) / "rows.csv")["value"].tolist()}


def figures_of(dataset) -> pd.DataFrame:
    return pd.DataFrame({"figure_id": ["total"], "value": [float(sum(dataset["rows"]))], "section": ["counts"]})


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    (root / "notebooks").mkdir()
    write_notebook(root / "notebooks" / "01_counts.ipynb", COUNTS, PARAMETERS)
    write_notebook(root / "notebooks" / "02_static.ipynb", STATIC, PARAMETERS)
    data = root / "data"
    data.mkdir()
    (data / "reports.yml").write_text(REPORTS_YML, encoding="utf-8")
    (data / "rows.csv").write_text("value\n1\n2\n3\n", encoding="utf-8")
    library = root / "pdu_lib"
    shutil.copytree(cache.LIBRARY_DIR, library, ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture(scope="module")
def runs(workspace):
    """Renders in turn, each after one change; what each executed and what it wrote."""
    executed: list[str] = []
    loaded: list[str] = []
    published: list[str] = []
    real_execute = execute.execute_notebook
    real_publish = render.publish_report

    def counting_publish(result, *args, **kwargs):
        published.append(result.name)
        return real_publish(result, *args, **kwargs)

    def counting_execute(notebook, executed_path, *args, **kwargs):
        executed.append(Path(executed_path).name)
        return real_execute(notebook, executed_path, *args, **kwargs)

    def counting_load(data_dir, report):
        loaded.append(report)
        return load_rows(data_dir, report)

    out = workspace / "outputs"
    data = workspace / "data"
    history = {}

    def render_now(label: str, *args: str) -> None:
        executed.clear()
        loaded.clear()
        published.clear()
        code = cli.main(["render", "final", "--data", str(data), "--out", str(out), "--jobs", "2", *args])
        report = out / "final"
        history[label] = {
            "exit": code,
            "executed": sorted(executed),
            "loaded": list(loaded),
            "published": list(published),
            "index_mtime": (report / "index.html").stat().st_mtime_ns,
            "index": (report / "index.html").read_text(encoding="utf-8"),
            "counts": (report / "sections" / "01_counts.html").read_text(encoding="utf-8"),
            "static": (report / "sections" / "02_static.html").read_text(encoding="utf-8"),
            "single": (report / "final_report.html").read_text(encoding="utf-8"),
            "figures": (report / "figures.csv").read_text(encoding="utf-8"),
            "chart": (report / "charts" / "total.txt").read_text(encoding="utf-8"),
        }

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PDU_CACHE_DIR", str(workspace / "cache"))
        mp.setattr(config, "NOTEBOOKS_DIR", workspace / "notebooks")
        mp.setattr(config, "SECTIONS", SECTIONS)
        mp.setattr(render, "load_dataset", counting_load)
        mp.setattr(render, "compute_figures", figures_of)
        mp.setattr(execute, "execute_notebook", counting_execute)
        mp.setattr(render, "publish_report", counting_publish)
        mp.setattr(cache, "LIBRARY_DIR", workspace / "pdu_lib")

        render_now("cold")
        render_now("unchanged")

        (out / "final" / "index.html").write_text("<p>edited by hand</p>", encoding="utf-8")
        render_now("output edited")

        (data / "rows.csv").write_text("value\n1\n2\n30\n", encoding="utf-8")
        render_now("data row")

        metrics = workspace / "pdu_lib" / "analysis" / "metrics.py"
        metrics.write_text(metrics.read_text(encoding="utf-8") + "\n\ndef changed():\n    return 1\n", encoding="utf-8")
        render_now("library")

        nb = nbformat.read(workspace / "notebooks" / "02_static.ipynb", as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell("print('EDITED-MARKER')"))
        nbformat.write(nb, workspace / "notebooks" / "02_static.ipynb")
        render_now("notebook")

        render_now("no cache", "--no-cache")
        render_now("after no cache")
    return history


BOTH = ["01_counts.ipynb", "02_static.ipynb"]


def test_every_render_succeeds(runs):
    assert {label: run["exit"] for label, run in runs.items()} == {label: 0 for label in runs}


def test_a_cold_render_runs_every_section_and_checks_the_data_once(runs):
    assert runs["cold"]["executed"] == BOTH
    assert runs["cold"]["loaded"] == ["final"]
    assert "TOTAL 6" in runs["cold"]["counts"] and runs["cold"]["chart"] == "6"


def test_a_render_with_nothing_changed_executes_no_notebook(runs):
    cold, unchanged = runs["cold"], runs["unchanged"]
    assert unchanged["executed"] == []
    assert unchanged["loaded"] == [], "the checked snapshot is reused"
    for part in ("counts", "static", "single", "figures", "chart"):
        assert unchanged[part] == cold[part], part


def test_a_render_with_nothing_changed_leaves_the_published_report_as_it_is(runs):
    assert runs["cold"]["published"] == ["final"]
    assert runs["unchanged"]["published"] == []
    assert runs["unchanged"]["index_mtime"] == runs["cold"]["index_mtime"], "not even rewritten"


def test_a_published_report_changed_by_hand_is_published_again_from_the_cache(runs):
    edited = runs["output edited"]
    assert edited["published"] == ["final"] and edited["executed"] == []
    assert edited["single"] == runs["cold"]["single"]
    assert edited["index"] == runs["cold"]["index"]


def test_a_changed_data_row_re_renders_and_moves_its_figures(runs):
    changed = runs["data row"]
    assert changed["executed"] == BOTH
    assert changed["loaded"] == ["final"]
    assert "TOTAL 33" in changed["counts"] and "TOTAL 6" not in changed["counts"]
    assert "TOTAL 33" in changed["single"]
    assert changed["chart"] == "33", "the chart files come from the new run"
    assert "total,33," in changed["figures"] and "total,6," in runs["cold"]["figures"]


def test_a_changed_library_function_re_renders(runs):
    assert runs["library"]["executed"] == BOTH
    assert runs["library"]["loaded"] == ["final"], "a new library checks the data again"


def test_a_changed_notebook_re_renders_that_section_alone(runs):
    changed = runs["notebook"]
    assert changed["executed"] == ["02_static.ipynb"]
    assert "EDITED-MARKER" in changed["static"]
    assert changed["counts"] == runs["library"]["counts"]
    assert changed["chart"] == "33", "the cached section's chart is still published"


def test_no_cache_runs_everything_and_refreshes_the_cache(runs):
    assert runs["no cache"]["executed"] == BOTH
    assert runs["no cache"]["loaded"] == ["final"]
    assert runs["after no cache"]["executed"] == [] and runs["after no cache"]["loaded"] == []
    assert runs["after no cache"]["single"] == runs["notebook"]["single"]
