"""Linking booking rows to pseudonymous people (pdu_lib/people.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pdu_lib.inputs.people import (
    LINK_RULES,
    NICKNAMES_FILE,
    email_conflicts,
    link_people,
    linking_summary,
    load_nicknames,
    names_compatible,
)


def bookings(*rows: tuple[object, object, object], index: list[int] | None = None) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["name", "email", "organisation"], index=index)


def ids(*rows: tuple[object, object, object]) -> list[str]:
    return link_people(bookings(*rows))[0].tolist()


def test_emails_match_regardless_of_case_and_spaces() -> None:
    assert ids(
        ("Qzx One", "Qzx.One@Example.ORG", "Org A"),
        ("Q. One", " qzx.one @example.org ", "Org B"),
        ("Another", "qzx.two@example.org", "Org A"),
    ) == ["P0001", "P0001", "P0002"]


def test_names_match_regardless_of_case_spacing_punctuation_and_accents_at_the_same_organisation() -> None:
    assert ids(
        ("Mary-Jane  O'Brien", "", "St Ann's Hostel"),
        ("mary jane obrien", None, "st anns hostel"),
        ("MARY JANE O\u2019BRIEN", np.nan, "St. Anns  Hostel"),
        ("Zoë Hart", "", "Org"),
        ("Zoe  Hart", "", "ORG"),
    ) == ["P0001", "P0001", "P0001", "P0002", "P0002"]


def test_organisations_match_without_the_ltd_limited_and_ampersand() -> None:
    assert ids(
        ("Ann Lee", "", "The Hostel Ltd"),
        ("Ann Lee", "", "Hostel Limited"),
        ("Ann Lee", "", "hostel"),
        ("Bo Cox", "", "Smith & Co"),
        ("Bo Cox", "", "Smith and Co"),
    ) == ["P0001", "P0001", "P0001", "P0002", "P0002"]


def test_a_nickname_first_name_matches_the_full_name() -> None:
    assert ids(
        ("Liz Smith", "", "Framework"),
        ("Elizabeth Smith", "", "Framework"),
        ("Bob Jones", "", "Framework"),
        ("Robert Jones", "", "Framework"),
        ("Rob Jones", "", "Framework"),
    ) == ["P0001", "P0001", "P0002", "P0002", "P0002"]


def test_only_the_first_name_is_read_as_a_nickname() -> None:
    assert ids(("Ann Bob", "", "Org"), ("Ann Robert", "", "Org")) == ["P0001", "P0002"]


def test_an_ambiguous_nickname_is_not_expanded() -> None:
    assert ids(("Sam Lee", "", "Org"), ("Samantha Lee", "", "Org"), ("Samuel Lee", "", "Org")) == ["P0001", "P0002", "P0003"]


def test_a_changed_email_with_the_same_name_and_organisation_is_one_person() -> None:
    person_id, audit = link_people(bookings(("Ann Lee", "ann@old.org", "Hostel"), ("Ann Lee", "ann@new.org", "The Hostel")))
    assert person_id.tolist() == ["P0001", "P0001"]
    assert audit["linked_by"].tolist() == ["name and organisation"]


def test_the_same_name_at_different_organisations_stays_two_people() -> None:
    person_id, audit = link_people(bookings(("Ann Lee", "", "Hostel"), ("Ann Lee", "", "Probation"), ("Ann Lee", "ann@x.org", "Hostel")))
    assert person_id.tolist() == ["P0001", "P0002", "P0001"]
    assert audit["bookings"].tolist() == [2, 1]


def test_a_name_without_an_organisation_links_only_by_email() -> None:
    assert ids(("Ann Lee", "", ""), ("Ann Lee", "", None), ("Ann Lee", "a@x.org", ""), ("Ann Lee", "A@x.org", "")) == [
        "P0001",
        "P0002",
        "P0003",
        "P0003",
    ]


def test_blank_names_and_blank_emails_never_link() -> None:
    assert ids((None, "a@x.org", "Org"), ("", "b@x.org", "Org"), ("Ann Lee", "", "Org"), ("Bo Cox", None, "Org")) == [
        "P0001",
        "P0002",
        "P0003",
        "P0004",
    ]


def test_links_are_transitive_across_both_rules() -> None:
    person_id, audit = link_people(
        bookings(
            ("Ann Lee", "ann@old.org", "Hostel"),  # row 0 and 1 share an email
            ("A. Lee", "ann@old.org", "Hostel"),
            ("Other Person", "", "Hostel"),
            ("A Lee", "ann@new.org", "Hostel"),  # shares name + organisation with row 1 (after clean-up), nothing with row 0
        )
    )
    assert person_id.tolist() == ["P0001", "P0001", "P0002", "P0001"]
    assert audit.to_dict("records") == [
        {"person_id": "P0001", "bookings": 3, "linked_by": "email and name and organisation"},
        {"person_id": "P0002", "bookings": 1, "linked_by": "single booking"},
    ]


def test_person_ids_follow_the_first_booking_and_keep_the_frame_index() -> None:
    person_id, audit = link_people(
        bookings(("B", "b@x", "O"), ("A", "a@x", "O"), ("B", "b@x", "O"), ("C", "c@x", "O"), index=[10, 11, 12, 13])
    )
    assert person_id.to_dict() == {10: "P0001", 11: "P0002", 12: "P0001", 13: "P0003"}
    assert person_id.name == "person_id"
    assert audit["person_id"].tolist() == ["P0001", "P0002", "P0003"]
    assert audit.dtypes.astype(str).to_dict() == {"person_id": "str", "bookings": "int64", "linked_by": "str"}


def test_names_and_emails_never_appear_in_the_output() -> None:
    person_id, audit = link_people(
        bookings(("Qzxmarker Name", "qzxmarker@mail.org", "Qzxorg"), ("Qzxmarker Name", "", "Qzxorg"), ("Other Qzxmarker", "", "Qzxorg"))
    )
    assert list(audit.columns) == ["person_id", "bookings", "linked_by"]
    text = (person_id.to_csv() + audit.to_csv() + linking_summary(audit).to_csv()).casefold()
    assert "qzx" not in text


def test_link_people_does_not_change_its_input() -> None:
    frame = bookings(("Liz Lee", " A@X.org", "The Org"), ("Elizabeth Lee", "", "Org"))
    before = frame.copy()
    link_people(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_link_people_needs_name_email_and_organisation_columns() -> None:
    with pytest.raises(KeyError, match="organisation"):
        link_people(pd.DataFrame({"name": ["A"], "email": ["a@x"]}))


def test_a_caller_may_pass_its_own_nicknames() -> None:
    frame = bookings(("Sam Lee", "", "Org"), ("Samantha Lee", "", "Org"))
    assert link_people(frame, nicknames={"sam": "samantha"})[0].tolist() == ["P0001", "P0001"]
    assert link_people(frame, nicknames={})[0].tolist() == ["P0001", "P0002"]


def test_linking_summary_counts_people_and_bookings_per_rule_with_zeros() -> None:
    _, audit = link_people(
        bookings(
            ("A", "a@x", "O"),
            ("A2", "a@x", "O"),  # email
            ("B", "", "O"),
            ("B", "", "O"),
            ("B", "", "O"),  # name and organisation
            ("C", "c@x", "O"),  # single
        )
    )
    summary = linking_summary(audit)
    assert summary.to_dict("records") == [
        {"linked_by": "single booking", "people": 1, "bookings": 1},
        {"linked_by": "email", "people": 1, "bookings": 2},
        {"linked_by": "name and organisation", "people": 1, "bookings": 3},
        {"linked_by": "email and name and organisation", "people": 0, "bookings": 0},
    ]
    assert summary["bookings"].sum() == 6 and summary["people"].sum() == len(audit)


def test_linking_summary_rejects_an_unknown_rule() -> None:
    with pytest.raises(ValueError, match="guess"):
        linking_summary(pd.DataFrame({"person_id": ["P0001"], "bookings": [1], "linked_by": ["guess"]}))


def test_the_packaged_nickname_list_is_clean_and_leaves_out_ambiguous_names() -> None:
    nicknames = load_nicknames()
    assert NICKNAMES_FILE.name == "nicknames.csv" and len(nicknames) >= 60
    assert {"liz": "elizabeth", "beth": "elizabeth", "bob": "robert", "jim": "james", "kate": "katherine"}.items() <= nicknames.items()
    assert not {"sam", "alex", "chris", "jo", "pat", "jamie", "charlie", "harry", "jack"} & set(nicknames)
    assert all(key == key.lower() and value == value.lower() for key, value in nicknames.items())
    assert not set(nicknames) & set(nicknames.values()), "a full name must not itself be a nickname"
    assert set(LINK_RULES) == {"single booking", "email", "name and organisation", "email and name and organisation"}


def test_a_nickname_listed_for_two_names_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "nicknames.csv"
    path.write_text("nickname,name\nchris,christopher\nChris,christine\n", encoding="utf-8")
    with pytest.raises(ValueError, match="row 3"):
        load_nicknames(path)


# --- A shared inbox does not merge different people (issue 12, case 2) -----------------------------


def test_a_shared_email_with_conflicting_names_links_by_name_and_organisation_instead() -> None:
    rows = bookings(
        ("Ann Cox", "team@hostel.org", "Hostel"),
        ("Bo Lee", "team@hostel.org", "Hostel"),
        ("Ann Cox", "ann.cox@hostel.org", "Hostel"),  # Ann Cox's own email: name and organisation link her rows
        ("Cy Day", "Team@Hostel.org", "Hostel"),
        ("", "team@hostel.org", "Hostel"),  # a blank name under a conflicting inbox cannot be placed
    )
    person_id, audit = link_people(rows)
    assert person_id.tolist() == ["P0001", "P0002", "P0001", "P0003", "P0004"]
    assert dict(zip(audit["person_id"], audit["linked_by"]))["P0001"] == "name and organisation"
    conflicts = email_conflicts(rows, person_id)
    assert conflicts.to_dict("records") == [
        {"shared_email": "E1", "bookings": 4, "names": 3, "people": 4, "person_ids": "P0001, P0002, P0003, P0004"}
    ]
    assert "team" not in conflicts.to_csv().casefold() and "cox" not in conflicts.to_csv().casefold()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Liz Jones", "Elizabeth Jones"),
        ("Sam Lee", "Samantha Lee"),
        ("S. Lee", "Sam Lee"),
        ("Jonthan Ray", "Jonathan Ray"),
        ("", "Ann Lee"),
    ],
)
def test_compatible_names_still_link_by_email(first, second) -> None:
    assert ids((first, "x@y.org", "Org A"), (second, "X@y.org", "Org B")) == ["P0001", "P0001"]


@pytest.mark.parametrize(("first", "second"), [("Ann Lee", "Ann Cox"), ("Anna Smith", "Brian Jones"), ("Mark Hill", "Mary Hill")])
def test_conflicting_names_do_not_link_by_email(first, second) -> None:
    assert ids((first, "x@y.org", "Org A"), (second, "x@y.org", "Org A")) == ["P0001", "P0002"]


def test_names_compatible_is_symmetric() -> None:
    names = ["ann lee", "a lee", "anne lee", "ann", "lee", "bob lee", "", "annabel lee"]
    for a in names:
        for b in names:
            assert names_compatible(a, b) == names_compatible(b, a), (a, b)
