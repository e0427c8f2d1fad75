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
