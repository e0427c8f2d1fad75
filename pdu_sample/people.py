"""Invented people and organisations for the synthetic sample.

Every name here is made up. Organisations are fictional, local-sounding
charities and public bodies; emails are at subdomains of the reserved
``example.org`` / ``example.com`` domains.

Two distinct people never share an organisation and a surname, so no
nickname list can merge them by the name-and-organisation rule of
data/README.md ("Attendances and people"); only the messiness planted on
purpose (see ``plant_messiness``) joins rows of one person that look different.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

FIRST_NAMES = (
    "Aisha",
    "Alan",
    "Alicia",
    "Amara",
    "Amir",
    "Andrea",
    "Angela",
    "Barbara",
    "Bethany",
    "Brian",
    "Callum",
    "Carla",
    "Carol",
    "Catherine",
    "Chantelle",
    "Charlotte",
    "Claire",
    "Colin",
    "Craig",
    "Daniel",
    "Darren",
    "Deborah",
    "Declan",
    "Denise",
    "Dominic",
    "Donna",
    "Eileen",
    "Emma",
    "Ewa",
    "Farah",
    "Fiona",
    "Gareth",
    "Gemma",
    "Georgia",
    "Grace",
    "Graham",
    "Hannah",
    "Harpreet",
    "Heather",
    "Helen",
    "Imran",
    "Isaac",
    "Jacqueline",
    "Jade",
    "Janet",
    "Jasmine",
    "Jennifer",
    "Joanne",
    "Joel",
    "Jordan",
    "Joseph",
    "Julie",
    "Karen",
    "Katherine",
    "Kelly",
    "Kieran",
    "Laura",
    "Leanne",
    "Leon",
    "Lorraine",
    "Louise",
    "Lucy",
    "Marcus",
    "Margaret",
    "Mark",
    "Martin",
    "Megan",
    "Michelle",
    "Mohammed",
    "Nadia",
    "Naomi",
    "Natalie",
    "Neil",
    "Nicola",
    "Olivia",
    "Oluwaseun",
    "Paul",
    "Paula",
    "Philip",
    "Rachel",
    "Rebecca",
    "Rhys",
    "Rosa",
    "Ruth",
    "Ryan",
    "Sadia",
    "Samira",
    "Sandra",
    "Sharon",
    "Sophie",
    "Stacey",
    "Stuart",
    "Tanya",
    "Teresa",
    "Tomasz",
    "Tracey",
    "Usman",
    "Vanessa",
    "Wendy",
    "Yasmin",
    "Zainab",
    "Zoe",
)

SURNAMES = (
    "Adeyemi",
    "Ahmed",
    "Akhtar",
    "Allen",
    "Appleby",
    "Ashworth",
    "Bailey",
    "Baker",
    "Barker",
    "Begum",
    "Bennett",
    "Bhatti",
    "Bird",
    "Bolton",
    "Booth",
    "Bradley",
    "Brennan",
    "Briggs",
    "Brooks",
    "Burton",
    "Campbell",
    "Carey",
    "Chambers",
    "Chapman",
    "Chaudhry",
    "Clarke",
    "Coleman",
    "Collins",
    "Cooper",
    "Cox",
    "Dawson",
    "Dixon",
    "Doherty",
    "Doyle",
    "Duffy",
    "Dunn",
    "Ellis",
    "Evans",
    "Farrell",
    "Fenwick",
    "Fletcher",
    "Foster",
    "Fraser",
    "Gallagher",
    "Gibson",
    "Goodwin",
    "Graham",
    "Grant",
    "Gray",
    "Hall",
    "Hammond",
    "Hardy",
    "Harper",
    "Hartley",
    "Hayes",
    "Henderson",
    "Hickman",
    "Holmes",
    "Hussain",
    "Iqbal",
    "Jackson",
    "Jennings",
    "Johal",
    "Kaur",
    "Kelly",
    "Kennedy",
    "Khan",
    "Kowalski",
    "Lambert",
    "Lawson",
    "Lloyd",
    "Lowe",
    "Lynch",
    "McBride",
    "McDonald",
    "McKenzie",
    "Malik",
    "Marsh",
    "Mason",
    "Mensah",
    "Miller",
    "Mistry",
    "Moss",
    "Murphy",
    "Nash",
    "Nowak",
    "Nwosu",
    "O'Brien",
    "O'Neill",
    "Osei",
    "Owen",
    "Palmer",
    "Parkin",
    "Parry",
    "Patel",
    "Pearson",
    "Pickering",
    "Porter",
    "Quinn",
    "Rahman",
    "Reid",
    "Reynolds",
    "Riley",
    "Robson",
    "Rowe",
    "Russell",
    "Sanderson",
    "Saunders",
    "Sharma",
    "Shaw",
    "Simpson",
    "Singh",
    "Slater",
    "Spencer",
    "Stevens",
    "Sutton",
    "Swift",
    "Taylor",
    "Thornton",
    "Townsend",
    "Turner",
    "Vaughan",
    "Wainwright",
    "Walsh",
    "Ward",
    "Watts",
    "Webb",
    "Wheeler",
    "Whitehead",
    "Wilkinson",
    "Willis",
    "Winter",
    "Wood",
    "Wright",
    "Yates",
    "Young",
    "Zielinski",
)


@dataclass(frozen=True)
class Org:
    """A fictional organisation: its name, sector, the main focus of its staff and its email domain."""

    name: str
    sector: str  # Voluntary or Statutory
    focus: str  # Housing, Women's services, Offending, Mental health, Substance misuse, Other
    domain: str
    email_style: str = "first.last"  # first.last, flast or firstl


ORGANISATIONS = (
    # voluntary sector
    Org("Trentside Housing Association", "Voluntary", "Housing", "trentsideha.example.org"),
    Org("Meadowgate Housing Trust", "Voluntary", "Housing", "meadowgate.example.org", "flast"),
    Org("Hope Street Hostel", "Voluntary", "Housing", "hopestreet.example.org"),
    Org("Riverbank Homeless Project", "Voluntary", "Housing", "riverbankproject.example.org", "firstl"),
    Org("Lacebridge Foyer", "Voluntary", "Housing", "lacebridgefoyer.example.org"),
    Org("Hollin House Supported Living", "Voluntary", "Housing", "hollinhouse.example.org", "flast"),
    Org("Wellow Street Night Shelter", "Voluntary", "Housing", "wellowstreet.example.org"),
    Org("Greenway Tenancy Support", "Voluntary", "Housing", "greenwaytenancy.example.org"),
    Org("Beacon Women's Project", "Voluntary", "Women's services", "beaconwomen.example.org"),
    Org("Juniper Women's Refuge", "Voluntary", "Women's services", "juniperrefuge.example.org", "flast"),
    Org("Safe Harbour Women's Aid", "Voluntary", "Women's services", "safeharbour.example.org"),
    Org("New Leaf Resettlement Trust", "Voluntary", "Offending", "newleaftrust.example.org"),
    Org("Second Chances Mentoring", "Voluntary", "Offending", "secondchances.example.org", "firstl"),
    Org("Open Minds Wellbeing", "Voluntary", "Mental health", "openminds.example.org"),
    Org("Clearwater Mental Health Support", "Voluntary", "Mental health", "clearwatermh.example.org"),
    Org("Recovery Road", "Voluntary", "Substance misuse", "recoveryroad.example.org"),
    Org("Fresh Start Drug and Alcohol Service", "Voluntary", "Substance misuse", "freshstart.example.org", "flast"),
    Org("Citywide Advice Centre", "Voluntary", "Other", "citywideadvice.example.org"),
    Org("St Anselm's Advice Centre", "Voluntary", "Other", "stanselms.example.org"),
    Org("Young Futures Trust", "Voluntary", "Other", "youngfutures.example.org"),
    Org("Bridgeway Community Trust", "Voluntary", "Other", "bridgeway.example.org", "flast"),
    Org("Brighter Lives CIC", "Voluntary", "Other", "brighterlives.example.org"),
    Org("Trentmoor Advocacy Service", "Voluntary", "Other", "trentmooradvocacy.example.org"),
    Org("Harbour Lane Food Bank", "Voluntary", "Other", "harbourlane.example.org"),
    # statutory sector
    Org("Trent City Council Housing Options", "Statutory", "Housing", "trentcity.example.org"),
    Org("Trent City Homes", "Statutory", "Housing", "trentcityhomes.example.org", "flast"),
    Org("Trent City Council Domestic Abuse Team", "Statutory", "Women's services", "trentcity-da.example.org"),
    Org("Trent Valley Probation Service", "Statutory", "Offending", "tvprobation.example.org"),
    Org("Trent Valley Community Rehabilitation Company", "Statutory", "Offending", "tvcrc.example.org", "flast"),
    Org("Trent Valley Police", "Statutory", "Offending", "tvpolice.example.org"),
    Org("Trentside NHS Mental Health Trust", "Statutory", "Mental health", "trentside-nhs.example.org"),
    Org("Trent City Council Drug and Alcohol Team", "Statutory", "Substance misuse", "trentcity-dat.example.org"),
    Org("Trent City Council Adult Social Care", "Statutory", "Other", "trentcity-asc.example.org"),
    Org("Trentside Jobcentre", "Statutory", "Other", "trentsidejobcentre.example.org", "flast"),
    Org("Trent City Council Community Engagement", "Statutory", "Other", "trentcity-ce.example.org"),
    Org("Trentside Clinical Commissioning Group", "Statutory", "Other", "trentsideccg.example.org"),
)

ORG_BY_NAME = {org.name: org for org in ORGANISATIONS}

# Spellings of an organisation that the name-and-organisation rule does NOT
# reconcile (or might not, depending on how punctuation is removed): used only
# on rows that keep the person's email, so the email rule links them.
ORG_ALTERNATIVE_SPELLINGS = {
    "Trentside Housing Association": "Trentside HA",
    "St Anselm's Advice Centre": "St Anselms Advice Centre",
}

# Nicknames used by the planted messiness; data/README.md names both.
NICKNAMES = {"Elizabeth": "Liz", "Robert": "Bob"}


def email_for(first: str, last: str, org: Org) -> str:
    """A work email in the organisation's style.

    >>> email_for("Ewa", "O'Brien", ORG_BY_NAME["Hope Street Hostel"])
    'ewa.obrien@hopestreet.example.org'
    """
    first_key = "".join(ch for ch in first.lower() if ch.isalpha())
    last_key = "".join(ch for ch in last.lower() if ch.isalpha())
    local = {"first.last": f"{first_key}.{last_key}", "flast": f"{first_key[0]}{last_key}", "firstl": f"{first_key}{last_key[0]}"}[
        org.email_style
    ]
    return f"{local}@{org.domain}"


@dataclass
class Person:
    """One invented person: who they are and the learning events they attended."""

    index: int
    sector: str
    focus: str
    k: int  # learning events attended
    org: Org | None = None
    first: str = ""
    last: str = ""
    email: str = ""
    events: list[str] = field(default_factory=list)  # learning event ids attended, in date order
    # Per attended learning event id: what the co-ordinator typed on that row
    # instead of the canonical name/email/organisation.
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    tag: str = ""  # the planted messiness this person carries, if any

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def assign_organisations(people: list[Person], rng: random.Random) -> None:
    """Give each person an organisation of their sector and focus, spreading people over organisations."""
    for person in people:
        choices = [org for org in ORGANISATIONS if org.sector == person.sector and org.focus == person.focus]
        if not choices:
            raise ValueError(f"no organisation for {person.sector} / {person.focus}")
        person.org = rng.choice(choices)


def assign_names(people: list[Person], rng: random.Random, reserved: dict[int, tuple[str, str]] | None = None) -> None:
    """Invent a name and email for everybody; no two people share an organisation and a surname."""
    reserved = reserved or {}
    taken: set[tuple[str, str]] = set()
    emails: set[str] = set()
    for index, (first, last) in sorted(reserved.items()):
        person = people[index]
        person.first, person.last = first, last
        taken.add((person.org.name, last))
    for person in people:
        if person.index in reserved:
            continue
        while True:
            first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
            if (person.org.name, last) not in taken:
                break
        person.first, person.last = first, last
        taken.add((person.org.name, last))
    for person in people:
        person.email = email_for(person.first, person.last, person.org)
        if person.email in emails:
            raise AssertionError(f"duplicate email {person.email}")
        emails.add(person.email)
    # A few people book with a personal address.
    for person in rng.sample([p for p in people if p.index not in reserved], 12):
        emails.discard(person.email)
        while True:
            candidate = f"{person.first.lower()}{person.last.lower().replace(chr(39), '')}{rng.randint(10, 99)}@{rng.choice(('example.com', 'example.net'))}"
            if candidate not in emails:
                break
        person.email = candidate
        emails.add(candidate)


def typing_slip(text: str, rng: random.Random) -> str:
    """The same text as a hurried typist might key it: changed case, a double space or a trailing space."""
    style = rng.choice(("lower", "upper", "double", "trailing"))
    if style == "lower":
        return text.lower()
    if style == "upper":
        return text.upper()
    if style == "double":
        return text.replace(" ", "  ", 1)
    return text + " "


def plant_messiness(people: list[Person], rng: random.Random) -> list[str]:
    """Type some people's rows differently, in ways the linking rules of data/README.md must see through.

    Returns a description of each plant (for the developer; nothing reads it).
    Every variant keeps each person linked to their other rows by at least one
    rule, and no variant links two different people.
    """
    notes: list[str] = []
    used: set[int] = {p.index for p in people if p.tag}

    def pick(predicate, minimum_k: int) -> Person:
        candidates = [p for p in people if p.index not in used and p.k >= minimum_k and p.email.endswith(".example.org") and predicate(p)]
        person = rng.choice(candidates)
        used.add(person.index)
        return person

    # 1. Nickname: Elizabeth -> "Liz", once with no email and once with a personal address.
    liz = pick(lambda p: p.first == "Elizabeth", 3)
    liz.overrides[liz.events[1]] = {"name": f"Liz {liz.last}", "email": ""}
    liz.overrides[liz.events[2]] = {"name": f"Liz {liz.last}", "email": f"liz.{liz.last.lower()}@example.com"}
    liz.tag = "nickname Liz"
    notes.append(
        f"{liz.name} ({liz.org.name}): typed 'Liz {liz.last}' with a blank email at {liz.events[1]} and with a personal email at {liz.events[2]} - linked by name (nickname) + organisation"
    )

    # 2. Nickname: Robert -> "Bob", with a different work address.
    bob = pick(lambda p: p.first == "Robert", 2)
    bob_email = f"bob.{bob.last.lower()}@{bob.org.domain}"
    bob.overrides[bob.events[-1]] = {"name": f"Bob {bob.last}", "email": bob_email}
    bob.tag = "nickname Bob"
    notes.append(
        f"{bob.name} ({bob.org.name}): typed 'Bob {bob.last}' <{bob_email}> at {bob.events[-1]} - linked by name (nickname) + organisation"
    )

    # 3. Changed email, same name and organisation.
    mover = pick(lambda p: p.org.email_style == "first.last", 3)
    new_email = f"{mover.first.lower()}.{mover.last.lower()}@mail.{mover.org.domain}"
    for event in mover.events[1:]:
        mover.overrides[event] = {"email": new_email}
    mover.tag = "changed email"
    notes.append(
        f"{mover.name} ({mover.org.name}): email {mover.email} then {new_email} from {mover.events[1]} - linked by name + organisation"
    )

    # 4. Name typed in capitals / lower case with extra spaces; email typed with capitals and a trailing space.
    caps = pick(lambda p: True, 3)
    caps.overrides[caps.events[1]] = {"name": f"{caps.first.upper()}  {caps.last.upper()}"}
    caps.overrides[caps.events[2]] = {"name": f"{caps.first.lower()} {caps.last.lower()} ", "email": caps.email.capitalize() + " "}
    caps.tag = "case and spaces"
    notes.append(
        f"{caps.name} ({caps.org.name}): typed '{caps.first.upper()}  {caps.last.upper()}' at {caps.events[1]} and '{caps.first.lower()} {caps.last.lower()} ' with email '{caps.email.capitalize()} ' at {caps.events[2]} - linked by both rules"
    )

    # 5. A typo in the first name (a letter dropped): only the email links it.
    typo = pick(lambda p: len(p.first) >= 6, 2)
    cut = len(typo.first) // 2
    typo_first = typo.first[:cut] + typo.first[cut + 1 :]
    typo.overrides[typo.events[-1]] = {"name": f"{typo_first} {typo.last}", "email": typo.email.upper()}
    typo.tag = "name typo"
    notes.append(
        f"{typo.name} ({typo.org.name}): typed '{typo_first} {typo.last}' with email in capitals at {typo.events[-1]} - linked by email only"
    )

    # 6-7. The organisation typed another way; the email is unchanged, so the email rule links.
    for org_name, alternative in ORG_ALTERNATIVE_SPELLINGS.items():
        person = pick(lambda p, org_name=org_name: p.org.name == org_name, 2)
        person.overrides[person.events[-1]] = {"org": alternative}
        person.tag = "organisation spelt differently"
        notes.append(f"{person.name} ({person.org.name}): organisation typed '{alternative}' at {person.events[-1]} - linked by email")

    # 8. Never gives an email: linked by name + organisation alone (one row also in lower case).
    noemail = pick(lambda p: True, 2)
    for event in noemail.events:
        noemail.overrides[event] = {"email": ""}
    noemail.overrides[noemail.events[-1]]["name"] = noemail.name.lower()
    noemail.tag = "no email"
    notes.append(
        f"{noemail.name} ({noemail.org.name}): email blank on all {noemail.k} rows, typed in lower case at {noemail.events[-1]} - linked by name + organisation"
    )

    # 9. Single attenders who left the email blank: nothing to link, each is one person.
    for person in rng.sample([p for p in people if p.index not in used and p.k == 1], 5):
        used.add(person.index)
        person.overrides[person.events[0]] = {"email": ""}
        person.tag = "blank email, one event"
    notes.append("5 people who attended once left the email blank")

    # 10. Two James Smiths (see same_name_pair): the statutory one once gives no email.
    smith = next(p for p in people if p.tag == "same name, different organisation" and p.sector == "Statutory")
    other = next(p for p in people if p.tag == "same name, different organisation" and p.sector == "Voluntary")
    smith.overrides[smith.events[-1]] = {"email": ""}
    notes.append(
        f"two different people named James Smith: {smith.org.name} <{smith.email}> ({smith.k} events, blank email at {smith.events[-1]}) "
        f"and {other.org.name} <{other.email}> ({other.k} events) - kept apart by organisation and email"
    )
    return notes


def same_name_pair(people: list[Person], rng: random.Random) -> dict[int, tuple[str, str]]:
    """Two different people called James Smith, at a statutory and a voluntary organisation.

    One of the statutory James Smith's rows has no email: only the
    organisation tells the two apart.
    """
    statutory = rng.choice([p for p in people if p.sector == "Statutory" and p.k >= 2])
    voluntary = rng.choice([p for p in people if p.sector == "Voluntary" and p.k >= 2])
    statutory.tag = voluntary.tag = "same name, different organisation"
    return {statutory.index: ("James", "Smith"), voluntary.index: ("James", "Smith")}


def reserved_names(people: list[Person], rng: random.Random) -> dict[int, tuple[str, str]]:
    """First names the plants need (Elizabeth, Robert) and the James Smith pair, fixed before names are drawn."""
    reserved = same_name_pair(people, rng)
    free = [p for p in people if p.index not in reserved]
    liz = rng.choice([p for p in free if p.k >= 3 and p.focus == "Women's services"])
    reserved[liz.index] = ("Elizabeth", rng.choice(SURNAMES))
    bob = rng.choice([p for p in free if p.k >= 2 and p.focus == "Housing" and p.index != liz.index])
    reserved[bob.index] = ("Robert", rng.choice(SURNAMES))
    return reserved
