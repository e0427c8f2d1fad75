"""pdu_lib uses no private name of another package (jupyter_client, nbclient, IPython, papermill ...).

A ``_name`` attribute or import that pdu_lib does not define itself belongs to another package, which may
change or drop it in any release: the render would break on the next jupyter_client or IPython.
"""

from __future__ import annotations

import ast
from pathlib import Path

from pdu_lib.report import execute

PDU_LIB = Path(__file__).resolve().parent.parent / "pdu_lib"

# Private names used knowingly, each with why; none may be of jupyter_client, nbclient, IPython, papermill or ipykernel.
ALLOWED = {
    "report/expert_review_pack.py ._tr": "python-docx has no public API for a row's properties (w:cantSplit); its docs use row._tr",
}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def defined_names(tree: ast.AST) -> set[str]:
    """Names a module defines: functions, classes, assigned names and attributes (``self._x = ...``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Attribute):
            names.add(node.target.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def foreign_private_names(trees: dict[str, ast.AST]) -> list[str]:
    """``module:line name`` for each private attribute or import that no module of ``trees`` defines."""
    ours = set().union(*(defined_names(tree) for tree in trees.values()))
    found = []
    for module, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr) and node.attr not in ours:
                found.append(f"{module}:{node.lineno} .{node.attr}")
            elif isinstance(node, ast.ImportFrom) and not (node.module or "").startswith("pdu_lib"):
                parts = (node.module or "").split(".") + [alias.name for alias in node.names]
                found += [f"{module}:{node.lineno} {'.'.join(parts)}" for part in parts if _private(part)][:1]
            elif isinstance(node, ast.Import):
                found += [f"{module}:{node.lineno} {alias.name}" for alias in node.names if any(map(_private, alias.name.split(".")))]
    return found


def _library() -> dict[str, ast.AST]:
    trees = {path.relative_to(PDU_LIB).as_posix(): ast.parse(path.read_text(encoding="utf-8")) for path in PDU_LIB.rglob("*.py")}
    trees["the kernel reset cell"] = ast.parse(execute.KERNEL_RESET_SOURCE)
    return trees


def test_pdu_lib_uses_no_private_name_of_another_package():
    found = [name for name in foreign_private_names(_library()) if " ".join((name.split(":")[0], name.split(" ")[1])) not in ALLOWED]
    assert found == []


def test_the_kernel_reset_cell_goes_through_ipythons_public_api_only():
    source = execute.KERNEL_RESET_SOURCE
    assert "user_ns_hidden" not in source and ".loaded" not in source and "user_ns[" not in source
    assert "shell.reset(" in source and "unload_extension(" in source


def test_a_private_name_of_another_package_is_found():
    ours = ast.parse("class Client:\n    def __init__(self):\n        self._mine = 1\n")
    theirs = ast.parse(
        "from jupyter_client.session import _private_helper\n"
        "async def wait(client):\n    client._mine\n    return await client._async_is_alive()\n"
    )
    assert foreign_private_names({"ours.py": ours, "theirs.py": theirs}) == [
        "theirs.py:1 jupyter_client.session._private_helper",
        "theirs.py:4 ._async_is_alive",
    ]
