import shutil
from pathlib import Path

import pandas as pd
import pytest

from pdu_lib import config

FIGURES_TABLE = Path(__file__).parent / "data" / "report_figures.csv"


@pytest.fixture(scope="session")
def report_figures() -> pd.DataFrame:
    """The evaluation's figures table (a copy of ../shared/report_figures.csv)."""
    return pd.read_csv(FIGURES_TABLE, dtype={"numerator": "Int64", "denominator": "Int64"})


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """A private copy of the sample data folder that a test may change."""
    target = tmp_path / "data"
    shutil.copytree(config.SAMPLE_DATA_DIR, target)
    return target


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """The render cache (prepared datasets, executed sections) in a folder of this test run, not ~/.cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PDU_CACHE_DIR", str(tmp_path_factory.mktemp("pdu-cache")))
        yield


@pytest.fixture(scope="session")
def rendered_sample(tmp_path_factory):
    """Both reports rendered once from the sample, shared by the slow tests that read the outputs: (out_dir, results)."""
    from pdu_lib.report import render

    out = tmp_path_factory.mktemp("outputs")
    results = render.render_reports(["all"], out_dir=out, jobs=2)
    return out, results
