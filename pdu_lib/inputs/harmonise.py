"""Mapping survey wordings and answer texts onto the report's common measures (``harmonisation.yml``).

The event surveys were worded differently from event to event; ``harmonisation.yml``
lists, for each measure, every wording that asks it and every answer text
(or multi-select option label) that means each code of its scale. Matching is
loose (``normalise_text``): case, spacing, curly quotes and trailing punctuation
do not matter.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from pdu_lib.errors import InputError
from pdu_lib.inputs.files import read_input_bytes
from pdu_lib.inputs.surveymonkey import SurveyExport
from pdu_lib.inputs.tables import decode_text, display_name, map_distinct, records_frame
from pdu_lib.inputs.yaml_file import BoundedSafeLoader, compose_yaml

SURVEYS = ("event", "followup")
KINDS = ("single", "multi", "open")
MEASURE_KEYS = ("survey", "kind", "label", "wordings", "scale")

ANSWER_COLUMNS = ["response_row", "measure", "kind", "answer", "text", "column", "question"]
UNMAPPED_COLUMNS = ["file", "question_no", "column", "text"]

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": "-",
    }
)


def normalise_text(text: Any) -> str:
    """Text reduced for matching: case, spacing, curly vs straight quotes and trailing punctuation removed.

    >>> normalise_text("  To what extent did today\u2019s  session improve your understanding? ")
    "to what extent did today's session improve your understanding"
    >>> normalise_text("Much greater understanding.") == normalise_text("much  GREATER understanding")
    True
    """
    if text is None:
        return ""
    reduced = unicodedata.normalize("NFKC", str(text)).translate(_QUOTES).casefold()
    reduced = re.sub(r"\s+", " ", reduced).strip()
    return re.sub(r"[\s.,;:!?]+$", "", reduced)


@dataclass(frozen=True)
class Measure:
    """One common measure: its survey, kind, label, wordings and scale (code -> answer texts, in scale order)."""

    id: str
    survey: str
    kind: str
    label: str
    wordings: tuple[str, ...]
    scale: dict[str, tuple[str, ...]]

    @property
    def codes(self) -> list[str]:
        """The scale's codes in order (empty for an open measure)."""
        return list(self.scale)


@dataclass(frozen=True)
class HarmonisationMap:
    """The parsed ``harmonisation.yml``.

    >>> hmap = HarmonisationMap.from_measures("h.yml", [Measure("understanding", "event", "single", "Understanding",
    ...     ("How has the event changed your understanding?",), {"much": ("Much greater understanding",), "none": ("No greater understanding",)})])
    >>> hmap.measure_for("event", "how has the event changed your understanding").id
    'understanding'
    >>> hmap.code_for("understanding", "much greater understanding."), hmap.code_for("understanding", "Unsure")
    ('much', None)
    """

    file: str
    measures: dict[str, Measure]
    _wordings: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)
    _answers: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_measures(cls, file: str, measures: list[Measure], lines: dict[tuple, int] | None = None) -> HarmonisationMap:
        """Build the lookups; a wording claimed by two measures of one survey, or an answer text by two codes, is an error.

        ``lines`` (key path -> line of harmonisation.yml) only locates errors.
        """
        lines = lines or {}
        wordings: dict[tuple[str, str], str] = {}
        answers: dict[tuple[str, str], str] = {}
        for measure in measures:
            for wording in measure.wordings:
                key = (measure.survey, normalise_text(wording))
                if wordings.get(key, measure.id) != measure.id:
                    raise InputError(
                        file,
                        f"the wording {wording!r} is claimed by measures {wordings[key]!r} and {measure.id!r} of the "
                        f"{measure.survey} survey: a question can ask only one measure",
                        row=lines.get(("measures", measure.id, "wordings")),
                    )
                wordings[key] = measure.id
            for code, texts in measure.scale.items():
                for text in texts:
                    key = (measure.id, normalise_text(text))
                    if answers.get(key, code) != code:
                        raise InputError(
                            file,
                            f"measure {measure.id!r}: the answer {text!r} is listed under both {answers[key]!r} and {code!r}",
                            row=lines.get(("measures", measure.id, "scale", code)),
                        )
                    answers[key] = code
        return cls(file, {m.id: m for m in measures}, wordings, answers)

    def measure_for(self, survey: str, text: Any) -> Measure | None:
        """The measure of ``survey`` that a question wording asks, or None."""
        measure_id = self._wordings.get((survey, normalise_text(text)))
        return self.measures[measure_id] if measure_id else None

    def code_for(self, measure: str, text: Any) -> str | None:
        """The scale code an answer text (or option label) means for ``measure``, or None."""
        return self._answers.get((measure, normalise_text(text)))

    def table(self) -> pd.DataFrame:
        """One row per measure: measure, survey, kind, label."""
        return pd.DataFrame.from_records(
            [{"measure": m.id, "survey": m.survey, "kind": m.kind, "label": m.label} for m in self.measures.values()],
            columns=["measure", "survey", "kind", "label"],
        )

    def scale_labels(self, measure: str) -> dict[str, str]:
        """Code -> display label (the first answer text listed for it), in scale order."""
        return {code: texts[0] for code, texts in self.measures[measure].scale.items()}


