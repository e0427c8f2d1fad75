"""Linking booking rows to people, so the register can count individuals, not just attendances.

The co-ordinator's register has one row per booking and no person id. Two
booking rows are taken to be **the same person** when

1. **email**: both emails are non-blank and match after lower-casing and
   removing all whitespace (``Jo.Bloggs@Example.org `` is
   ``jo.bloggs@example.org``), **and** the names typed with that email are
   compatible (:func:`names_compatible`: the same name, a known nickname, an
   initial or short form, a one-letter typing slip, or a blank name). An email
   whose rows carry conflicting names (a team inbox used by different people)
   links nothing: its rows link by rule 2 only, and :func:`email_conflicts`
   lists it for the data-quality appendix (counts and person ids only); or
2. **name and organisation**: both names are non-blank and match after the
   name clean-up below, **and** both organisations are non-blank and match
   after the organisation clean-up below.

Links are transitive (connected components): a person who changed email but kept their
name and organisation is one person, and so is a person who typed their name
differently but kept their email.

Name clean-up: Unicode NFKC, accents removed (``Zoë`` is ``zoe``), lower case,
apostrophes dropped (``O'Brien`` is ``obrien``), any other punctuation read
as a space (``Mary-Jane`` is ``mary jane``), spaces collapsed, and then a
known nickname as the **first** name replaced by the full first name
(``Liz`` -> ``elizabeth``, ``Bob`` -> ``robert``). The list is
``pdu_lib/nicknames.csv`` (columns ``nickname,name``). It deliberately leaves
out nicknames shared by different full names, especially across genders
(``Sam``: Samuel or Samantha; ``Alex``, ``Chris``, ``Jo``, ``Pat``, ``Jamie``,
``Charlie``, ``Frankie``, ``Nicky``, ``Jackie``, ``Terry``, ``Mel``, ``Lou``,
``Fran``, ``Max``), and names that are given names in their own right
(``Harry``, ``Jack``): such a name only links to the same name typed the same
way. Titles (Mr, Dr) are not removed.

Organisation clean-up: the same (without nicknames), with ``&`` read as
``and`` and the words ``the``, ``ltd`` and ``limited`` dropped
(``The Hostel Ltd.`` is ``hostel``).

A blank name never matches a blank name, and a blank organisation never
matches anything, so rule 2 needs a name and an organisation on both rows.

Persons are numbered ``P0001``, ``P0002``, ... in order of their first booking
row. Names, emails and organisations are used only here and never appear in
what the functions return.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pdu_lib.inputs.tables import map_distinct

NICKNAMES_FILE = Path(__file__).with_name("nicknames.csv")

#: The values of ``linked_by`` in the audit, in the order the appendix shows them.
LINK_RULES = ("single booking", "email", "name and organisation", "email and name and organisation")

_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_ORG_NOISE = {"the", "ltd", "limited"}


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        if pd.isna(value):
            return True
    except (TypeError, ValueError):
        pass
    return str(value).strip() == ""


def _words(value: Any) -> list[str]:
    """Text reduced to lower-case ascii-ish words: NFKC, accents dropped, apostrophes dropped, punctuation as spaces."""
    if _blank(value):
        return []
    return list(_text_words(str(value)))


@functools.lru_cache(maxsize=65536)
def _text_words(value: str) -> tuple[str, ...]:
    # A person's name and organisation recur on each of their bookings: each distinct text is cleaned once.
    text = unicodedata.normalize("NFKC", value)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _APOSTROPHES.sub("", text).replace("&", " and ")
    return tuple(_NOT_WORD.sub(" ", text).split())


def load_nicknames(path: str | Path | None = None) -> dict[str, str]:
    """The nickname -> full first name map (``pdu_lib/nicknames.csv`` unless ``path`` is given).

    >>> names = load_nicknames()
    >>> names["liz"], names["bob"], "sam" in names
    ('elizabeth', 'robert', False)
    """
    path = Path(path) if path is not None else NICKNAMES_FILE
    mapping: dict[str, str] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line, record in enumerate(csv.DictReader(handle), start=2):
            nickname = " ".join(_words(record.get("nickname")))
            full = " ".join(_words(record.get("name")))
            if not nickname or not full:
                raise ValueError(f"{path.name}, row {line}: nickname and name are both required")
            if mapping.get(nickname, full) != full:
                raise ValueError(f"{path.name}, row {line}: {nickname!r} is listed for two names ({mapping[nickname]!r}, {full!r})")
            mapping[nickname] = full
    return mapping


def name_key(name: Any, nicknames: Mapping[str, str] | None = None) -> str:
    """A name as rule 2 compares it ('' for a blank name).

    >>> name_key("  Liz   O'Brien-Smith ", {"liz": "elizabeth"})
    'elizabeth obrien smith'
    """
    words = _words(name)
    if words and nicknames:
        words[0] = nicknames.get(words[0], words[0])
    return " ".join(words)


def organisation_key(organisation: Any) -> str:
    """An organisation as rule 2 compares it ('' for a blank one).

    >>> organisation_key("The Hostel  Ltd."), organisation_key("Smith & Co Limited")
    ('hostel', 'smith and co')
    """
    return " ".join(word for word in _words(organisation) if word not in _ORG_NOISE)


def email_key(email: Any) -> str:
    """An email as rule 1 compares it ('' for a blank one).

    >>> email_key(" Jo.Bloggs @Example.ORG ")
    'jo.bloggs@example.org'
    """
    if _blank(email):
        return ""
    return _email_text_key(str(email))


@functools.lru_cache(maxsize=65536)
def _email_text_key(email: str) -> str:
    # The register is linked and its shared emails listed from the same rows: each distinct email is cleaned once.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", email).casefold())


def _first_names_compatible(a: str, b: str) -> bool:
    """Two cleaned first names that may be one person's: equal, an initial or short form, or one typing slip apart."""
    if a == b or a.startswith(b) or b.startswith(a):
        return True
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 4:
        return False
    # One letter dropped or added, or two neighbours swapped (not a letter changed: Mark is not Mary).
    start = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    tail_a, tail_b = a[start:], b[start:]
    return tail_a[1:] == tail_b or tail_a == tail_b[1:] or (len(tail_a) >= 2 and tail_a[:2] == tail_b[1::-1] and tail_a[2:] == tail_b[2:])


