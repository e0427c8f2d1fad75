"""The Expert Citizens review pack: both forms written, ids stable, only what may be quoted, and the round trip back."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pdu_lib import cli
from pdu_lib.analysis import figures
from pdu_lib.inputs import expert_citizens
from pdu_lib.inputs.actions import reported_actions
from pdu_lib.inputs.dataset import _load as load_dataset  # uncached: these tests change the data between loads
from pdu_lib.inputs.expert_citizens import COLUMNS, IMPACT_SCALE
from pdu_lib.report import expert_review_pack


def _pack(data: Path, out: Path, report: str = "final") -> expert_review_pack.ReviewPack:
    return expert_review_pack.write_review_pack(report, data_dir=data, out_dir=out / "out")


def _without_packs(data: Path) -> Path:
    shutil.rmtree(data / "expert_citizens", ignore_errors=True)
    return data


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    """The sample without completed packs, and the final report's pack made from it (made once for the module)."""
    from pdu_lib import config

    base = tmp_path_factory.mktemp("packed")
    data = base / "data"
    shutil.copytree(config.SAMPLE_DATA_DIR, data)
    return _without_packs(data), _pack(data, base)


@pytest.fixture
def blank(packed, tmp_path):
    """A private copy of the sample without completed packs, and the (read-only) pack made from it."""
    data, pack = packed
    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    return copy, pack