# ---------------------------------------------------------------- reading the YAML

_BLANK = "\0 \t\r\n\x85\u2028\u2029"


class _MapLoader(BoundedSafeLoader):
    """SafeLoader that accepts '?' inside a plain text in a flow list, as YAML 1.2 does.

    PyYAML (YAML 1.1) rejects ``wordings: [What did you learn?]``, yet nearly every
    wording is a question. Only the one character test of ``scan_plain`` differs
    from PyYAML's; '?' followed by a space still starts a complex key.
    """

    def check_key(self) -> bool:
        if self.flow_level:
            return self.peek(1) in _BLANK
        return super().check_key()

    def scan_plain(self):  # PyYAML's Scanner.scan_plain, less '?' in the flow-context stop set
        chunks: list[str] = []
        start_mark = self.get_mark()
        end_mark = start_mark
        indent = self.indent + 1
        spaces: list[str] | None = []
        while True:
            length = 0
            if self.peek() == "#":
                break
            while True:
                ch = self.peek(length)
                if (
                    ch in _BLANK
                    or (ch == ":" and self.peek(length + 1) in _BLANK + (",[]{}" if self.flow_level else ""))
                    or (self.flow_level and ch in ",[]{}")
                ):
                    break
                length += 1
            if length == 0:
                break
            self.allow_simple_key = False
            chunks.extend(spaces or ())
            chunks.append(self.prefix(length))
            self.forward(length)
            end_mark = self.get_mark()
            spaces = self.scan_plain_spaces(indent, start_mark)
            if not spaces or self.peek() == "#" or (not self.flow_level and self.column < indent):
                break
        return yaml.tokens.ScalarToken("".join(chunks), True, start_mark, end_mark)


