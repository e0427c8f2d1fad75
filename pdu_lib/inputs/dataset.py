"""Load a whole data folder for one report: every loader, the period filter and the row accounting.

``load_dataset`` is the single entry point the notebooks and the renderer use.
It reads each input once, filters by the report period (``pdu_lib.inputs.periods``)
and records every row set aside, with its reason, in the Ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pdu_lib import config
from pdu_lib.config import ReportPeriod
from pdu_lib.errors import InputError
from pdu_lib.inputs import attendance, expert_citizens, harmonise, records, surveys
from pdu_lib.inputs.actions import reported_actions
from pdu_lib.inputs.codebook import (
    CODEBOOK_FILE,
    EXCERPTS_DIR,
    NAMES_FILE,
    Codebook,
    load_codebook,
)
from pdu_lib.inputs.excerpts import in_period, read_excerpt_folder
from pdu_lib.inputs.files import check_data_folder
from pdu_lib.inputs.ledger import Ledger
from pdu_lib.inputs.periods import keep_within
from pdu_lib.inputs.survey_peers import check_peers
from pdu_lib.inputs.tables import display_name
from pdu_lib.memo import PROCESS_MEMO

REGISTER_NAMES = ("attendance_register.xlsx", "attendance_register.csv")
DUPLICATE_BOOKING = "duplicate booking"


@dataclass(frozen=True, eq=False)
class Dataset:
    """All the tidy tables of one report period. No names, emails or survey ids.

    Frozen: a loaded Dataset is shared (:data:`pdu_lib.memo.PROCESS_MEMO`) by every section and
    caller of the process, so nothing may change it; values derived from it are computed by the
    analysis layer (``figures.figure_map``), never stored on it. Compared by identity.
    """

    period: ReportPeriod
    data_dir: Path
    all_events: pd.DataFrame  # every event in the list, whatever its date
    events: pd.DataFrame  # events in the period
    bookings: pd.DataFrame  # every register row, linked to people, whatever its date or status
    attendances: pd.DataFrame  # attended rows at learning events in the period
    cop_attendances: pd.DataFrame  # attended rows at CoP sessions in the period
    people_audit: pd.DataFrame  # one row per person linked over the period's register rows
    email_conflicts: pd.DataFrame  # shared emails whose names conflict (pseudonymous: people.email_conflicts)
    event_responses: pd.DataFrame
    event_answers: pd.DataFrame
    event_asked: pd.DataFrame
    followup_responses: pd.DataFrame
    followup_answers: pd.DataFrame
    followup_asked: pd.DataFrame
    unmapped_questions: pd.DataFrame
    hub: pd.DataFrame
    interviews: pd.DataFrame
    reviews: pd.DataFrame
    harmonisation: harmonise.HarmonisationMap
    ledger: Ledger
    excerpts: pd.DataFrame | None = None  # coded excerpts in the period (all, publishable or not)
    codebook: Codebook | None = None  # when the data folder has one
    # One row per survey export read: source_file, survey, survey_id, responses_read, in_period, responses_used
    survey_files: pd.DataFrame | None = None
    # Survey exports of events or rounds outside the period, counted whole: survey, files, responses (no file names)
    files_outside_period: pd.DataFrame | None = None
    judgements: expert_citizens.Judgements | None = None  # completed Expert Citizens review packs in the period
    # Files of excerpts/ not read, and documents.csv rows no excerpt names: file, what, note (the data-quality appendix)
    unread_inputs: pd.DataFrame | None = None

    @property
    def learning_events(self) -> pd.DataFrame:
        return self.events.loc[self.events["kind"] == "learning_event"].reset_index(drop=True)

    @property
    def cop_sessions(self) -> pd.DataFrame:
        return self.events.loc[self.events["kind"] == "cop_session"].reset_index(drop=True)

    @property
    def rounds(self) -> list[str]:
        """Follow-up rounds with responses in the period, oldest first."""
        return sorted(self.followup_responses["survey_id"].unique())

    @property
    def latest_round(self) -> str | None:
        return self.rounds[-1] if self.rounds else None

    @property
    def has_followup_data(self) -> bool:
        """False when no follow-up response falls in the period: every follow-up figure is then empty
        (no base), and a section should say plainly that the period has no follow-up data."""
        return not self.followup_responses.empty

    @property
    def empty_followup_rounds(self) -> list[str]:
        """Follow-up rounds (``YYYY-MM``) of the period whose exports hold no response used in it, oldest first:
        e.g. an export with its two header rows and no responses, or only test responses."""
        if self.survey_files is None:
            return []
        files = self.survey_files.loc[self.survey_files["survey"] == "followup"]
        start, end = f"{self.period.start:%Y-%m}", f"{self.period.end:%Y-%m}"
        in_period = files.loc[files["survey_id"].between(start, end)]
        used = in_period.groupby("survey_id")["responses_used"].sum()
        return sorted(used.index[used == 0])

    def measure(self, measure_id: str) -> harmonise.Measure:
        try:
            return self.harmonisation.measures[measure_id]
        except KeyError:
            raise InputError(self.harmonisation.file, f"the report needs the measure {measure_id!r}; add it to harmonisation.yml") from None

    def measure_kind(self, measure_id: str) -> str:
        return self.measure(measure_id).kind

    def scale(self, measure_id: str) -> list[str]:
        return list(self.measure(measure_id).codes)

    def labels(self, measure_id: str) -> dict[str, str]:
        self.measure(measure_id)
        return dict(self.harmonisation.scale_labels(measure_id))

    def reconciliation(self) -> pd.DataFrame:
        return self.ledger.table()


def _find_register(data_dir: Path) -> Path:
    for name in REGISTER_NAMES:
        if (data_dir / name).is_file():
            return data_dir / name
    raise InputError(data_dir / REGISTER_NAMES[0], "file not found (attendance_register.xlsx or attendance_register.csv)")


def _account_bookings(bookings: pd.DataFrame, period: ReportPeriod, ledger: Ledger) -> pd.DataFrame:
    """Attended rows at events in the period; every other row is recorded with its reason.

    An exact repeat of a booking (the same person, event and status as an
    earlier row) is a ``duplicate booking``: counting it would count one
    attendance twice.
    """
    end = pd.Timestamp(period.end)
    start = pd.Timestamp(period.start)
    in_period = bookings["event_date"].between(start, end)
    rules = [
        ((bookings["event_date"] > end) & (bookings["status"] == "booked"), "booked, event not yet held"),
        (~in_period, "event outside the report period"),
        (bookings.duplicated(["person_id", "event_id", "status"]), DUPLICATE_BOOKING),
        (bookings["status"] == "cancelled", "cancelled booking"),
        (bookings["status"] == "did_not_attend", "did not attend"),
        (bookings["status"] == "booked", "booked, attendance not recorded"),
    ]
    for mask, reason in rules:
        for file, rows in bookings.loc[mask].groupby("source_file")["source_row"]:
            ledger.exclude(file, rows.tolist(), reason)
    used = in_period & (bookings["status"] == "attended") & ~bookings.duplicated(["person_id", "event_id", "status"])
    return bookings.loc[used].reset_index(drop=True)


def _filter_surveys(data: surveys.SurveyData, period: ReportPeriod, ledger: Ledger):
    # Files outside the period were counted whole in their own ledger (surveys.load_surveys).
    outside_files = set(data.files.loc[~data.files["in_period"], "source_file"])
    responses = data.responses.loc[~data.responses["source_file"].isin(outside_files)]
    responses = keep_within(responses, "submitted", period.start, period.end, ledger, "submitted outside the report period")
    kept = set(responses["response_id"])
    answers = data.answers.loc[data.answers["response_id"].isin(kept)].reset_index(drop=True)
    asked = data.asked.loc[data.asked["survey_id"].isin(set(responses["survey_id"]))].reset_index(drop=True)
    return responses, answers, asked


def _files_outside(survey_files: pd.DataFrame, outside_ledger: Ledger) -> pd.DataFrame:
    """Survey exports set aside whole because their event or round is outside the period: counts per survey, no names."""
    read = outside_ledger.table().rename(columns={"file": "source_file"})
    outside = survey_files[["source_file", "survey"]].merge(read[["source_file", "rows_read"]], on="source_file")
    table = outside.groupby("survey", sort=True).agg(files=("source_file", "size"), responses=("rows_read", "sum")).reset_index()
    return table.astype({"survey": "str", "files": "int64", "responses": "int64"})


def forget_loaded() -> None:
    """Forget what this process loaded and computed (:data:`pdu_lib.memo.PROCESS_MEMO`): a render reads files that may have changed."""
    PROCESS_MEMO.clear()


def load_dataset(data_dir: str | Path | None, report_name: str, *, with_judgements: bool = True) -> Dataset:
    """Load and check every input of ``data_dir`` for the report ``report_name``.

    Raises InputError (file, row, column) on bad input. Results are kept per
    folder and report in the process's memo (:data:`pdu_lib.memo.PROCESS_MEMO`),
    so notebooks and tests can call it freely. ``with_judgements=False`` reads
    no completed review pack (``judgements`` is None): a new pack must not
    depend on the old judgements.
    """
    folder = (Path(data_dir) if data_dir is not None else config.SAMPLE_DATA_DIR).resolve()
    key = ("dataset", str(folder), report_name, with_judgements)
    return PROCESS_MEMO.get(key, lambda: _load(folder, report_name, with_judgements))


def _load(data_dir: Path, report_name: str, with_judgements: bool = True) -> Dataset:
    if not data_dir.is_dir():
        raise InputError(data_dir, "data folder not found")
    check_data_folder(data_dir)  # no FIFO, device or link out of the folder before any file is read
    period = config.report_period(data_dir, report_name)
    ledger = Ledger()
    people = _load_people(data_dir, period, ledger)
    hmap = harmonise.load_map(data_dir / "harmonisation.yml")
    survey_tables = _load_surveys(data_dir, period, people["all_events"], people["events"], hmap, ledger)
    records_tables = _load_records(data_dir, period, ledger)
    evidence = _load_evidence(data_dir, period, survey_tables, ledger)
    judgements = (
        _load_judgements(data_dir, period, evidence["excerpts"], survey_tables["followup_answers"], ledger) if with_judgements else None
    )
    survey_tables.pop("_all")
    return Dataset(
        period=period,
        data_dir=data_dir,
        harmonisation=hmap,
        ledger=ledger,
        judgements=judgements,
        **people,
        **survey_tables,
        **records_tables,
        **evidence,
    )


def _load_judgements(
    data_dir: Path, period: ReportPeriod, excerpts: pd.DataFrame | None, followup_answers: pd.DataFrame, ledger: Ledger
) -> expert_citizens.Judgements:
    """The completed Expert Citizens review packs of the period, their actions checked against the data's."""
    # Without the coded excerpts (no codebook.yml) the ids of coded actions cannot be known, so none are checked.
    known_ids = None
    if excerpts is not None:
        actions = reported_actions(followup_answers, excerpts)
        known_ids = dict(zip(actions["action_id"], actions["text"].astype(str)))
    return expert_citizens.load_judgements(data_dir, known_ids=known_ids, ledger=ledger, start=period.start, end=period.reviews_end)


