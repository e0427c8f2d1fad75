"""The one YAML reader: bounded (few aliases, shallow nesting) and with errors naming file and line.

reports.yml, harmonisation.yml and codebook.yml are all read here. An alias
bomb (anchors that repeat each other nine times nine levels deep) or a list
nested twenty thousand deep stops with an :class:`InputError` at once instead
of filling the memory or the stack.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent

from pdu_lib.errors import InputError
from pdu_lib.inputs.files import read_input_bytes, strip_bidi

#: More aliases (``*name``) than this in one file is refused: the project's files need none.
MAX_ALIASES = 20
#: Deeper nesting than this is refused: the project's files nest four or five levels.
MAX_DEPTH = 50


class _Refused(yaml.YAMLError):
    def __init__(self, problem: str, mark):
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


class BoundedSafeLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader, refusing more than :data:`MAX_ALIASES` aliases or nesting deeper than :data:`MAX_DEPTH`."""

    def __init__(self, stream):
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Refused(f"uses more than {MAX_ALIASES} aliases (*name): write the values out instead", self.peek_event().start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"nests deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def yaml_error(name: str, err: yaml.YAMLError, hint: str = "") -> InputError:
    """A YAML error as an :class:`InputError` naming the file and the line."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    row = mark.line + 1 if mark else None
    if isinstance(err, _Refused):  # valid YAML, but too costly to expand: the syntax hint would mislead
        return InputError(name, f"{problem}; the file is refused", row=row)
    return InputError(name, f"is not valid YAML ({problem}){hint}", row=row)


def read_yaml_text(path: str | Path, name: str | None = None) -> str:
    """A YAML file's text: bounded read, UTF-8 (BOM allowed), bidi controls removed."""
    name = name or Path(path).name
    raw = read_input_bytes(path, name)
    if b"\x00" in raw:
        raise InputError(name, "contains NUL bytes: this is not a text file", row=raw[: raw.index(b"\x00")].count(b"\n") + 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(name, "is not UTF-8 text", row=raw[: err.start].count(b"\n") + 1) from None
    return strip_bidi(text)


@contextmanager
def _reading(text: str, name: str, loader: type[BoundedSafeLoader], hint: str):
    """A bounded loader over ``text`` whose YAML errors, and too deep nesting, become InputErrors naming ``name``."""
    instance = loader(text)
    try:
        yield instance
    except yaml.YAMLError as err:
        raise yaml_error(name, err, hint) from None
    except RecursionError:
        raise InputError(name, f"nests too deeply to read (over {MAX_DEPTH} levels)") from None
    finally:
        instance.dispose()


_FAST = getattr(yaml, "__with_libyaml__", False)


def _libyaml_loader(text: str) -> yaml.CSafeLoader | None:
    """A libyaml (C) loader over ``text`` when it can stand in for the bounded one: the text is printable, it parses,
    and it stays within :data:`MAX_ALIASES` and :data:`MAX_DEPTH`. Else None: the bounded Python loader then reads
    the text and reports what is wrong exactly as before.

    libyaml composes the same nodes, line numbers included, about ten times faster; like YAML 1.2 (and the
    harmonisation map's loader) it reads a ``?`` inside a plain text of a flow list as text.
    """
    if not _FAST or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return None
    aliases = depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, NodeEvent):
                aliases += isinstance(event, AliasEvent)
                if aliases > MAX_ALIASES or depth + 1 > MAX_DEPTH:  # as BoundedSafeLoader.compose_node counts them
                    return None
                depth += isinstance(event, CollectionStartEvent)
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None
    return yaml.CSafeLoader(text)


def compose_yaml(text: str, name: str, loader: type[BoundedSafeLoader] = BoundedSafeLoader, hint: str = "") -> yaml.Node | None:
    """The YAML node tree of ``text`` (None for an empty document), for readers that need line numbers."""
    fast = _libyaml_loader(text)
    if fast is not None:
        try:
            return fast.get_single_node()
        except yaml.YAMLError:
            pass  # the bounded loader reports it
        finally:
            fast.dispose()
    with _reading(text, name, loader, hint) as instance:
        return instance.get_single_node()


def load_yaml(path: str | Path, name: str | None = None, hint: str = "") -> Any:
    """A YAML file as Python (safe types only), or an :class:`InputError` naming file and line.

    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> _ = Path(folder, "a.yml").write_text("a: [1, 2]\\nb: {c: x}\\n")
    >>> load_yaml(Path(folder, "a.yml"))
    {'a': [1, 2], 'b': {'c': 'x'}}
    >>> _ = Path(folder, "bad.yml").write_text("a: [1, 2\\nb: 3\\n")
    >>> load_yaml(Path(folder, "bad.yml"))
    Traceback (most recent call last):
    ...
    pdu_lib.errors.InputError: bad.yml, row 2: is not valid YAML (expected ',' or ']', but got ':')
    """
    name = name or Path(path).name
    text = read_yaml_text(path, name)
    fast = _libyaml_loader(text)
    if fast is not None:
        try:
            node = fast.get_single_node()
            return None if node is None else fast.construct_document(node)
        except yaml.YAMLError:
            pass  # the bounded loader reports it
        finally:
            fast.dispose()
    with _reading(text, name, BoundedSafeLoader, hint) as loader:
        node = loader.get_single_node()
        return None if node is None else loader.construct_document(node)
