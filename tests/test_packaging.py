"""The conda environment and the pip project pin the same versions."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _pins(requirements):
    pins = {}
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", requirement.strip())
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_environment_yml_pins_the_same_versions_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared += extra
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    assert _pins(pip_section) == _pins(declared)


def test_every_direct_dependency_is_pinned_exactly():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    unpinned = [r for r in project["dependencies"] if "==" not in r]
    assert unpinned == []


def test_lock_file_agrees_with_pyproject_pins():
    lock = _pins((ROOT / "requirements.lock").read_text().splitlines())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = _pins(project["dependencies"] + project["optional-dependencies"]["test"])
    assert {name: lock.get(name) for name in declared} == declared