def _name(data_dir: Path) -> Callable[[Path], str]:
    return lambda path: display_name(path, data_dir)


def _load_people(data_dir: Path, period: ReportPeriod, ledger: Ledger) -> dict[str, pd.DataFrame]:
    """Events and the register: bookings linked to people, and the attended rows of the period."""
    name = _name(data_dir)
    events_path = data_dir / "events.csv"
    all_events = attendance.load_events(events_path, name=name(events_path), ledger=ledger)
    events = keep_within(all_events, "date", period.start, period.end, ledger, "event outside the report period")
    register_path = _find_register(data_dir)
    # People are linked over the period's rows only: a later period's bookings never change this report's people.
    bookings, people_audit, email_conflicts = attendance.load_register_linked(
        register_path, all_events, name=name(register_path), ledger=ledger, link_within=(period.start, period.end)
    )
    attended = _account_bookings(bookings, period, ledger)
    return {
        "all_events": all_events,
        "events": events,
        "bookings": bookings,
        "people_audit": people_audit,
        "email_conflicts": email_conflicts,
        "attendances": attended.loc[attended["event_kind"] == "learning_event"].reset_index(drop=True),
        "cop_attendances": attended.loc[attended["event_kind"] == "cop_session"].reset_index(drop=True),
    }


def _load_surveys(
    data_dir: Path, period: ReportPeriod, all_events: pd.DataFrame, events: pd.DataFrame, hmap: harmonise.HarmonisationMap, ledger: Ledger
) -> dict:
    """Both surveys' exports, filtered to the period; ``_all`` keeps every export read, for the coded answers."""
    # Every report's period, so that a file's date order is the same whichever report is rendered.
    periods = [(p.start, p.end) for p in config.load_reports(data_dir).values()]
    # Exports of events or rounds outside the period are counted whole, apart: the report lists nothing of them.
    outside_ledger = Ledger()
    first_month, last_month = f"{period.start:%Y-%m}", f"{period.end:%Y-%m}"
    event_in_period = set(events["event_id"])
    common: dict[str, Any] = {"ledger": ledger, "periods": periods, "outside_ledger": outside_ledger}
    event_data = surveys.load_surveys(
        data_dir,
        "event",
        hmap,
        known_ids=set(all_events["event_id"]),
        event_dates=dict(zip(all_events["event_id"], all_events["date"])),
        survey_in_period=event_in_period.__contains__,
        **common,
    )
    followup_data = surveys.load_surveys(
        data_dir, "followup", hmap, survey_in_period=lambda round_id: first_month <= round_id <= last_month, **common
    )
    for data in (event_data, followup_data):
        check_peers(data, hmap)
    event_responses, event_answers, event_asked = _filter_surveys(event_data, period, ledger)
    followup_responses, followup_answers, followup_asked = _filter_surveys(followup_data, period, ledger)
    survey_files = pd.concat([event_data.files, followup_data.files], ignore_index=True)
    used_per_file = pd.concat([event_responses, followup_responses])["source_file"].value_counts()
    survey_files["responses_used"] = survey_files["source_file"].map(used_per_file).fillna(0).astype("int64")
    return {
        "event_responses": event_responses,
        "event_answers": event_answers,
        "event_asked": event_asked,
        "followup_responses": followup_responses,
        "followup_answers": followup_answers,
        "followup_asked": followup_asked,
        "unmapped_questions": pd.concat([event_data.unmapped, followup_data.unmapped], ignore_index=True),
        "survey_files": survey_files,
        "files_outside_period": _files_outside(survey_files, outside_ledger),
        "_all": (event_data, followup_data),
    }


