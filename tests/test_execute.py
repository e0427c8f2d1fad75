"""Executing sections in kept kernels: each section starts with an empty kernel, and a failed one is replaced."""

from __future__ import annotations

import re

import nbformat
import pytest
from notebookfiles import write_notebook

from pdu_lib.config import Section
from pdu_lib.report import execute

PARAMETERS = "report = 'final'\noutput_dir = ''"

NOTEBOOKS = {
    "leaves": [
        "leaked = 'LEFT-BEHIND'\nimport matplotlib.pyplot as plt\nplt.figure()\nprint('LEAVES-RAN')",
        "import os\nprint(f'KERNEL-PID-{os.getpid()}-')",
    ],
    "looks": [
        "import matplotlib.pyplot as plt\nprint('SEES-LEAKED', 'leaked' in globals(), 'OPEN-FIGURES', len(plt.get_fignums()))",
        "import os\nprint(f'KERNEL-PID-{os.getpid()}-')",
    ],
    "fails": ["x = 1", "raise ValueError('FAILED-ON-PURPOSE')"],
    "after": ["print('AFTER-RAN', report)"],
    "extension": ["%load_ext pdu_lib.present.authoring\nprint('EXTENSION-LOADED')"],
}


def sections(*keys: str) -> list[Section]:
    return [Section(key, f"{number:02d}_{key}.ipynb", key.title()) for number, key in enumerate(keys, start=1)]


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("execute")
    for section in sections(*NOTEBOOKS):
        write_notebook(folder / section.notebook, NOTEBOOKS[section.key], PARAMETERS)
    return folder


def run(notebooks, tmp_path, keys, pool=None, jobs=1):
    tmp_path.mkdir(parents=True, exist_ok=True)
    chosen = [section for section in sections(*NOTEBOOKS) if section.key in keys]
    return execute.run_sections(
        chosen,
        notebooks_dir=notebooks,
        parameters={"report": "final", "output_dir": str(tmp_path)},
        executed_dir=tmp_path,
        jobs=jobs,
        stream=open("/dev/null", "w"),
        pool=pool,
    )


def test_sections_run_one_after_another_in_the_pools_kernels(notebooks, tmp_path):
    with execute.KernelPool() as pool:
        results = run(notebooks, tmp_path, {"leaves", "looks", "after"}, pool=pool, jobs=1)
        assert pool.started == 1
    assert all(result.ok for result in results), [result.error for result in results]
    pids = [re.findall(r"KERNEL-PID-(\d+)-", result.body) for result in results[:2]]
    assert pids[0] and pids[0] == pids[1], "the second section ran in the first one's kernel"


def test_a_section_sees_nothing_left_by_the_one_before(notebooks, tmp_path):
    with execute.KernelPool() as pool:
        leaves, looks = run(notebooks, tmp_path, {"leaves", "looks"}, pool=pool, jobs=1)
    assert "LEAVES-RAN" in leaves.body
    assert "SEES-LEAKED False OPEN-FIGURES 0" in looks.body


def test_an_extension_loads_quietly_in_every_section_of_a_kept_kernel(notebooks, tmp_path):
    with execute.KernelPool() as pool:
        first = run(notebooks, tmp_path / "1", {"extension"}, pool=pool)[0]
        second = run(notebooks, tmp_path / "2", {"extension"}, pool=pool)[0]
        assert pool.started == 1
    assert "EXTENSION-LOADED" in first.body and "EXTENSION-LOADED" in second.body
    assert "already loaded" not in second.body


def test_the_reset_cell_is_never_shown(notebooks, tmp_path):
    with execute.KernelPool() as pool:
        (leaves,) = run(notebooks, tmp_path, {"leaves"}, pool=pool)
    assert "reset" not in leaves.body
    executed = nbformat.read(tmp_path / "01_leaves.ipynb", as_version=4)
    assert executed.cells[0].source == execute.KERNEL_RESET_SOURCE and "remove-cell" in executed.cells[0].metadata.tags


def test_a_kernel_whose_section_failed_is_replaced_and_cell_numbers_start_at_one(notebooks, tmp_path):
    with execute.KernelPool() as pool:
        leaves, fails, after = run(notebooks, tmp_path, {"leaves", "fails", "after"}, pool=pool, jobs=1)
        assert pool.started == 2, "a fresh kernel for the section after the failure"
    assert leaves.ok and after.ok and not fails.ok
    # The parameters cell is [1], papermill's injected cell [2], then x = 1 [3]: counted as in a fresh kernel.
    assert fails.error == "ValueError: FAILED-ON-PURPOSE (cell [4])"
    assert "AFTER-RAN final" in after.body


def test_without_a_pool_each_call_starts_and_stops_its_own_kernels(notebooks, tmp_path, monkeypatch):
    made = []
    real = execute.KernelPool

    class CountingPool(real):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(execute, "KernelPool", CountingPool)
    results = run(notebooks, tmp_path, {"leaves", "after"}, jobs=2)
    assert all(result.ok for result in results)
    assert len(made) == 1 and made[0].started <= 2
    assert made[0]._managers == [], "the pool shut its kernels down"


def test_with_kernel_reset_keeps_the_parameters_after_the_reset():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("a = 1", metadata={"tags": ["parameters"]})])
    cells = execute.with_kernel_reset(nb).cells
    assert [cell.source for cell in cells] == [execute.KERNEL_RESET_SOURCE, "a = 1"]
    assert nb.cells[0].source == "a = 1" and len(nb.cells) == 1, "the notebook given is not changed"
