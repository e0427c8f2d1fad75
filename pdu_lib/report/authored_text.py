"""Checks on the evaluator's own text before a section runs: no typed quantity words, no source the period lacks.

Two rules, checked on each section notebook as the report being rendered will
show it (cells tagged for another report, or ``needs-<source>`` for a source
the period lacks, already dropped):

- **No unbound quantity words.** A markdown cell may not say how many
  ("most", "a majority", "few", "half" ...: :data:`pdu_lib.present.wording.QUANTITY_WORDS`)
  without a figure: such a sentence belongs in a ``%%prose`` cell, worded
  from the figure. A cell tagged ``checked-claim`` is the evaluator's
  judgement from qualitative evidence; it is allowed, and listed in the
  data-quality appendix (:func:`checked_claims`).
- **No source the period lacks.** A markdown cell, or the text of a
  ``%%prose`` cell, that names a source of evidence the period does not
  hold (:data:`pdu_lib.present.section_tables.EVIDENCE_SOURCES`: Steering
  Group or facilitator interviews, a review round, a follow-up round) fails.
  Tag it with its report (``final``), or with ``needs-<source>``
  (``needs-steering-group``) to show it only where the source exists. A
  ``%%prose`` passage quoting a figure with no data in the period is left out
  when it runs, so it is not checked.

Each problem names the notebook, the cell (its position, counted from 1, and
its first words) and the word or source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
import pandas as pd

from pdu_lib.present import authoring, wording
from pdu_lib.present.section_tables import EVIDENCE_SOURCES, EvidenceSource

if TYPE_CHECKING:  # pragma: no cover
    from pdu_lib.inputs.dataset import Dataset

CHECKED_CLAIM = "checked-claim"
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_PROSE = re.compile(r"\A\s*%%prose\b[^\n]*\n")


@dataclass(frozen=True)
class AuthoredCell:
    """One cell of the evaluator's text: a markdown cell, or the text of a ``%%prose`` cell."""

    notebook: str
    position: int  # 1-based, in the notebook as saved
    kind: str  # "markdown" or "prose"
    text: str
    tags: tuple[str, ...]

    @property
    def where(self) -> str:
        first = " ".join(self.text.split())[:50]
        return f"{self.notebook}, {self.kind} cell {self.position} starting {first!r}"


#: The report's figures by id, or a function that computes them when first needed (they cost a second or two).
FiguresSource = Mapping | Callable[[], Mapping] | None


def authored_cells(nb, notebook: str) -> list[AuthoredCell]:
    """The markdown cells and ``%%prose`` cells of a notebook, HTML comments removed."""
    found = []
    for position, cell in enumerate(nb.cells, start=1):
        tags = tuple(cell.get("metadata", {}).get("tags", []))
        if cell.cell_type == "markdown":
            found.append(AuthoredCell(notebook, position, "markdown", _COMMENT.sub("", cell.source), tags))
        elif cell.cell_type == "code" and _PROSE.match(cell.source):
            found.append(AuthoredCell(notebook, position, "prose", _PROSE.sub("", cell.source, count=1), tags))
    return found


def drop_tags_for(ds: Dataset, other_reports: Iterable[str]) -> list[str]:
    """The cell tags a render of ``ds``'s report drops: the other reports' names and ``needs-<source>`` for each source it lacks."""
    return sorted({*other_reports, *(source.tag for source in EVIDENCE_SOURCES if not source.held(ds))})


def quantity_problems(cells: Iterable[AuthoredCell]) -> list[str]:
    """A line per markdown cell that types a quantity word, unless it is tagged ``checked-claim``."""
    problems = []
    for cell in cells:
        if cell.kind != "markdown" or CHECKED_CLAIM in cell.tags:
            continue
        words = wording.quantity_words_in(cell.text)
        if words:
            problems.append(
                f"{cell.where}: says how many without a figure ({', '.join(repr(w) for w in words)}); "
                f"write it in a %%prose cell from a figure, or tag the cell {CHECKED_CLAIM!r} if it is your judgement from the interviews"
            )
    return problems


def claim_problems(cells: Iterable[AuthoredCell], lacking: Iterable[EvidenceSource], figures: FiguresSource = None) -> list[str]:
    """A line per passage naming a source of evidence the period lacks (see the module's rules).

    ``figures`` (a mapping, or a function giving it) is asked for only when a passage names a lacking source:
    a ``%%prose`` passage whose figures have no data is left out when it runs, so it makes no claim.
    """
    lacking = tuple(lacking)
    problems: list[str] = []
    values: authoring.TextValues | None = None
    for cell in cells:
        named = [source for source in lacking if source.named_in(cell.text)]
        if not named:
            continue
        if cell.kind == "prose":
            values = values or authoring.TextValues(figures=(figures() if callable(figures) else figures) or {})
            if authoring.empty_placeholders(cell.text, values):
                continue  # left out when it runs: it quotes a figure with no data in the period
        problems.extend(
            f"{cell.where}: names {source.name}, which this period does not have; "
            f"tag the cell with its report, or {source.tag!r} to show it only where there is such evidence"
            for source in named
        )
    return problems


def section_problems(
    notebook: Path, drop_tags: Iterable[str], lacking: Iterable[EvidenceSource], figures: FiguresSource = None
) -> list[str]:
    """Both checks on one section notebook, as the report shows it (the cells carrying ``drop_tags`` left out)."""
    from pdu_lib.report.export import without_tagged_cells

    nb = without_tagged_cells(nbformat.read(notebook, as_version=4), drop_tags)
    cells = authored_cells(nb, f"notebooks/{notebook.name}")
    return [*quantity_problems(cells), *claim_problems(cells, lacking, figures)]


def checked_claims(notebooks: Iterable[Path], drop_tags: Iterable[str] = ()) -> pd.DataFrame:
    """The cells tagged ``checked-claim`` a report shows, for the data-quality appendix: Section, Passage (its first words)."""
    drop = set(drop_tags)
    rows = []
    for notebook in notebooks:
        nb = nbformat.read(notebook, as_version=4)
        title = next(
            (c.source.lstrip("# ").splitlines()[0] for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("# ")), ""
        )
        for cell in authored_cells(nb, notebook.name):
            if CHECKED_CLAIM in cell.tags and not drop.intersection(cell.tags):
                text = " ".join(_strip_heading(cell.text).split())
                rows.append((title, text if len(text) <= 140 else text[:139].rsplit(" ", 1)[0] + " …"))
    return pd.DataFrame(rows, columns=["Section", "Passage"])


def _strip_heading(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def checked_claims_for(ds: Dataset) -> pd.DataFrame:
    """The passages tagged ``checked-claim`` that ``ds``'s report shows, in section order (for the data-quality appendix)."""
    from pdu_lib import config

    others = [name for name in config.load_reports(ds.data_dir) if name != ds.period.name]
    notebooks = [config.NOTEBOOKS_DIR / section.notebook for section in config.SECTIONS]
    return checked_claims([path for path in notebooks if path.is_file()], drop_tags_for(ds, others))