def _plain(node: yaml.Node, path: tuple, lines: dict[tuple, int], name: str) -> Any:
    """A composed YAML node as Python, every scalar kept as the text written (so `Yes` stays 'Yes', not True)."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in result:
                raise InputError(name, f"{'.'.join(map(str, (*path, key)))!s} is written twice", row=key_node.start_mark.line + 1)
            result[key] = _plain(value_node, (*path, key), lines, name)
            lines[(*path, key)] = key_node.start_mark.line + 1  # a key is located where it is written
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*path, index), lines, name) for index, item in enumerate(node.value)]
    if node.tag == "tag:yaml.org,2002:null":
        return None
    return str(node.value)


def _texts(value: Any, where: str, name: str, row: int | None) -> tuple[str, ...]:
    """A string or a list of strings, as a tuple of non-blank strings."""
    items = value if isinstance(value, list) else [value]
    if not items or any(not isinstance(item, str) or not item.strip() for item in items):
        raise InputError(name, f"{where} must be a text or a list of texts", row=row)
    return tuple(dict.fromkeys(item.strip() for item in items))


def _measure(measure_id: str, spec: Any, lines: dict[tuple, int], name: str) -> Measure:
    row = lines.get(("measures", measure_id))
    line = lambda *keys: lines.get(("measures", measure_id, *keys), row)  # noqa: E731
    if not isinstance(spec, dict):
        raise InputError(name, f"measure {measure_id!r} must be a mapping with {', '.join(MEASURE_KEYS)}", row=row)
    unknown = [key for key in spec if key not in MEASURE_KEYS]
    if unknown:
        raise InputError(
            name,
            f"measure {measure_id!r} has unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(MEASURE_KEYS)}",
            row=line(unknown[0]),
        )
    survey, kind = spec.get("survey"), spec.get("kind")
    if survey not in SURVEYS:
        raise InputError(name, f"measure {measure_id!r}: survey must be one of {', '.join(SURVEYS)}, not {survey!r}", row=line("survey"))
    if kind not in KINDS:
        raise InputError(name, f"measure {measure_id!r}: unknown kind {kind!r}; use one of {', '.join(KINDS)}", row=line("kind"))
    if spec.get("wordings") is None:
        raise InputError(name, f"measure {measure_id!r} needs 'wordings': every question text that asks it", row=row)
    wordings = _texts(spec["wordings"], f"measure {measure_id!r}: wordings", name, line("wordings"))
    scale_spec = spec.get("scale")
    if kind == "open" and scale_spec is not None:
        raise InputError(
            name, f"measure {measure_id!r} is open (free text), so it has no scale; remove 'scale' or change its kind", row=line("scale")
        )
    if kind != "open" and (not isinstance(scale_spec, dict) or not scale_spec):
        raise InputError(
            name,
            f"measure {measure_id!r} is {kind} and needs a 'scale': code -> list of "
            f"{'option labels' if kind == 'multi' else 'answer texts'}, in scale order",
            row=line("scale"),
        )
    scale = {
        code: _texts(texts, f"measure {measure_id!r}: scale code {code!r}", name, line("scale", code))
        for code, texts in (scale_spec or {}).items()
    }
    label = spec.get("label") or measure_id
    if not isinstance(label, str):
        raise InputError(name, f"measure {measure_id!r}: label must be a text", row=line("label"))
    return Measure(measure_id, survey, kind, label.strip(), wordings, scale)


def load_map(path: str | Path, name: str | None = None) -> HarmonisationMap:
    """Read and check ``harmonisation.yml`` (format in data/README.md)."""
    path = Path(path)
    name = name or display_name(path)
    if not path.is_file():
        raise InputError(name, "file not found: every data folder needs harmonisation.yml (see data/README.md)")
    text = decode_text(read_input_bytes(path, name), name)
    node = compose_yaml(
        text,
        name,
        loader=_MapLoader,
        hint="; a text holding ': ' or ' #', or starting with a quote, needs quotes around it",
    )
    if node is None:
        raise InputError(name, "the file is empty")
    lines: dict[tuple, int] = {}
    raw = _plain(node, (), lines, name)
    measures = raw.get("measures") if isinstance(raw, dict) else None
    if not isinstance(measures, dict) or not measures:
        raise InputError(name, "needs a 'measures' mapping with at least one measure", row=lines.get(("measures",), 1))
    return HarmonisationMap.from_measures(name, [_measure(mid, spec, lines, name) for mid, spec in measures.items()], lines)


# ---------------------------------------------------------------- applying it to an export


@dataclass(frozen=True)
class HarmonisedSurvey:
    """One export's answers in terms of measures.

    - ``answers``: response_row, measure, kind, answer (scale code, <NA> for open and typed Other text),
      text (open answer or typed Other text, else <NA>), column (letter), question (its wording in the export)
    - ``asked``: measure (the measures this export asks, in question order)
    - ``unmapped``: file, question_no, column, text (questions the map does not know; their answers are not used)
    """

    file: str
    survey: str
    survey_id: str
    answers: pd.DataFrame
    asked: pd.DataFrame
    unmapped: pd.DataFrame


def _match_questions(export: SurveyExport, hmap: HarmonisationMap, survey: str) -> tuple[dict[int, Measure], list[dict]]:
    """question_no -> measure for the questions the map knows; the others as unmapped records."""
    matched: dict[int, Measure] = {}
    unmapped = []
    asked_by: dict[str, int] = {}
    for question in export.questions.itertuples(index=False):
        measure = hmap.measure_for(survey, question.text)
        if measure is None:
            unmapped.append(
                {"file": export.file, "question_no": question.question_no, "column": question.first_column, "text": question.text}
            )
            continue
        if measure.kind != question.kind:
            raise InputError(
                export.file,
                f"question {question.question_no} ({question.text!r}) is a {question.kind} question in this export, but "
                f"{hmap.file} maps it to measure {measure.id!r}, which is {measure.kind}",
                row=1,
                column=question.first_column,
            )
        if measure.id in asked_by and measure.kind != "open":  # open questions may repeat ("Any other comments?" twice)
            raise InputError(
                export.file,
                f"questions {asked_by[measure.id]} and {question.question_no} both ask measure {measure.id!r}; "
                f"a measure can be asked once per survey (check the wordings in {hmap.file})",
                row=1,
                column=question.first_column,
            )
        asked_by[measure.id] = question.question_no
        matched[question.question_no] = measure
    return matched, unmapped


def _option_codes(export: SurveyExport, hmap: HarmonisationMap, matched: dict[int, Measure]) -> dict[str, str]:
    """Column letter -> option code for every non-Other option of a mapped multi-select question."""
    codes = {}
    for option in export.options.itertuples(index=False):
        measure = matched.get(option.question_no)
        if measure is None or option.is_other:
            continue
        code = hmap.code_for(measure.id, option.option_label)
        if code is None:
            raise InputError(
                export.file,
                f"option {option.option_label!r} of question {option.question_no} is not on the scale of measure {measure.id!r}: "
                f"add it to harmonisation.yml under measures.{measure.id}.scale",
                row=2,
                column=option.column,
            )
        codes[option.column] = code
    return codes


def _unknown_answer(value: str, measure: Measure, file: str, row: int, column: str) -> InputError:
    return InputError(
        file,
        f"the answer {value!r} is not on the scale of measure {measure.id!r} "
        f"(known: {'; '.join(t for texts in measure.scale.values() for t in texts)}): "
        f"add it to harmonisation.yml under measures.{measure.id}.scale"
        + (" (in a [...] list, put a text holding a comma in quotes)" if "," in value else ""),
        row=row,
        column=column,
    )


def _answers(export: SurveyExport, hmap: HarmonisationMap, matched: dict[int, Measure], option_codes: dict[str, str]) -> pd.DataFrame:
    """The non-blank cells of mapped questions as answers: an open answer or typed Other text as ``text``, else the
    scale code as ``answer`` (a ticked option's code, or the code a single-choice answer text means: once per distinct text)."""
    cells = export.cells.loc[export.cells["question_no"].isin(list(matched))].reset_index(drop=True)
    values = cells["value"].to_numpy(dtype=object)
    columns = cells["column"].to_numpy(dtype=object)
    number = cells["question_no"].to_numpy()
    measure_ids = np.array([matched[q].id for q in number], dtype=object) if len(cells) else np.empty(0, dtype=object)
    kinds = np.array([matched[q].kind for q in number], dtype=object) if len(cells) else np.empty(0, dtype=object)
    wording = dict(zip(export.questions["question_no"], export.questions["text"]))
    is_text = (kinds == "open") | np.isin(columns, list(set(export.questions["other_column"].dropna())))
    is_multi = ~is_text & (kinds == "multi")
    answer = np.full(len(cells), pd.NA, dtype=object)
    answer[is_multi] = [option_codes[column] for column in columns[is_multi]]
    unknown = np.zeros(len(cells), dtype=bool)
    for measure_id in dict.fromkeys(measure_ids):
        single = ~is_text & ~is_multi & (measure_ids == measure_id)
        if single.any():
            codes = map_distinct(values[single], partial(hmap.code_for, measure_id))
            unknown[single] = np.equal(codes, None)  # type: ignore[call-overload]  # numpy's stubs refuse None, which object arrays compare with elementwise
            answer[single] = codes
    if unknown.any():
        at = int(np.argmax(unknown))
        raise _unknown_answer(values[at], matched[int(number[at])], export.file, int(cells["source_row"].iat[at]), columns[at])
    text = np.full(len(cells), pd.NA, dtype=object)
    text[is_text] = values[is_text]
    return pd.DataFrame(
        {
            "response_row": pd.Series(cells["source_row"].to_numpy(), dtype="int64"),
            "measure": measure_ids,
            "kind": kinds,
            "answer": pd.Series(answer, dtype="string"),
            "text": pd.Series(text, dtype="string"),
            "column": columns,
            "question": np.array([wording[q] for q in number], dtype=object),
        },
        columns=ANSWER_COLUMNS,
    )


def harmonise(export: SurveyExport, hmap: HarmonisationMap, survey: str, survey_id: str) -> HarmonisedSurvey:
    """Answers of one export in terms of the map's measures of ``survey`` ('event' or 'followup')."""
    if survey not in SURVEYS:
        raise ValueError(f"survey must be one of {SURVEYS}, not {survey!r}")
    matched, unmapped = _match_questions(export, hmap, survey)
    option_codes = _option_codes(export, hmap, matched)
    answers = _answers(export, hmap, matched, option_codes)
    # Two options of one export may mean the same code (both wordings listed under it): count the code once.
    if len(set(option_codes.values())) < len(option_codes):
        repeated = answers["answer"].notna() & answers.duplicated(["response_row", "measure", "answer"])
        answers = answers.loc[~repeated].reset_index(drop=True)
    asked = pd.DataFrame({"measure": pd.Series([m.id for m in matched.values()], dtype="str")})
    return HarmonisedSurvey(
        file=export.file,
        survey=survey,
        survey_id=survey_id,
        answers=answers,
        asked=asked,
        unmapped=records_frame(unmapped, UNMAPPED_COLUMNS, {"question_no": "int64"}),
    )