def fill_pack(xlsx: Path, target: Path, impact=None, comment=None, overall=(), rows=None) -> Path:
    """A completed pack: ``impact(i)``/``comment(i)`` give row i's judgement (None leaves it blank)."""
    book = openpyxl.load_workbook(xlsx)
    sheet = book[expert_review_pack.ACTIONS_SHEET]
    header = [c.value for c in sheet[1]]
    for i, row in enumerate(sheet.iter_rows(min_row=2)):
        if rows is not None and i not in rows:
            continue
        if impact is not None:
            row[header.index(COLUMNS["impact"])].value = impact(i)
        if comment is not None:
            row[header.index(COLUMNS["comment"])].value = comment(i)
    for i, text in enumerate(overall, start=2):
        book[expert_review_pack.OVERALL_SHEET].cell(row=i, column=1).value = text
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def _zip_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def test_review_pack_final_writes_both_forms_grouped_by_theme(packed):
    _, pack = packed
    assert pack.docx.is_file() and pack.xlsx.is_file()
    sheet = openpyxl.load_workbook(pack.xlsx)[expert_review_pack.ACTIONS_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == tuple(COLUMNS[k] for k in ("action_id", "theme", "action", "impact", "comment"))
    assert len(rows) - 1 == len(pack.actions) > 20
    assert all(r[3] is None and r[4] is None for r in rows[1:]), "the judgement columns are blank"
    themes = [r[1] for r in rows[1:]]
    assert themes == sorted(themes, key=list(dict.fromkeys(themes)).index), "each theme's actions are together"
    assert len({r[0] for r in rows[1:]}) == len(rows) - 1
    document = _zip_text(pack.docx)
    for action_id, text in list(zip(pack.actions["action_id"], pack.actions["text"]))[:5]:
        assert action_id in document and text.split()[0] in document
    assert "What the group said overall" in document


def test_action_ids_survive_reordered_input_rows(sample_copy):
    ds = load_dataset(_without_packs(sample_copy), "final")
    order = list(ds.codebook.themes["theme_label"])
    forward = reported_actions(ds.followup_answers, ds.excerpts, theme_order=order)
    backward = reported_actions(ds.followup_answers.iloc[::-1], ds.excerpts.iloc[::-1].reset_index(drop=True), theme_order=order)
    assert forward.set_index("action_id")["text"].to_dict() == backward.set_index("action_id")["text"].to_dict()
    assert forward["action_id"].tolist() == backward["action_id"].tolist()


def test_the_same_data_gives_the_same_pack_bytes(packed, tmp_path):
    data, first = packed
    second = _pack(data, tmp_path)
    assert first.xlsx.read_bytes() == second.xlsx.read_bytes()
    assert first.docx.read_bytes() == second.docx.read_bytes()


def test_pack_withholds_what_the_quotes_withhold_and_replaces_organisations(sample_copy, tmp_path):
    data = _without_packs(sample_copy)
    path = next((data / "followup_surveys").glob("2019-01*.csv"))
    raw = path.read_text(encoding="utf-8-sig")
    ds = load_dataset(data, "final")
    answers = ds.followup_answers
    texts = answers.loc[(answers["measure"] == "action_taken") & answers["text"].notna(), "text"].tolist()
    raw = raw.replace(texts[-1], "Asked Zebedee to run a session with the Pdumarkorg Housing Trust team", 1)
    raw = raw.replace(texts[-2], "We now meet at the Carlton Road hostel every week", 1)
    path.write_text(raw, encoding="utf-8")
    (data / "excerpts" / "names_to_redact.txt").write_text((data / "excerpts" / "names_to_redact.txt").read_text() + "\nZebedee\n")
    pack = _pack(data, tmp_path)
    text = _zip_text(pack.xlsx) + _zip_text(pack.docx)
    assert "Zebedee" not in text and "Carlton Road" not in text and "Pdumarkorg" not in text
    reasons = dict(zip(pack.withheld["reason"], pack.withheld["actions"]))
    assert reasons.get("names a person", 0) >= 1 and reasons.get("contains text the codebook withholds", 0) >= 1


def test_cli_review_pack_writes_the_pack_and_bad_report_exits_2(sample_copy, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["review-pack", "final", "--data", str(_without_packs(sample_copy)), "--out", str(out)]) == 0
    assert (out / "review_pack" / "final" / f"{expert_review_pack.PACK_NAME}.xlsx").is_file()
    assert cli.main(["review-pack", "nope", "--data", str(sample_copy), "--out", str(out)]) == 2
    assert "nope" in capsys.readouterr().err
    assert cli.main(["review-pack", "final", "--data", str(sample_copy), "--out", str(sample_copy / "packs")]) == 2
    assert "inside the data folder" in capsys.readouterr().err


# --- the round trip: a filled-in pack moves the figures ------------------------------------------


def test_filling_in_the_pack_moves_the_figures(blank):
    data, pack = blank
    before = figures.compute_figures(load_dataset(data, "final")).set_index("figure_id")
    assert pd.isna(before.loc["ec_big_difference", "base"]) and pd.isna(before.loc["ec_actions_judged", "value"])

    labels = list(IMPACT_SCALE.values())
    fill_pack(
        pack.xlsx,
        data / "expert_citizens" / "2019-02-14.xlsx",
        impact=lambda i: labels[0] if i % 3 == 0 else (labels[1] if i % 3 == 1 else None),
        comment=lambda i: "Takes time to build trust" if i == 0 else None,
        overall=["Act on what people say"],
    )
    ds = load_dataset(data, "final")
    after = figures.compute_figures(ds).set_index("figure_id")
    n = len(pack.actions)
    judged = len([i for i in range(n) if i % 3 != 2])
    big = len([i for i in range(n) if i % 3 == 0])
    assert after.loc["ec_big_difference", "numerator"] == big
    assert after.loc["ec_big_difference", "base"] == judged
    assert after.loc["ec_actions_judged", "value"] == judged
    assert after.loc["ec_actions_left_blank", "value"] == n - judged
    assert after.loc["ec_big_difference_2019_02", "base"] == judged
    assert "3 Expert Citizens present" in after.loc["ec_big_difference_2019_02", "statement"]
    assert "expert_citizens/2019-02-14.xlsx" in after.loc["ec_big_difference", "source_files"]
    assert after.loc["ec_theme_highest", "numerator"] / after.loc["ec_theme_highest", "base"] >= (
        after.loc["ec_theme_lowest", "numerator"] / after.loc["ec_theme_lowest", "base"]
    )
    ledger = ds.reconciliation().set_index("file").loc["expert_citizens/2019-02-14.xlsx"]
    assert (ledger["rows_read"], ledger["rows_excluded"]) == (n, n - judged)
    assert "action left blank by the review" in ledger["reasons"]

    # Change one judgement: the figure follows.
    fill_pack(
        data / "expert_citizens" / "2019-02-14.xlsx", data / "expert_citizens" / "2019-02-14.xlsx", impact=lambda i: labels[0], rows={2}
    )
    moved = figures.compute_figures(load_dataset(data, "final")).set_index("figure_id")
    assert moved.loc["ec_big_difference", "numerator"] == big + 1


def test_a_pack_outside_the_period_is_read_then_set_aside(blank):
    data, pack = blank
    fill_pack(pack.xlsx, data / "expert_citizens" / "2019-02-14.xlsx", impact=lambda i: "A big difference")
    interim = load_dataset(data, "interim")
    assert interim.judgements.sessions.empty
    reasons = interim.ledger.reasons()
    assert "review outside the report period" in set(reasons.loc[reasons["file"] == "expert_citizens/2019-02-14.xlsx", "reason"])
    assert pd.isna(figures.compute_figures(interim).set_index("figure_id").loc["ec_big_difference", "base"])


# --- a bad completed pack gives located errors -------------------------------------------------


def _bad_pack(blank, change) -> str:
    from pdu_lib.errors import InputError

    data, pack = blank
    target = fill_pack(pack.xlsx, data / "expert_citizens" / "2019-02-14.xlsx", impact=lambda i: "Some difference")
    book = openpyxl.load_workbook(target)
    change(book[expert_review_pack.ACTIONS_SHEET])
    book.save(target)
    with pytest.raises(InputError) as caught:
        load_dataset(data, "final")
    return str(caught.value)


def test_an_unknown_action_id_is_located(blank):
    def change(sheet):
        sheet["A4"] = "A-000000"

    message = _bad_pack(blank, change)
    assert message.startswith("expert_citizens/2019-02-14.xlsx, row 4, column 'Action id': unknown action id 'A-000000'")


def test_a_value_off_the_scale_is_located(blank):
    def change(sheet):
        sheet["D5"] = "Huge"

    message = _bad_pack(blank, change)
    assert message.startswith(
        "expert_citizens/2019-02-14.xlsx, row 5, column 'Likely impact for service users': 'Huge' is not on the impact scale"
    )


def test_a_changed_action_text_is_located(blank):
    def change(sheet):
        sheet["C3"] = str(sheet["C3"].value) + " and more"

    message = _bad_pack(blank, change)
    assert re.match(
        r"expert_citizens/2019-02-14\.xlsx, row 3, column 'Action': the text of action A-\w+ is not the text the pack gave it", message
    )


def test_a_repeated_action_id_names_both_rows(blank):
    def change(sheet):
        sheet["A6"], sheet["C6"], sheet["F6"] = sheet["A2"].value, sheet["C2"].value, sheet["F2"].value

    message = _bad_pack(blank, change)
    assert "row 6, column 'Action id'" in message and "rows 2 and 6" in message


# --- safety: the pack leaves the evaluator's hands ---------------------------------------------


def _plant_in_action_texts(data: Path) -> list[str]:
    """Markers where only the publication rules keep them out: a listed name, withheld text, an organisation, no consent."""
    from test_end_to_end import _rewrite_csv

    markers = ["Pdumarkperson", "pdumarkwithheld", "Pdumarkorg", "pdumarknoconsent"]
    (data / "excerpts" / "names_to_redact.txt").write_text((data / "excerpts" / "names_to_redact.txt").read_text() + "\nPdumarkperson\n")
    codebook = (data / "codebook.yml").read_text()
    (data / "codebook.yml").write_text(codebook.replace("withhold_text:\n", "withhold_text:\n- pdumarkwithheld corner\n", 1))
    said = iter(
        [
            "Pdumarkperson and I now run the first meeting over a coffee",
            "We meet at the pdumarkwithheld corner each week to plan referrals",
            "We set up a shared rota with the Pdumarkorg Housing Trust outreach team",
        ]
    )

    def plant_answers(rows: list[list]) -> None:
        column = next(i for i, h in enumerate(rows[0]) if str(h or "").startswith("What action did you take"))
        for row in rows[2:]:
            if column < len(row) and str(row[column] or "").strip():
                try:
                    row[column] = next(said)
                except StopIteration:
                    return

    _rewrite_csv(next((data / "followup_surveys").glob("2019-01*.csv")), plant_answers)

    def plant_no_consent(rows: list[list]) -> None:
        header = rows[0]
        for row in rows[1:]:
            if row[header.index("document")] == "Interview I06" and row[header.index("tag")] == "pledge":
                row[header.index("content")] += " pdumarknoconsent"

    _rewrite_csv(next((data / "excerpts").glob("taguette*.csv")), plant_no_consent)
    return markers


def test_no_planted_personal_value_reaches_any_byte_of_the_pack(sample_copy, tmp_path):
    from test_end_to_end import _plant

    markers = _plant(_without_packs(sample_copy)) + _plant_in_action_texts(sample_copy)
    pack = _pack(sample_copy, tmp_path)
    assert len(pack.actions) > 20
    ds = load_dataset(sample_copy, "final")
    planted = (
        ds.followup_answers["text"].astype(str).str.contains("Pdumark|pdumark").sum() + ds.excerpts["text"].str.contains("pdumark").sum()
    )
    assert planted >= 4, "the markers are in the data the pack is made from"
    pattern = re.compile("|".join(re.escape(m) for m in markers).encode(), re.IGNORECASE)
    for path in (pack.docx, pack.xlsx):
        raw = path.read_bytes()
        with zipfile.ZipFile(path) as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
        leaks = {name: pattern.search(body).group().decode() for name, body in {path.name: raw, **members}.items() if pattern.search(body)}
        assert leaks == {}, path.name
    shown = " ".join(pack.actions["text"])
    assert "[organisation] outreach team" in shown, "the organisation is replaced, the action kept"


def test_a_judged_action_whose_response_was_removed_is_set_aside_and_counted(blank):
    data, pack = blank
    fill_pack(pack.xlsx, data / "expert_citizens" / "2019-02-14.xlsx", impact=lambda i: "A big difference")
    answers = load_dataset(data, "final").followup_answers
    said = answers.loc[(answers["measure"] == "action_taken") & answers["text"].notna() & (answers["survey_id"] == "2019-01")]
    gone = said.iloc[0]
    assert gone["text"] in set(pack.actions["text"])
    from test_unseen_data import read_grid, write_grid

    path = data / gone["source_file"]
    grid = read_grid(path)
    del grid[int(gone["source_row"]) - 1]
    write_grid(path, grid)
    ds = load_dataset(data, "final")
    reasons = ds.ledger.reasons().set_index(["file", "reason"])["rows"]
    assert reasons[("expert_citizens/2019-02-14.xlsx", expert_citizens.NOT_IN_DATA)] == 1
    assert ds.judgements.set_aside["reason"].tolist() == [expert_citizens.NOT_IN_DATA]
    assert len(ds.judgements.judgements) == len(pack.actions) - 1
