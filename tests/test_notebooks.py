"""The notebooks are thin, parameterised and committed without outputs."""

import json
import re
from pathlib import Path

import pytest

from pdu_lib import config

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))


def _code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]


def test_there_is_one_notebook_per_section_plus_the_exploration_notebook():
    names = {p.name for p in NOTEBOOKS}
    assert names == {s.notebook for s in config.SECTIONS} | {config.EXPLORATION_NOTEBOOK}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    for cell in _code_cells(path):
        assert cell.get("outputs") == [], f"{path.name} has outputs: run nbstripout"
        assert cell.get("execution_count") is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_is_tagged_parameters_with_report_and_data_dir(path):
    first = _code_cells(path)[0]
    assert "parameters" in first["metadata"].get("tags", [])
    source = "".join(first["source"])
    assert re.search(r"^report = ", source, re.M) and re.search(r"^data_dir = None", source, re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_notebook_hard_codes_a_path_a_date_or_a_figure(path):
    body = "".join("".join(c["source"]) for c in _code_cells(path)[1:])
    assert not re.search(r"['\"](/|\.\./|[A-Za-z]:\\\\)|\.csv|\.xlsx", body), "a path is hard-coded"
    assert not re.search(r"\b(19|20)\d\d-\d\d", body), "a date is hard-coded"
    assert not re.search(r"\b\d{2,}\b", body), "a number is typed into the notebook"


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _prose_cells(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in _cells(path) if c["cell_type"] == "code" and "".join(c["source"]).startswith("%%prose")]


SECTION_NOTEBOOKS = [p for p in NOTEBOOKS if p.name != config.EXPLORATION_NOTEBOOK]


@pytest.mark.parametrize("path", SECTION_NOTEBOOKS, ids=lambda p: p.name)
def test_the_evaluator_types_no_number_into_the_text(path):
    """Markdown and %%prose cells carry numbers only as placeholders (a year, such as a funding end, is allowed)."""
    texts = ["".join(c["source"]) for c in _cells(path) if c["cell_type"] == "markdown"] + _prose_cells(path)
    for text in texts:
        without_placeholders = re.sub(r"\{[^{}]*\}", "", text)
        numbers = [n for n in re.findall(r"\d+", without_placeholders) if not re.fullmatch(r"(19|20)\d\d", n)]
        assert not numbers, f"{path.name}: typed number(s) {numbers} in {text[:80]!r}"


@pytest.mark.parametrize("path", SECTION_NOTEBOOKS, ids=lambda p: p.name)
def test_a_report_tagged_prose_cell_is_tagged_for_the_render_too(path):
    """``%%prose final`` swaps text in JupyterLab; the same cell tagged ``final`` is dropped from the other report's render."""
    for cell in _cells(path):
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and source.startswith("%%prose"):
            reports = source.splitlines()[0].split()[1:]
            assert sorted(reports) == sorted(t for t in cell["metadata"].get("tags", []) if t in ("final", "interim")), source[:60]


@pytest.fixture(scope="module")
def placeholder_names():
    from pdu_lib.analysis.figures import figure_map
    from pdu_lib.inputs.dataset import load_dataset
    from pdu_lib.report import notebook

    names = {}
    for report in ("interim", "final"):
        ds = load_dataset(None, report)
        names[report] = set(notebook.text_values_for(ds, figure_map(ds), report).known())
    return names


@pytest.mark.parametrize("path", SECTION_NOTEBOOKS, ids=lambda p: p.name)
def test_every_placeholder_names_a_figure_or_value_of_the_reports_it_shows_in(path, placeholder_names):
    import string

    for source in _prose_cells(path):
        reports = source.splitlines()[0].split()[1:] or ["interim", "final"]
        names = {name for _, name, _, _ in string.Formatter().parse(source.split("\n", 1)[1]) if name}
        for report in reports:
            assert names <= placeholder_names[report], f"{path.name} ({report}): unknown {sorted(names - placeholder_names[report])}"


@pytest.mark.parametrize("path", SECTION_NOTEBOOKS, ids=lambda p: p.name)
def test_text_for_one_report_is_a_prose_cell_so_jupyterlab_swaps_it(path):
    """A markdown cell cannot hide itself in JupyterLab when ``report`` changes; ``%%prose final`` can."""
    for cell in _cells(path):
        if cell["cell_type"] == "markdown":
            assert not {"final", "interim"} & set(cell["metadata"].get("tags", [])), "".join(cell["source"])[:60]
