"""The YAML reader: libyaml composes what the bounded Python loader composes, and every refusal stays the Python loader's."""

import pytest
import yaml

from pdu_lib import config
from pdu_lib.errors import InputError
from pdu_lib.inputs import yaml_file
from pdu_lib.inputs.harmonise import _MapLoader
from pdu_lib.inputs.yaml_file import BoundedSafeLoader, compose_yaml, load_yaml

needs_libyaml = pytest.mark.skipif(not yaml_file._FAST, reason="PyYAML was built without libyaml")


def _tree(node):
    """A node tree as plain data: tag, value and where each node starts."""
    if node is None:
        return None
    where = (node.start_mark.line, node.start_mark.column)
    if isinstance(node, yaml.MappingNode):
        return (node.tag, where, [(_tree(key), _tree(value)) for key, value in node.value])
    if isinstance(node, yaml.SequenceNode):
        return (node.tag, where, [_tree(item) for item in node.value])
    return (node.tag, where, node.value, node.style or None)  # libyaml writes a plain style as "", PyYAML as None


def _slow(text, loader):
    instance = loader(text)
    try:
        return instance.get_single_node()
    finally:
        instance.dispose()


WORDINGS = """\
# a comment
measures:
  learned:
    survey: event
    kind: open
    wordings: [What did you learn?, "Anything else: please say", 'Why?']
    label: >
      Folded
      text
  scale: &scale {much: [Much greater understanding.], none: No greater understanding}
  again: *scale
  empty:
  block:
    - one
    - "two # not a comment"
    - 3
    - yes
"""


@needs_libyaml
@pytest.mark.parametrize("name", ["reports.yml", "harmonisation.yml", "codebook.yml", "wordings"])
def test_libyaml_composes_the_same_nodes_and_lines_as_the_bounded_loader(name):
    text = WORDINGS if name == "wordings" else (config.SAMPLE_DATA_DIR / name).read_text(encoding="utf-8")
    loader = _MapLoader if name in ("harmonisation.yml", "wordings") else BoundedSafeLoader
    assert yaml_file._libyaml_loader(text) is not None  # the fast path serves these files
    assert _tree(compose_yaml(text, name, loader=loader)) == _tree(_slow(text, loader))


@needs_libyaml
def test_libyaml_loads_the_same_values(tmp_path):
    path = tmp_path / "w.yml"
    path.write_text(WORDINGS, encoding="utf-8")
    instance = BoundedSafeLoader(WORDINGS.replace("[What did you learn?,", "['What did you learn?',"))
    try:
        expected = instance.construct_document(instance.get_single_node())
    finally:
        instance.dispose()
    assert load_yaml(path) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("a: [1, 2\nb: 3\n", r"w.yml, row 2: is not valid YAML \(expected ',' or '\]', but got ':'\)"),
        ("a: 1\n\tb: 2\n", r"w.yml, row 2: is not valid YAML"),
        ("a: *nothing\n", r"w.yml, row 1: is not valid YAML \(found undefined alias 'nothing'\)"),
        ("a: [" * 60 + "]" * 60 + "\n", r"w.yml, row 1: nests deeper than 50 levels; the file is refused"),
    ],
    ids=["unclosed-list", "tab", "undefined-alias", "deep"],
)
def test_every_refusal_is_the_bounded_loaders_own(tmp_path, text, message):
    path = tmp_path / "w.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_yaml(path)
    with pytest.raises(InputError, match=message):
        compose_yaml(text, "w.yml")


def test_a_few_aliases_pass_and_many_are_refused(tmp_path):
    few = "base: &b {a: 1}\n" + "".join(f"k{i}: *b\n" for i in range(yaml_file.MAX_ALIASES))
    many = few + "extra: *b\n"
    assert len(compose_yaml(few, "few.yml").value) == yaml_file.MAX_ALIASES + 1
    with pytest.raises(InputError, match=r"many.yml, row \d+: uses more than 20 aliases"):
        compose_yaml(many, "many.yml")
