"""The library's layers hold: each imports only the layers below it (the contracts in pyproject.toml)."""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    script = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    return subprocess.run([sys.executable, "-c", script, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_every_layer_imports_only_the_layers_below_it():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contract_fails_when_inputs_imports_the_present_layer(tmp_path):
    """The check itself can fail: a copy of the library whose loader imports wording breaks the contract."""
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "pdu_lib", copy / "pdu_lib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    loader = copy / "pdu_lib" / "inputs" / "ledger.py"
    loader.write_text(
        loader.read_text()
        + textwrap.dedent("""
        from pdu_lib.present import wording  # noqa: E402,F401
    """)
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, '.'); "
            "from importlinter.cli import lint_imports_command; sys.argv[1:] = ['--no-cache']; lint_imports_command()",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "pdu_lib.inputs.ledger -> pdu_lib.present.wording" in result.stdout


@pytest.mark.parametrize("layer", ["inputs", "analysis", "present", "report"])
def test_each_layer_is_a_regular_package(layer):
    assert (ROOT / "pdu_lib" / layer / "__init__.py").is_file()
