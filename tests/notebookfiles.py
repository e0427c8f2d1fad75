"""Tiny throwaway section notebooks for render tests: a heading, a parameters cell, code cells."""

from __future__ import annotations

from pathlib import Path

import nbformat


def write_notebook(path: Path, cells: list[str], parameters: str, heading: str | None = None, tagged: list = ()) -> Path:
    """A notebook at ``path``: a markdown heading, ``parameters`` tagged as papermill's, then ``cells`` and ``tagged`` cells."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    parameters_cell = nbformat.v4.new_code_cell(parameters)
    parameters_cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(heading or f"# {path.stem}"), parameters_cell]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    nb.cells += list(tagged)
    nbformat.write(nb, path)
    return path
