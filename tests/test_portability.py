"""pdu_lib runs on Windows too (an evaluator's usual laptop): no Unix-only module, call, signal or date format.

Where a library covers every platform it is used instead: ``filelock`` for locks, ``psutil`` for a kernel's
process tree, ``periods.long_date`` for a date without a leading zero.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PDU_LIB = Path(__file__).resolve().parent.parent / "pdu_lib"

UNIX_MODULES = {"fcntl", "termios", "tty", "pty", "pwd", "grp", "resource", "posix", "syslog", "crypt"}
UNIX_CALLS = {
    "killpg",
    "getpgid",
    "setpgid",
    "setsid",
    "fork",
    "forkpty",
    "getuid",
    "getgid",
    "chown",
    "lchown",
    "mkfifo",
    "nice",
    "wait3",
    "wait4",
}
UNIX_SIGNALS = {"SIGKILL", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGCHLD", "SIGPIPE", "SIGSTOP", "SIGCONT"}
# strftime's glibc extensions: %-d, %-m, %_d ... (Windows' strftime refuses them; %#d is its own).
UNIX_DATE_FORMAT = re.compile(r"%[-_][a-zA-Z]")


def unix_only(source: str) -> list[str]:
    """``line: what`` for each Unix-only module, call, signal or strftime format in ``source``.

    >>> unix_only("import fcntl\\nos.killpg(1, signal.SIGKILL)\\nf'{day:%-d %B}'\\n")
    ['1: import fcntl', '2: os.killpg', '2: signal.SIGKILL', '3: %-d']
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            found += [(line, f"import {a.name}") for a in node.names if a.name.split(".")[0] in UNIX_MODULES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in UNIX_MODULES:
            found.append((line, f"from {node.module} import"))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id == "os" and node.attr in UNIX_CALLS) or (node.value.id == "signal" and node.attr in UNIX_SIGNALS):
                found.append((line, f"{node.value.id}.{node.attr}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found += [(line, match) for match in UNIX_DATE_FORMAT.findall(node.value)]
    return [f"{line}: {what}" for line, what in sorted(found, key=lambda item: item[0])]


def test_pdu_lib_has_no_unix_only_call():
    found = {}
    for path in sorted(PDU_LIB.rglob("*.py")):
        problems = unix_only(path.read_text(encoding="utf-8"))
        if problems:
            found[path.relative_to(PDU_LIB).as_posix()] = problems
    assert found == {}


def test_a_unix_only_call_is_found():
    assert unix_only("import os\nos.fork()\nfrom fcntl import flock\n") == ["2: os.fork", "3: from fcntl import"]
    assert unix_only("x = f'{d:%d %B %Y}'\ny = '%#d'\n") == []
