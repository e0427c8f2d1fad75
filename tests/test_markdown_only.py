"""One markdown edit: the section's page is exported again from its kept run, with no kernel, and is what a cold render gives."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from pdu_lib import config
from pdu_lib.report import execute, render

PAGE = Path("sections") / "09_changes_at_work.html"
SENTENCE = "A sentence the evaluator added to a markdown cell."


def _edit_markdown(notebook: Path) -> None:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cell = [c for c in nb["cells"] if c["cell_type"] == "markdown"][-1]
    cell["source"] = "".join(cell["source"]) + f"\n\n{SENTENCE}"
    notebook.write_text(json.dumps(nb, indent=1), encoding="utf-8")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("markdown-only")
    notebooks = root / "notebooks"
    shutil.copytree(config.NOTEBOOKS_DIR, notebooks, ignore=shutil.ignore_patterns(".*"))
    executed: list[str] = []
    real_execute = execute.execute_notebook

    def counting_execute(notebook, executed_path, *args, **kwargs):
        executed.append(Path(executed_path).name)
        return real_execute(notebook, executed_path, *args, **kwargs)

    runs = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(execute, "execute_notebook", counting_execute)
        mp.setattr(config, "NOTEBOOKS_DIR", notebooks)
        for label, cache in (("first", "cache"), ("markdown edited", "cache"), ("cold", "cache-cold")):
            if label == "markdown edited":
                _edit_markdown(notebooks / "09_changes_at_work.ipynb")
            mp.setenv("PDU_CACHE_DIR", str(root / cache))
            executed.clear()
            out = root / label.replace(" ", "-")
            results = render.render_reports(["final"], out_dir=out, jobs=1, sections=["changes"], stream=io.StringIO())
            assert all(result.ok for result in results), [(s.section.key, s.error) for r in results for s in r.failed]
            runs[label] = {"executed": list(executed), "report": out / "final"}
    return runs


def test_a_markdown_edit_runs_no_kernel(runs):
    assert runs["first"]["executed"] == ["09_changes_at_work.ipynb"]
    assert runs["markdown edited"]["executed"] == []
    assert SENTENCE in (runs["markdown edited"]["report"] / PAGE).read_text(encoding="utf-8")


def test_the_page_after_a_markdown_edit_is_the_one_a_cold_render_gives(runs):
    assert (runs["markdown edited"]["report"] / PAGE).read_bytes() == (runs["cold"]["report"] / PAGE).read_bytes()
    edited, cold = runs["markdown edited"]["report"], runs["cold"]["report"]
    charts = sorted(path.name for path in (cold / "charts").iterdir())
    assert sorted(path.name for path in (edited / "charts").iterdir()) == charts
