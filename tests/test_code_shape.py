"""Every function in pdu_lib is short: at most 60 lines of code (from ``def`` to its last line, its docstring left out:
documentation and doctests are welcome at any length).

Complexity (at most 12) is ruff's rule C901, configured in pyproject.toml and run by ``make lint``;
this test covers what ruff does not measure: length.
"""

from __future__ import annotations

import ast
from pathlib import Path

PDU_LIB = Path(__file__).resolve().parent.parent / "pdu_lib"
MAX_LINES = 60

# TEMPORARY: functions being split by other issues. Each entry is removed when its function is split;
# the test fails on any function not listed here, and on an entry that no longer needs to be listed.
BEING_SPLIT: set[str] = set()


def function_lengths(source: str) -> dict[str, int]:
    """Lines of each function (methods and nested functions included), from ``def`` to its last line, less its docstring.

    >>> function_lengths("def f():\\n    'Doc.'\\n    return 1\\n\\n\\nclass C:\\n    @property\\n    def g(self):\\n        pass\\n")
    {'f': 2, 'C.g': 2}
    """
    lengths: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lengths[prefix + child.name] = (child.end_lineno or child.lineno) - child.lineno + 1 - _docstring_lines(child)
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return lengths


def _docstring_lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    first = function.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return (first.end_lineno or first.lineno) - first.lineno + 1
    return 0


def long_functions() -> dict[str, int]:
    found = {}
    for path in sorted(PDU_LIB.rglob("*.py")):
        module = path.relative_to(PDU_LIB).as_posix()
        for name, lines in function_lengths(path.read_text(encoding="utf-8")).items():
            if lines > MAX_LINES:
                found[f"{module}:{name}"] = lines
    return found


def test_no_function_in_pdu_lib_is_longer_than_60_lines():
    offenders = {name: lines for name, lines in long_functions().items() if name not in BEING_SPLIT}
    assert not offenders, f"split these into named steps (at most {MAX_LINES} lines each): {offenders}"


def test_the_list_of_functions_being_split_holds_only_long_ones():
    still_long = set(long_functions())
    assert still_long >= BEING_SPLIT, f"split already: remove {sorted(BEING_SPLIT - still_long)} from BEING_SPLIT"


def test_a_long_function_is_found():
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    assert function_lengths(f"def long():\n{body}\n")["long"] == MAX_LINES + 1
