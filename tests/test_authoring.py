"""The evaluator's text: placeholders filled from the report's figures, by report, escaped."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pdu_lib.analysis.metrics import Share
from pdu_lib.present import authoring, wording
from pdu_lib.present.authoring import PlaceholderError, TextValues, fill, format_value

VALUES = TextValues(
    figures={"made_contact": Share(13, 36), "hub_aware": Share(11, 29), "learning_events": 19, "pledge_adopters": 4, "missing": None},
    values={"report_title": "Final <evaluation> report"},
    report="final",
)


def test_every_share_format_keeps_its_numbers():
    assert fill("{made_contact}", VALUES) == "36% (13 of 36)"
    assert fill("{made_contact:frac} {made_contact:of} {made_contact:n} {made_contact:base}", VALUES) == "13/36 13 of 36 13 36"
    assert fill("{made_contact:words}; {made_contact:Words}", VALUES) == "just over a third; Just over a third"
    assert fill("{made_contact:phrase}", VALUES) == "just over a third (36%, 13 of 36)"


def test_evaluative_words_come_from_the_number_not_the_text():
    assert fill("{made_contact:Judged} made contact.", VALUES) == "Only 13 of 36 made contact."
    majority = TextValues(figures={"shared": Share(30, 36), "half": Share(18, 36), "all": Share(36, 36)})
    assert fill("{shared:judged}; {half:judged}; {all:judged}", majority) == "as many as 30 of 36; 18 of 36; 36 of 36"


def test_counts_are_digits_or_words():
    assert fill("{learning_events} events, {pledge_adopters:people}; {pledge_adopters:Words}.", VALUES) == "19 events, four people; Four."


@pytest.mark.parametrize("count, expected", [(0, "No one said so."), (1, "One person said so."), (2, "Two people said so.")])
def test_a_count_of_people_agrees_in_number(count, expected):
    assert fill("{pledge_adopters:People} said so.", TextValues(figures={"pledge_adopters": count})) == expected


@pytest.mark.parametrize("spec", ["", ":words", ":Words"])
def test_a_count_followed_by_a_typed_people_is_refused(spec):
    with pytest.raises(PlaceholderError, match="pledge_adopters:people"):
        fill(f"{{pledge_adopters{spec}}} people said so.", VALUES, where="cell 7")


def test_a_small_base_carries_the_mark_and_the_text_ends_with_the_caution_note():
    filled = fill("Aware: {hub_aware}.", VALUES)
    assert filled.startswith(f"Aware: 38% (11 of 29){wording.CAUTION_MARK}.")
    assert filled.rstrip().endswith("</small></p>") and '<p class="pdu-caution">' in filled


def test_an_unknown_placeholder_names_the_cell_and_the_placeholder():
    with pytest.raises(PlaceholderError) as err:
        fill("We ran {learning_event} events.", VALUES, where="prose cell [7]")
    assert err.value.placeholder == "learning_event" and "prose cell [7]" in str(err.value)


@pytest.mark.parametrize(
    ("template", "says"),
    [
        ("{made_contact:pct}", "unknown format 'pct'"),
        ("{learning_events:frac}", "for a count"),
        ("{report_title:words}", "takes no format"),
        ("{made_contact.base}", "plain figure id"),
        ("{made_contact!r}", "plain figure id"),
        ("an { alone", "cannot be read"),
    ],
)
def test_a_bad_placeholder_is_a_named_error(template, says):
    with pytest.raises(PlaceholderError, match=says):
        fill(template, VALUES, where="prose cell [2]")


def test_literal_braces_and_values_from_data_are_escaped():
    assert fill("{{not a figure}} {report_title}", VALUES) == "{not a figure} Final &lt;evaluation&gt; report"
    hostile = TextValues(values={"label": "*bold* [x](javascript:alert(1)) <script>"})
    assert fill("{label}", hostile) == "&#42;bold&#42; &#91;x&#93;(javascript:alert(1)) &lt;script&gt;"


def test_a_figure_with_no_data_says_so_instead_of_a_number():
    assert fill("{missing}", VALUES) == format_value(None, "") == "no figure: no data in this period"


def test_a_prose_cell_for_another_report_shows_nothing():
    assert authoring.prose_cell("interim", "Interim only: {learning_events}", VALUES) is None
    shown = authoring.prose_cell("final", "Final only: {learning_events}", VALUES)
    assert shown.data == "Final only: 19"
    assert authoring.prose_cell("", "Both: {learning_events:words}", VALUES, cell_number=3).data == "Both: 19"


def test_the_magic_fills_a_cell_in_a_real_kernel_shell():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    authoring.load_ipython_extension(shell)
    shell.user_ns["page"] = SimpleNamespace(text_values=VALUES)
    result = shell.run_cell("%%prose\nWe ran {learning_events} events.")
    assert result.success and result.result.data == "We ran 19 events."
    failed = shell.run_cell("%%prose\nWe ran {nope} events.")
    assert isinstance(failed.error_in_exec, PlaceholderError) and "{nope}" in str(failed.error_in_exec)


def test_a_passage_quoting_a_figure_with_no_data_is_left_out_with_a_note():
    values = TextValues(figures={"hub_aware": Share(0, 0), "learning_events": 19}, values={"latest_round": None}, report="final")
    assert authoring.prose_cell("", "In the survey {hub_aware:of} were aware.", values).data == authoring.LEFT_OUT
    assert authoring.prose_cell("", "In the {latest_round} survey.", values).data == authoring.LEFT_OUT
    assert authoring.prose_cell("", "We ran {learning_events} events.", values).data == "We ran 19 events."
    with pytest.raises(PlaceholderError):
        authoring.prose_cell("", "{hub_aware} and {typo}", values)


def test_a_kernel_that_forgets_its_variables_forgets_the_values_prose_fills_from():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.extension_manager.load_extension("pdu_lib.present.authoring")
    shell.user_ns["page"] = SimpleNamespace(text_values=VALUES)
    assert shell.run_cell("%%prose\n{learning_events} events.").result.data == "19 events."
    shell.reset(new_session=False)  # what a kept kernel does between sections
    failed = shell.run_cell("%%prose\n{learning_events} events.")
    assert isinstance(failed.error_in_exec, PlaceholderError) and "{learning_events}" in str(failed.error_in_exec)


def test_unloading_the_extension_removes_the_magic():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.extension_manager.load_extension("pdu_lib.present.authoring")
    assert shell.extension_manager.unload_extension("pdu_lib.present.authoring") is None
    assert "prose" not in shell.magics_manager.magics["cell"]
    assert shell.extension_manager.load_extension("pdu_lib.present.authoring") is None  # loads again, quietly
    assert "prose" in shell.magics_manager.magics["cell"]
