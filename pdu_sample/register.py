"""The attendance register: who booked on to which event, and what happened.

Built constructively so the counts of the targets table come out exactly for
any seed: people are given a number of learning events, then a sector and a
main focus (filling the sector-by-focus table of attendance rows), then events
(filling each event's places, with the interim share of statutory rows fixed).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from pdu_sample.people import Person, typing_slip
from pdu_sample.xlsxio import save_workbook


@dataclass(frozen=True)
class Event:
    """One row of events.csv."""

    event_id: str
    date: dt.date
    title: str
    kind: str  # "learning event" or "CoP session"
    topic: str
    cop_group: str = ""


@dataclass
class Booking:
    """One register row, before it is typed messily."""

    event: Event
    person: Person
    status: str  # Attended, Booked, Cancelled, Did not attend
    name: str
    email: str
    org: str
    note: str = ""


def split_total(total: int, parts: int, rng: random.Random, spread: float = 0.2) -> list[int]:
    """``total`` split into ``parts`` whole numbers near the mean (each within ``spread`` of it).

    >>> sum(split_total(232, 9, random.Random(1)))
    232
    """
    mean = total / parts
    sizes = [max(1, round(mean * (1 + rng.uniform(-spread, spread)))) for _ in range(parts)]
    while sum(sizes) != total:
        index = rng.randrange(parts)
        step = 1 if sum(sizes) < total else -1
        if abs(sizes[index] + step - mean) <= mean * spread + 1:
            sizes[index] += step
    return sizes


def make_people(events_attended: dict[int, int], cells: dict[tuple[str, str], int], rng: random.Random) -> list[Person]:
    """People with a number of learning events each and a (sector, focus) so that row counts fill ``cells`` exactly."""
    ks = [k for k, n in sorted(events_attended.items()) for _ in range(n)]
    if sum(ks) != sum(cells.values()):
        raise ValueError(f"{sum(ks)} attendances from the people, {sum(cells.values())} in the sector-by-focus table")
    rng.shuffle(ks)
    remaining = dict(cells)
    people: list[Person] = []
    for _index, k in sorted(enumerate(ks), key=lambda item: -item[1]):
        fits = [cell for cell in remaining if remaining[cell] >= k]
        if not fits:
            raise ValueError(f"cannot place a person attending {k} events")
        cell = rng.choices(fits, weights=[remaining[c] for c in fits])[0]
        remaining[cell] -= k
        people.append(Person(index=0, sector=cell[0], focus=cell[1], k=k))
    rng.shuffle(people)
    for index, person in enumerate(people):
        person.index = index
    return people


# A person is likelier to book on to an event about their own field.
AFFINITY = {
    "Women's services": ("women",),
    "Offending": ("probation",),
    "Mental health": ("mental health", "dual diagnosis"),
    "Substance misuse": ("substance", "dual diagnosis"),
    "Housing": ("housing first", "psychologically informed"),
    "Other": ("care act", "welfare"),
}


def _weight(person: Person, event: Event, capacity: int) -> float:
    liked = any(word in event.title.lower() for word in AFFINITY[person.focus])
    return capacity * (3.0 if liked else 1.0)


def assign_events(
    people: list[Person],
    interim_events: Sequence[Event],
    later_events: Sequence[Event],
    interim_sizes: Sequence[int],
    later_sizes: Sequence[int],
    interim_rows_by_sector: dict[str, int],
    rng: random.Random,
) -> None:
    """Give every person their learning events so each event has its size and the interim sector counts hold."""
    # Which of each person's attendances fall by the interim cut: exactly the target per sector.
    interim_count = {p.index: 0 for p in people}
    for sector, wanted in sorted(interim_rows_by_sector.items()):
        slots = [p.index for p in people if p.sector == sector for _ in range(p.k)]
        for index in rng.sample(slots, wanted):
            interim_count[index] += 1
    for events, sizes, needs in (
        (interim_events, interim_sizes, {p.index: interim_count[p.index] for p in people}),
        (later_events, later_sizes, {p.index: p.k - interim_count[p.index] for p in people}),
    ):
        capacity = dict(zip([e.event_id for e in events], sizes))
        if sum(capacity.values()) != sum(needs.values()):
            raise ValueError(f"{sum(needs.values())} attendances to place in {sum(capacity.values())} places")
        order = sorted(people, key=lambda p: (-needs[p.index], rng.random()))
        for person in order:
            chosen: list[str] = []
            for _ in range(needs[person.index]):
                open_events = [e for e in events if capacity[e.event_id] > 0 and e.event_id not in chosen]
                if not open_events:
                    raise ValueError("ran out of events with places")
                event = rng.choices(open_events, weights=[_weight(person, e, capacity[e.event_id]) for e in open_events])[0]
                capacity[event.event_id] -= 1
                chosen.append(event.event_id)
            person.events.extend(chosen)
    date_of = {e.event_id: e.date for e in [*interim_events, *later_events]}
    for person in people:
        person.events.sort(key=lambda event_id: (date_of[event_id], event_id))
        if len(person.events) != person.k:
            raise AssertionError(f"person {person.index}: {len(person.events)} events for k={person.k}")


def learning_bookings(people: list[Person], events: Sequence[Event], rng: random.Random) -> list[Booking]:
    """The attended rows of the learning events, as typed (plants applied, a little random case and spacing)."""
    by_id = {e.event_id: e for e in events}
    bookings = []
    for person in people:
        for event_id in person.events:
            override = person.overrides.get(event_id, {})
            name = override.get("name", person.name)
            email = override.get("email", person.email)
            org = override.get("org", person.org.name)
            # Case and spacing slips are harmless to linking; keep them off rows already made to differ.
            if not override and person.k > 1 and rng.random() < 0.06:
                if rng.random() < 0.5:
                    name = typing_slip(name, rng)
                else:
                    org = typing_slip(org, rng)
            bookings.append(Booking(by_id[event_id], person, "Attended", name, email, org))
    return bookings


def other_bookings(
    people: list[Person],
    events: Sequence[Event],
    taken: set[tuple[str, int]],
    counts: dict[str, int],
    rng: random.Random,
) -> list[Booking]:
    """Bookings that did not turn into an attendance: cancelled, did not attend, booked but never marked."""
    notes = {
        "Cancelled": ("", "", "sent apologies", "off sick", "rebooked for next time", ""),
        "Did not attend": ("", "", "no show", ""),
        "Booked": ("", "register not returned"),
    }
    bookings = []
    for status, count in counts.items():
        for _ in range(count):
            while True:
                event = rng.choice(list(events))
                person = rng.choice(people)
                if (event.event_id, person.index) not in taken:
                    break
            taken.add((event.event_id, person.index))
            bookings.append(Booking(event, person, status, person.name, person.email, person.org.name, rng.choice(notes[status])))
    return bookings


def cop_bookings(
    people: list[Person],
    cop_events: Sequence[Event],
    attended: dict[str, list[int]],
    next_booked: int,
    rng: random.Random,
) -> list[Booking]:
    """Community of Practice rows: each group draws on a small pool of regulars; the session after the period is only booked."""
    bookings: list[Booking] = []
    pools = {
        "Service User Involvement": [p for p in people if p.sector == "Voluntary"],
        "Care Act": [p for p in people if p.focus in ("Other", "Housing", "Mental health")],
        "Housing First": [p for p in people if p.focus == "Housing"],
    }
    by_group: dict[str, list[Event]] = {}
    for event in cop_events:
        by_group.setdefault(event.cop_group, []).append(event)
    for group, sessions in by_group.items():
        sizes = attended[group]
        held = sessions[: len(sizes)]
        regulars = rng.sample(pools[group], max(sizes) + 4)
        last: list[Person] = []
        for event, size in zip(held, sizes):
            last = rng.sample(regulars, size)
            for person in last:
                bookings.append(Booking(event, person, "Attended", person.name, person.email, person.org.name))
            absent = rng.choice([p for p in regulars if p not in last])
            bookings.append(Booking(event, absent, rng.choice(("Cancelled", "Did not attend")), absent.name, absent.email, absent.org.name))
        for event in sessions[len(sizes) :]:
            returning = rng.sample(last, min(len(last), next_booked - 3))
            newcomers = rng.sample([p for p in pools[group] if p not in last], next_booked - len(returning))
            for person in returning + newcomers:
                bookings.append(Booking(event, person, "Booked", person.name, person.email, person.org.name))
    return bookings


# How the co-ordinator sometimes keys the controlled values (all read as the same value, per data/README.md).
SPELLINGS = {
    "Voluntary": ("voluntary ", "VOLUNTARY", "voluntary"),
    "Statutory": ("statutory", "Statutory ", "STATUTORY"),
    "Housing": ("housing", "Housing "),
    "Women's services": ("Womens services", "women's services", "Women’s services"),
    "Offending": ("offending",),
    "Mental health": ("Mental Health", "mental health"),
    "Substance misuse": ("Substance Misuse", "substance misuse "),
    "Other": ("other", "OTHER"),
    "Attended": ("attended", "Attended ", "ATTENDED"),
    "Cancelled": ("cancelled", "Cancelled "),
    "Did not attend": ("DNA", "dna", "did not attend"),
    "Booked": ("booked",),
}


def _typed(value: str, rng: random.Random, slips: dict[str, int], rate: float = 0.1) -> str:
    """``value`` as keyed: usually as is; now and then the next of its other spellings (so each one turns up)."""
    if value not in SPELLINGS or rng.random() >= rate:
        return value
    slips[value] = slips.get(value, -1) + 1
    return SPELLINGS[value][slips[value] % len(SPELLINGS[value])]


def write_register(path: Path, bookings: list[Booking], rng: random.Random) -> None:
    """The register as the co-ordinator keeps it: a title, a blank row, the header on row 3, one row per booking."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Register"
    sheet.append(["PDU attendance register"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    header = ["Event ID", "Event date", "Event title", "Name", "Email", "Organisation", "Sector", "Main focus of work", "Status", "Notes"]
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    slips: dict[str, int] = {}
    for booking in bookings:
        person = booking.person
        sheet.append(
            [
                booking.event.event_id,
                dt.datetime.combine(booking.event.date, dt.time()),
                booking.event.title,
                booking.name,
                booking.email or None,
                booking.org,
                _typed(person.sector, rng, slips),
                _typed(person.focus, rng, slips),
                _typed(booking.status, rng, slips, rate=0.7 if booking.status == "Did not attend" else 0.12),
                booking.note or None,
            ]
        )
        sheet.cell(row=sheet.max_row, column=2).number_format = "DD/MM/YYYY"
    for letter, width in zip("ABCDEFGHIJ", (9, 12, 48, 26, 40, 44, 12, 20, 14, 24)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A4"
    save_workbook(workbook, path, creator="PDU Co-ordinator")