def names_compatible(first: str, second: str) -> bool:
    """Whether two cleaned names (:func:`name_key`) may be the same person, for the email rule.

    Blank names are compatible with anything. Otherwise the surnames (the
    words after the first) must match, or one be part of the other (``lee``
    and ``lee cox``, a double-barrelled name), when both names have two words
    or more; and the first
    names must be equal (nicknames already replaced), or one an initial or
    short form of the other (``s``, ``sam`` and ``samantha``), or one typing
    slip apart: a letter dropped or added, or two neighbours swapped (``jonthan``;
    a letter changed is not a slip: ``mark`` is not ``mary``).

    >>> names_compatible("samantha lee", "sam lee"), names_compatible("s lee", "samantha lee"), names_compatible("", "ann lee")
    (True, True, True)
    >>> names_compatible("jonathan ray", "jonthan ray"), names_compatible("anna smith", "brian jones"), names_compatible("ann lee", "ann cox")
    (True, False, False)
    """
    a, b = first.split(), second.split()
    if not a or not b:
        return True
    if len(a) >= 2 and len(b) >= 2:
        surnames_a, surnames_b = set(a[1:]), set(b[1:])
        same_surname = surnames_a <= surnames_b or surnames_b <= surnames_a  # Lee is Lee-Cox (a double-barrelled name)
        return same_surname and _first_names_compatible(a[0], b[0])
    short, long = (a, b) if len(a) == 1 else (b, a)
    return _first_names_compatible(short[0], long[0]) or short[0] == long[-1]


def _conflicting_emails(emails: np.ndarray, names: np.ndarray) -> set[str]:
    """Emails whose rows carry two names that cannot be one person's (each pair of distinct names compared once)."""
    typed = (emails != "") & (names != "")
    pairs = pd.DataFrame({"email": emails[typed], "name": names[typed]}).drop_duplicates()
    shared = pairs.loc[pairs.duplicated("email", keep=False)]
    return {
        email
        for email, found in shared.groupby("email", sort=False)["name"]
        if any(not names_compatible(x, y) for x in found for y in found if x < y)
    }


