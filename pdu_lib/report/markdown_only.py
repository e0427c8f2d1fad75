"""A section whose code and data are as they were, with only its markdown edited: its page, without a kernel.

Markdown cells run nothing, so a section whose code cells and reads are
unchanged has the same outputs: its last executed notebook (kept under a key
of its code cells and what they read, :func:`code_key`) is given the
notebook's current markdown cells (:func:`splice`) and exported again. One
sentence edited in a markdown cell then costs an export of that section, not
a kernel.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pdu_lib.config import Section
from pdu_lib.report import cache


def code_cells(nb: Any) -> list:
    """What executing the notebook depends on: its code cells (source, tags) in order."""
    return [[cell.source, sorted(cell.get("metadata", {}).get("tags", []))] for cell in nb.cells if cell.cell_type == "code"]


def code_base(base_parts: dict, nb: Any) -> str:
    """The key of a section's code: ``base_parts`` (parameters, library, packages ...) and its code cells, not its markdown."""
    text = json.dumps({"base": base_parts, "code": code_cells(nb)}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def splice(executed: Any, source: Any) -> Any | None:
    """``executed`` (a run of an earlier version of ``source``) with ``source``'s markdown and raw cells in place of its own.

    Each code cell of ``source`` takes the outputs of the same code cell of
    ``executed``, in order; cells the render added (the kernel reset, the
    injected parameters) stay where they were. None when the code cells do
    not match (the section must run).

    >>> import nbformat
    >>> v4 = nbformat.v4
    >>> run = v4.new_notebook(cells=[v4.new_markdown_cell("old"), v4.new_code_cell("x = 1", outputs=[v4.new_output("stream", text="1")])])
    >>> new = v4.new_notebook(cells=[v4.new_code_cell("x = 1"), v4.new_markdown_cell("new")])
    >>> [(c.cell_type, c.source, len(c.get("outputs", []))) for c in splice(run, new).cells]
    [('code', 'x = 1', 1), ('markdown', 'new', 0)]
    >>> splice(run, v4.new_notebook(cells=[v4.new_code_cell("x = 2")])) is None
    True
    """
    import copy

    ran = [cell for cell in executed.cells if cell.cell_type == "code"]
    cells, position = [], 0
    for cell in source.cells:
        if cell.cell_type != "code":
            cells.append(copy.deepcopy(cell))
            continue
        while position < len(ran) and ran[position].source != cell.source:
            cells.append(ran[position])  # a cell the render added before this one
            position += 1
        if position == len(ran):
            return None
        cells.append(ran[position])
        position += 1
    cells.extend(ran[position:])
    spliced = copy.copy(executed)
    spliced.cells = cells
    return spliced


def keep(code_key: str, executed: Path, output: Path) -> None:
    """Keep an executed notebook and the files it wrote under its code key (``cache.store_executed``)."""
    if executed.is_file():
        cache.store_executed(code_key, executed.read_bytes(), output)


def reexport(code_key: str, section: Section, source: Any, notebooks_dir: Path, output: Path):
    """The section's page from its kept run and its current markdown: (body, stderr lines), or None when there is no such run."""
    import nbformat

    from pdu_lib.report.export import notebook_body

    kept = cache.load_executed(code_key, output)
    if kept is None:
        return None
    spliced = splice(nbformat.reads(kept.decode("utf-8"), as_version=4), source)
    if spliced is None:
        return None
    return notebook_body(spliced, section, resources_path=notebooks_dir)
