"""Paths, report periods and the list of report sections: the one place they live.

Report periods belong to the data (another evaluation has other dates), so they
are read from ``reports.yml`` in the data folder; everything else here is the
project's own layout.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from pdu_lib.errors import InputError
from pdu_lib.inputs.yaml_file import load_yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA_DIR = PROJECT_ROOT / "data" / "sample"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
OUTPUTS_DIR = PROJECT_ROOT / "outputs"
#: The plotly.js the report pages load: the basic bundle (a quarter of the full one's size), of the version
#: plotly.py ships. It draws these trace types only; a chart of another type is refused when it is shown.
PLOTLY_JS = TEMPLATES_DIR / "plotly-basic.min.js"
PLOTLY_TRACE_TYPES = frozenset({"bar", "scatter", "pie"})

REPORTS_FILE = "reports.yml"
#: Front matter a report takes from reports.yml: its own value, else the file's top-level one.
FRONT_MATTER = ("author", "author_organisation", "commissioner")


@dataclass(frozen=True)
class Section:
    """One report section: the notebook that produces it and its heading."""

    key: str
    notebook: str
    title: str
    #: The section opens with the report's own title page (front matter), so the
    #: single file and the Word copy do not repeat the index's.
    front_matter: bool = False


# Report order, following the final evaluation report.
SECTIONS: tuple[Section, ...] = (
    Section("introduction", "01_introduction_and_summary.ipynb", "Introduction and summary of key findings", front_matter=True),
    Section("approach", "02_evaluation_approach.ipynb", "The evaluation approach"),
    Section("attendance", "03_who_has_attended.ipynb", "Who has attended PDU events?"),
    Section("learning", "04_what_people_gained.ipynb", "What people have gained"),
    Section("sharing", "05_sharing_and_disseminating.ipynb", "Sharing and disseminating information"),
    Section("diversity", "06_diversity_of_participants.ipynb", "Diversity of participants"),
    Section("links", "07_links_and_collaboration.ipynb", "Links and collaboration"),
    Section("involvement", "08_service_user_involvement.ipynb", "Service user involvement"),
    Section("changes", "09_changes_at_work.ipynb", "Changes at work"),
    Section("outcomes", "10_improved_outcomes.ipynb", "Improved outcomes for beneficiaries"),
    Section("effectiveness", "11_effectiveness_and_improvements.ipynb", "Effectiveness of the model and how events can be improved"),
    Section("next_steps", "12_next_steps_and_conclusions.ipynb", "Next steps and conclusions"),
    Section("figures", "13_figures_and_sources.ipynb", "Appendix: figures and where they come from"),
    Section("data_quality", "14_data_quality.ipynb", "Appendix: data quality"),
)

EXPLORATION_NOTEBOOK = "00_exploration.ipynb"


@dataclass(frozen=True)
class ReportPeriod:
    """A report and the data it covers.

    ``end`` closes the routine data (register, surveys, hub, interviews);
    ``reviews_end`` closes the Expert Citizens reviews, which in the final
    report ran a month past the data.
    """

    name: str
    title: str
    published: str
    start: dt.date
    end: dt.date
    reviews_end: dt.date
    compare_with: str | None = None
    author: str = ""
    author_organisation: str = ""
    commissioner: str = ""

    def label(self) -> str:
        return f"{self.start:%B %Y} to {self.end:%B %Y}"


def _date(value, file: Path, key: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(file, f"{key} must be a date written YYYY-MM-DD, not {value!r}") from None


def _read_reports_yml(data_dir: str | Path) -> dict:
    path = Path(data_dir) / REPORTS_FILE
    if not path.exists() and not path.is_symlink():
        raise InputError(path, "missing: every data folder needs reports.yml naming its report periods (see data/README.md)")
    raw = load_yaml(path, str(path))
    if raw is not None and not isinstance(raw, dict):
        raise InputError(path, "must be a mapping with 'programme' and 'reports'")
    return raw or {}


def load_reports(data_dir: str | Path) -> dict[str, ReportPeriod]:
    """Read the report periods of a data folder's ``reports.yml``."""
    path = Path(data_dir) / REPORTS_FILE
    raw = _read_reports_yml(data_dir)
    reports = raw.get("reports")
    if not isinstance(reports, dict) or not reports:
        raise InputError(path, "needs a 'reports' mapping with at least one report")
    periods = {}
    for name, spec in reports.items():
        if not isinstance(spec, dict):
            raise InputError(path, f"report {name!r} must be a mapping with title, start and end")
        for key in ("title", "start", "end"):
            if key not in spec:
                raise InputError(path, f"report {name!r} is missing {key!r}")
        end = _date(spec["end"], path, f"reports.{name}.end")
        periods[name] = ReportPeriod(
            name=name,
            title=str(spec["title"]),
            published=str(spec.get("published", "")),
            start=_date(spec["start"], path, f"reports.{name}.start"),
            end=end,
            reviews_end=_date(spec.get("reviews_end", end), path, f"reports.{name}.reviews_end"),
            compare_with=spec.get("compare_with"),
            **{key: str(spec.get(key, raw.get(key, "")) or "") for key in FRONT_MATTER},
        )
    for period in periods.values():
        if period.compare_with and period.compare_with not in periods:
            raise InputError(path, f"report {period.name!r} compares with unknown report {period.compare_with!r}")
    return periods


def programme_name(data_dir: str | Path) -> str:
    return str(_read_reports_yml(data_dir).get("programme", "Practice Development Unit"))


def report_period(data_dir: str | Path, name: str) -> ReportPeriod:
    periods = load_reports(data_dir)
    if name not in periods:
        raise InputError(Path(data_dir) / REPORTS_FILE, f"no report named {name!r}; known: {', '.join(periods)}")
    return periods[name]


def default_jobs() -> int:
    """Sections executed at once when ``--jobs`` is not given: one per core, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))
