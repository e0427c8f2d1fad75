"""The command line: what it passes to render_reports, and its exit codes."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from pdu_lib import cli, config
from pdu_lib.errors import InputError
from pdu_lib.report import render

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def calls(monkeypatch):
    """render.render_reports replaced by a recorder; set ``calls.ok`` or ``calls.raises`` to steer it."""
    recorded = SimpleNamespace(args=[], ok=[True], raises=None, use_cache=[])

    def fake(names, data_dir=None, out_dir=None, jobs=None, sections=None, intervals=False, use_cache=True):
        recorded.use_cache.append(use_cache)
        recorded.args.append(
            {"names": list(names), "data_dir": data_dir, "out_dir": out_dir, "jobs": jobs, "sections": sections, "intervals": intervals}
        )
        if recorded.raises:
            raise recorded.raises
        return [SimpleNamespace(ok=ok) for ok in recorded.ok]

    monkeypatch.setattr(render, "render_reports", fake)
    return recorded


def test_render_passes_every_option_on(calls, tmp_path):
    code = cli.main(
        ["render", "final", "--data", str(tmp_path / "d"), "--out", str(tmp_path / "o"), "--jobs", "3", "--sections", "learning, sharing"]
    )
    assert code == 0
    assert calls.args == [
        {
            "names": ["final"],
            "data_dir": tmp_path / "d",
            "out_dir": tmp_path / "o",
            "jobs": 3,
            "sections": ["learning", "sharing"],
            "intervals": False,
        }
    ]


def test_render_defaults_come_from_config(calls):
    assert cli.main(["render", "all"]) == 0
    assert calls.args == [
        {
            "names": ["all"],
            "data_dir": config.SAMPLE_DATA_DIR,
            "out_dir": config.OUTPUTS_DIR,
            "jobs": None,
            "sections": None,
            "intervals": False,
        }
    ]


def test_the_cache_is_used_unless_no_cache_is_given(calls):
    cli.main(["render", "final"])
    cli.main(["render", "final", "--no-cache"])
    assert calls.use_cache == [True, False]


def test_several_reports_can_be_named(calls):
    cli.main(["render", "interim", "final"])
    assert calls.args[0]["names"] == ["interim", "final"]


def test_a_failed_section_exits_1(calls):
    calls.ok = [True, False]
    assert cli.main(["render", "all"]) == 1


def test_bad_input_exits_2_with_the_message_and_no_traceback(calls, capsys):
    calls.raises = InputError("register.xlsx", "unknown sector 'Charity'", row=14, column="Sector")
    assert cli.main(["render", "final"]) == 2
    err = capsys.readouterr().err
    assert "register.xlsx, row 14, column 'Sector': unknown sector 'Charity'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["render"],
        ["render", "final", "--jobs", "0"],
        ["render", "final", "--jobs", "two"],
        ["render", "final", "--sections", ","],
        ["publish", "final"],
    ],
)
def test_bad_arguments_exit_2_without_rendering(calls, argv):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    assert calls.args == []


def test_unknown_report_from_the_real_render_exits_2(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "reports.yml").write_text("reports:\n  final:\n    title: F\n    start: 2017-10-01\n    end: 2019-01-31\n")
    assert cli.main(["render", "midterm", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "out")]) == 2
    assert "no report named 'midterm'; known: final" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_entry_point_is_main():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, function = scripts["pdu-report"].partition(":")
    assert (module, function) == ("pdu_lib.cli", "main")


def test_python_dash_m_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "pdu_lib", "render", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "--sections" in done.stdout and "final, interim, or all" in done.stdout


def test_intervals_flag_is_passed_on(calls):
    assert cli.main(["render", "final", "--intervals"]) == 0
    assert calls.args[0]["intervals"] is True


def test_version_names_the_package_version(capsys):
    import pdu_lib

    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"pdu-report {pdu_lib.__version__}"
    assert pdu_lib.__version__ == "0.2.0"  # the release CHANGELOG.md describes last


def test_figures_prints_every_placeholder_with_its_value_base_and_each_formats_words(capsys):
    from pdu_lib import cli

    assert cli.main(["figures", "final"]) == cli.EXIT_OK
    printed = capsys.readouterr().out
    assert "made_contact: Respondents" in printed or "made_contact:" in printed
    assert "{made_contact:judged}" in printed and "only 13 of 36" in printed and "base 36" in printed
    assert "{pledge_adopters:people}" in printed and "six people" in printed
    assert "{report_title}" in printed and "Final evaluation report" in printed


def test_figures_names_an_unknown_report_in_one_line(capsys):
    from pdu_lib import cli

    assert cli.main(["figures", "nonesuch"]) == cli.EXIT_BAD_INPUT
    assert "nonesuch" in capsys.readouterr().err