def _load_records(data_dir: Path, period: ReportPeriod, ledger: Ledger) -> dict[str, pd.DataFrame]:
    """The hub's registrations, the interviews and the Expert Citizens reviews of the period."""
    name = _name(data_dir)
    hub_path = data_dir / "hub_registrations.csv"
    hub_all = records.load_hub_registrations(hub_path, name=name(hub_path), ledger=ledger)
    interviews_path = data_dir / "interviews.csv"
    reviews_path = data_dir / "expert_citizens_reviews.csv"
    return {
        "hub": keep_within(hub_all, "registered_on", pd.Timestamp.min.date(), period.end, ledger, "registered after the period end"),
        "interviews": keep_within(
            records.load_interviews(interviews_path, name=name(interviews_path), ledger=ledger),
            "date",
            period.start,
            period.end,
            ledger,
            "interview outside the report period",
        ),
        "reviews": keep_within(
            records.load_expert_citizens_reviews(reviews_path, name=name(reviews_path), ledger=ledger),
            "date",
            period.start,
            period.reviews_end,
            ledger,
            "review outside the report period",
        ),
    }


def _load_evidence(data_dir: Path, period: ReportPeriod, survey_tables: dict, ledger: Ledger) -> dict:
    """The coded excerpts of the period, the codebook, and what ``excerpts/`` held that was not read."""
    if not (data_dir / CODEBOOK_FILE).is_file():
        return {"excerpts": None, "codebook": None, "unread_inputs": None}
    event_data, followup_data = survey_tables["_all"]
    # Open answers of every response the loaders kept, whatever its date: coded excerpts are
    # filtered to the period with the rest of the qualitative evidence (excerpts.in_period).
    all_responses = pd.concat([event_data.responses, followup_data.responses], ignore_index=True)
    all_answers = pd.concat([event_data.answers, followup_data.answers], ignore_index=True)
    open_answers = all_answers.loc[all_answers["text"].notna()].merge(
        all_responses[["response_id", "submitted"]], on="response_id", how="left"
    )
    codebook = load_codebook(data_dir / CODEBOOK_FILE, data_dir / EXCERPTS_DIR / NAMES_FILE)
    folder = read_excerpt_folder(
        data_dir,
        survey_open_answers=open_answers,
        ledger=ledger,
        codebook=codebook,
        # Respondent IDs let coded answers find their response; they go no further than the excerpts loader.
        survey_respondents=pd.concat([event_data.respondents, followup_data.respondents], ignore_index=True),
        survey_files=survey_tables["survey_files"]["source_file"].tolist(),
    )
    excerpts = in_period(folder.excerpts, period.start, period.end, period.reviews_end)
    kept = set(zip(excerpts["source_file"], excerpts["source_row"]))
    all_excerpts = folder.excerpts
    outside = all_excerpts.loc[[(f, r) not in kept for f, r in zip(all_excerpts["source_file"], all_excerpts["source_row"])]]
    for file, rows in outside.groupby("source_file")["source_row"]:
        ledger.exclude(file, rows.tolist(), "excerpt outside the report period")
    return {"excerpts": excerpts, "codebook": codebook, "unread_inputs": folder.unread}