def _keys(frame: pd.DataFrame, nicknames: Mapping[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Every row's email key and name key, each distinct text cleaned once."""
    emails = map_distinct(frame["email"], email_key)
    names = map_distinct(frame["name"], lambda value: name_key(value, nicknames))
    return emails, names


def _components(*keys: np.ndarray) -> np.ndarray:
    """For each row, the first row of the rows it is linked to: rows sharing a non-blank key are linked, transitively.

    Each row starts as its own label; every group of rows sharing a key takes
    the group's smallest label, and labels follow their own row's label, until
    nothing changes (connected components, a few passes over the rows).

    >>> _components(np.array(["a", "", "b", "a", "b"], dtype=object), np.array(["", "x", "", "", "x"], dtype=object)).tolist()
    [0, 1, 1, 0, 1]
    """
    size = len(keys[0]) if keys else 0
    labels = np.arange(size)
    groups = []
    for values in keys:
        codes = pd.factorize(values)[0]
        member = np.flatnonzero(values != "")
        groups.append((member, codes[member], int(codes.max(initial=-1)) + 1))
    while True:
        before = labels.copy()
        for member, codes, count in groups:
            smallest = np.full(count, size, dtype=labels.dtype)
            np.minimum.at(smallest, codes, labels[member])
            labels[member] = np.minimum(labels[member], smallest[codes])
        labels = labels[labels]  # a label is a linked row: take that row's label (halves the remaining passes)
        if np.array_equal(labels, before):
            return labels


def link_people(frame: pd.DataFrame, nicknames: Mapping[str, str] | None = None) -> tuple[pd.Series, pd.DataFrame]:
    """Give every booking row a pseudonymous person id, linking rows by the rules of the module docstring.

    ``frame`` has columns ``name``, ``email`` and ``organisation`` (raw text,
    blanks allowed) in booking order. ``nicknames`` defaults to
    ``pdu_lib/nicknames.csv``. Returns

    - ``person_id``: a ``str`` Series on ``frame``'s index, ``P0001``... in order
      of each person's first row;
    - the audit: one row per person with ``person_id`` (str), ``bookings``
      (int64) and ``linked_by`` (str: which rules joined the person's rows,
      one of ``LINK_RULES``). Nothing personal.

    >>> rows = pd.DataFrame({
    ...     "name": ["Liz Jones", "Elizabeth  jones", "Sam Lee", "S. Lee"],
    ...     "email": ["", "liz@a.org", "SAM@b.org", "sam@b.org "],
    ...     "organisation": ["The Hostel Ltd", "hostel", "Hostel", "Hostel"]})
    >>> person_id, audit = link_people(rows)
    >>> person_id.tolist()
    ['P0001', 'P0001', 'P0002', 'P0002']
    >>> audit.to_dict("records")
    [{'person_id': 'P0001', 'bookings': 2, 'linked_by': 'name and organisation'}, {'person_id': 'P0002', 'bookings': 2, 'linked_by': 'email'}]
    """
    missing = [column for column in ("name", "email", "organisation") if column not in frame.columns]
    if missing:
        raise KeyError(f"link_people needs columns name, email and organisation; missing {', '.join(missing)}")
    nicknames = load_nicknames() if nicknames is None else nicknames
    emails, names = _keys(frame, nicknames)
    organisations = map_distinct(frame["organisation"], organisation_key)
    people = np.where((names != "") & (organisations != ""), names + "\x1f" + organisations, "").astype(object)
    emails = np.where(np.isin(emails, list(_conflicting_emails(emails, names))), "", emails).astype(object)

    roots = _components(emails, people)  # each row's first row: a person is known by their first booking
    person, firsts = pd.factorize(roots)  # numbered in order of first booking
    ids = np.array([f"P{number:04d}" for number in range(1, len(firsts) + 1)], dtype=object)
    person_id = pd.Series(ids[person], index=frame.index, name="person_id", dtype="str")

    bookings = np.bincount(person, minlength=len(firsts))
    joined = {rule: _joined_by(keys, person, len(firsts)) for rule, keys in (("email", emails), ("name", people))}
    rules = {(True, False): LINK_RULES[1], (False, True): LINK_RULES[2], (True, True): LINK_RULES[3]}
    linked_by = [
        LINK_RULES[0] if count == 1 else rules[(bool(by_email), bool(by_name))]
        for count, by_email, by_name in zip(bookings, joined["email"], joined["name"])
    ]
    audit = pd.DataFrame({"person_id": ids, "bookings": bookings, "linked_by": linked_by}, columns=["person_id", "bookings", "linked_by"])
    return person_id, audit.astype({"person_id": "str", "bookings": "int64", "linked_by": "str"})


def _joined_by(keys: np.ndarray, person: np.ndarray, people: int) -> np.ndarray:
    """For each person, whether two of their rows carry the same non-blank key (that rule joined some of them)."""
    typed = keys != ""
    codes = pd.factorize(keys)[0]
    counts = np.bincount(codes[typed], minlength=int(codes.max(initial=-1)) + 1)
    shared = np.zeros(len(keys), dtype=bool)
    shared[typed] = counts[codes[typed]] >= 2
    return np.bincount(person, weights=shared, minlength=people) > 0


EMAIL_CONFLICT_COLUMNS = ["shared_email", "bookings", "names", "people", "person_ids"]


def email_conflicts(frame: pd.DataFrame, person_id: pd.Series, nicknames: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Emails shared by bookings whose names conflict, for the data-quality appendix: nothing personal.

    One row per such email: ``shared_email`` (a pseudonymous label, ``E1``,
    ``E2``, ... in order of first booking), ``bookings`` (rows with it),
    ``names`` (different names typed with it), ``people`` (people those rows
    were linked to, by name and organisation instead) and ``person_ids``.

    >>> rows = pd.DataFrame({"name": ["Ann Cox", "Bo Lee", "Ann Cox", "Cy Day"],
    ...                      "email": ["team@x.org", "team@x.org", "TEAM@x.org", "cy@x.org"], "organisation": ["X"] * 4})
    >>> person_id, _ = link_people(rows)
    >>> email_conflicts(rows, person_id).to_dict("records")
    [{'shared_email': 'E1', 'bookings': 3, 'names': 2, 'people': 2, 'person_ids': 'P0001, P0002'}]
    """
    nicknames = load_nicknames() if nicknames is None else nicknames
    emails, names = _keys(frame, nicknames)
    conflicting = _conflicting_emails(emails, names)
    rows = pd.DataFrame({"email": emails, "name": names, "person_id": np.asarray(person_id, dtype=object).astype(str)})
    rows = rows.loc[rows["email"].isin(conflicting)]
    records: list[dict[str, object]] = []
    for _email, group in rows.groupby("email", sort=False):  # in order of first booking
        ids = sorted(set(group["person_id"]))
        records.append(
            {
                "shared_email": f"E{len(records) + 1}",
                "bookings": len(group),
                "names": group.loc[group["name"] != "", "name"].nunique(),
                "people": len(ids),
                "person_ids": ", ".join(ids),
            }
        )
    table = pd.DataFrame.from_records(records, columns=EMAIL_CONFLICT_COLUMNS)
    return table.astype({"shared_email": "str", "bookings": "int64", "names": "int64", "people": "int64", "person_ids": "str"})


def linking_summary(audit: pd.DataFrame) -> pd.DataFrame:
    """How many people, and how many of their bookings, each linking rule accounts for (every rule shown, zeros too).

    >>> audit = pd.DataFrame({"person_id": ["P0001", "P0002", "P0003"], "bookings": [1, 3, 2],
    ...                       "linked_by": ["single booking", "email", "email"]})
    >>> linking_summary(audit).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'linked_by': 'single booking', 'people': 1, 'bookings': 1}, {'linked_by': 'email', 'people': 2, 'bookings': 5},
     {'linked_by': 'name and organisation', 'people': 0, 'bookings': 0},
     {'linked_by': 'email and name and organisation', 'people': 0, 'bookings': 0}]
    """
    unknown = sorted(set(audit["linked_by"]) - set(LINK_RULES))
    if unknown:
        raise ValueError(f"unknown linked_by value(s): {', '.join(unknown)}")
    grouped = audit.groupby("linked_by")["bookings"].agg(people="size", bookings="sum")
    summary = grouped.reindex(list(LINK_RULES), fill_value=0).rename_axis("linked_by").reset_index()
    return summary.astype({"linked_by": "str", "people": "int64", "bookings": "int64"})
