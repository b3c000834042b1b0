"""Checking every row of a file with the register's rules (validation.py's ID and phone checks,
the services' constraints), set-based against the register: a handful of queries per file,
never one per row. Nothing here writes."""

import datetime
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import MicroGrid
from huaisi.access import visible_to
from huaisi.phones import validate_mobile
from huaisi.roles import Capability

from ...models import House, Household, Resident
from ...validation import (
    check_id_agrees,
    id_number_facts,
    validate_id_number,
    validate_person_name,
)
from .columns import COLUMNS, LABELS, NO, TAG_SEPARATORS, YES, Kind, label_map
from .reading import MAX_ROWS, FileProblem, read_table

SCOPE = Capability.IMPORT_REGISTER
MOVES_KEPT = 1000
IN_CHUNK = 5000  # values per `IN (…)` list: psycopg allows 65,535 parameters a query


class CellProblem(Exception):
    pass


def _text(value, *, max_length: int | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    text = str(value).replace("\u3000", " ").replace("\xa0", " ").replace("\u200b", "").strip()
    if max_length is not None and len(text) > max_length:
        raise CellProblem(_("Too long: at most %(count)d characters.") % {"count": max_length})
    return text


def _choice(value, field_name: str) -> str | None:
    text = _text(value)
    if not text:
        return None
    found = label_map(field_name).get(text.lower())
    if found is None:
        allowed = "、".join(labels[0] for labels in LABELS[field_name].values())
        raise CellProblem(
            _("“%(value)s” is not one of: %(allowed)s.") % {"value": text, "allowed": allowed}
        )
    return found


def _tags(value) -> list[str]:
    text = _text(value)
    tags, unknown = set(), []
    for part in TAG_SEPARATORS.split(text):
        if part:
            tag = label_map("care_tags").get(part.lower())
            if tag is None:
                unknown.append(part)
            else:
                tags.add(tag)
    if unknown:
        allowed = "、".join(labels[0] for labels in LABELS["care_tags"].values())
        raise CellProblem(
            _("Unknown care labels: %(labels)s. Use: %(allowed)s.")
            % {"labels": "、".join(unknown), "allowed": allowed}
        )
    return sorted(tags)


def _boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellProblem(_("Write 是 or 否."))


DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _date(value, *, date1904: bool = False) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2958466:
        # A date cell that lost its date format shows Excel's day count.
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

        return from_excel(value, CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900).date()
    text = _text(value)
    if not text:
        return None
    match = DATE_RE.match(text) or re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
    if not match:
        raise CellProblem(
            _("“%(value)s” is not a date; write it like 2025-03-01.") % {"value": text}
        )
    year, month, day = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise CellProblem(_("The date %(value)s does not exist.") % {"value": text}) from None


def _integer(value) -> int | None:
    number = _number(value, places=None)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellProblem(_("Write a whole number."))
    return int(number)


def _number(value, *, places: int | None) -> Decimal | None:
    text = _text(value)
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellProblem(_("“%(value)s” is not a number.") % {"value": text}) from None
    if not number.is_finite():
        raise CellProblem(_("“%(value)s” is not a number.") % {"value": text})
    if places is None:
        return number
    try:
        return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the decimal context holds (1e22 to 2 places)
        raise CellProblem(_("“%(value)s” is too large.") % {"value": text}) from None


def _id_number(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellProblem(
            _(
                "The ID number is stored as a number, so Excel has changed its last digits. Format the column as text and type the numbers again."
            )
        )
    text = _text(value)
    if not text:
        raise CellProblem(_("Enter the ID number: it is how a later file finds this person again."))
    if "*" in text:
        raise CellProblem(_("The ID number is masked (it contains *). Use the full number."))
    try:
        return validate_id_number(text)
    except ValidationError as exc:
        raise CellProblem(exc.messages[0]) from None


def _name(value) -> str:
    text = _text(value)
    if not text:
        return ""
    try:
        return validate_person_name(text)
    except ValidationError as exc:
        raise CellProblem(exc.messages[0]) from None


def _phone(value) -> str:
    text = _text(value)
    if not text:
        return ""
    if "*" in text:
        raise CellProblem(
            _("The phone number is masked (it contains *). Use the full number, or leave it empty.")
        )
    try:
        return validate_mobile(text)
    except ValidationError as exc:
        raise CellProblem(exc.messages[0]) from None


@dataclass
class Checked:
    """What a pass over a file found: the rows ready to write and every problem."""

    kind: str
    present: set[str]
    date1904: bool = False
    row_count: int = 0
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)
    records: list[dict] = field(default_factory=list)
    new: int = 0
    existing: int = 0
    moves: list[dict] = field(default_factory=list)
    # Numbers of the households the file would leave with no one living in them.
    emptied: list[str] = field(default_factory=list)
    # Titles of the file's columns the import does not read, shown on the dry-run page.
    unused: list[str] = field(default_factory=list)
    # The roster's counts per village: name -> {what: count}, and its households by number
    # (see roster.py).
    villages: dict[str, dict[str, int]] = field(default_factory=dict)
    households: dict[str, dict] = field(default_factory=dict)

    def problem(self, row: int, column: str, message: str) -> None:
        self.problems.append((row, column, str(message)))
        self.bad_rows.add(row)

    def found(self, row: int, pk: int | None, *, outside: set[int], column: str, why: str) -> None:
        """Count a row as updating the register's record `pk` or as new; a record that lies
        outside the uploader's area (`outside`) makes the row a problem, saying `why`."""
        if pk in outside:
            self.problem(row, column, why)
        elif pk:
            self.existing += 1
        else:
            self.new += 1

    def summary(self) -> dict:
        return {
            "rows": self.row_count,
            "new": self.new,
            "existing": self.existing,
            "move_count": len(self.moves),
            "moves": self.moves[:MOVES_KEPT],
            "emptied": self.emptied[:MOVES_KEPT],
            "emptied_count": len(self.emptied),
            "unused": self.unused,
            "villages": self.villages,
        }


# report(stage, share): how far the stage has come, from 0 to 1.
Progress = Callable[[str, float], None]


def check_file(data: bytes, *, kind: str, user, progress: Progress | None = None) -> Checked:
    """Read and check every row of `data` as the register's services would, against the
    register as it is now. Writes nothing. Raises FileProblem for a file it cannot read."""
    report = progress or (lambda stage, share: None)
    table = read_table(data, kind=kind)
    result = Checked(
        kind=kind, present=set(table.columns), date1904=table.date1904, unused=list(table.unused)
    )
    header = {c.field: table.headers.get(c.field, c.header) for c in COLUMNS[kind]}
    width = max(table.width, max(table.columns.values()) + 1)
    for number, cells in table.rows:
        if not any(_text(c) for c in cells):
            continue
        result.row_count += 1
        if result.row_count > MAX_ROWS:
            raise FileProblem(
                _("The file has more than %(count)d rows. Split it into several files.")
                % {"count": MAX_ROWS}
            )
        if any(_text(c) for c in cells[width:]):
            result.problem(
                number, "", _("This row has values to the right of the last column with a title.")
            )
        record = {"row": number}
        for name, index in table.columns.items():
            record[name] = cells[index] if index < len(cells) else None
        result.records.append(record)
        if result.row_count % 2000 == 0:
            report("read", table.read_share())
    report("read", 1.0)
    CHECKERS[kind](result, header=header, user=user)
    result.problems.sort(key=lambda p: (p[0], p[1]))
    report("checked", 1.0)
    return result


def _parse(
    result: Checked, record: dict, header: dict, name: str, parse: Callable, *args, **kwargs
):
    """Parse one cell; on a problem, note it and return None."""
    try:
        return parse(record.get(name), *args, **kwargs)
    except CellProblem as exc:
        result.problem(record["row"], header[name], str(exc))
        return None


def _chunks(values: Iterable, size: int = IN_CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _microgrids(
    result: Checked, user, codes: set[str]
) -> tuple[dict[str, list[MicroGrid]], set[str]]:
    """The micro-grids the user may import into, by code; and the codes that exist at all."""
    mine: dict[str, list[MicroGrid]] = defaultdict(list)
    known: set[str] = set()
    for chunk in _chunks(codes):
        known |= set(MicroGrid.objects.filter(code__in=chunk).values_list("code", flat=True))
        scoped = visible_to(user, MicroGrid.objects.filter(code__in=chunk), capability=SCOPE)
        for micro in scoped.select_related("grid__village"):
            mine[micro.code].append(micro)
    return mine, known


def _resolve_microgrid(result, record, header, grids, known, village: str = ""):
    code = _parse(result, record, header, "microgrid", _text, max_length=32)
    if not code:
        if code == "":
            result.problem(record["row"], header["microgrid"], _("Enter the micro-grid code."))
        return None
    candidates = grids.get(code, [])
    if village:
        candidates = [
            m for m in candidates if village in (m.grid.village.name, m.grid.village.code)
        ]
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        result.problem(
            record["row"], header["microgrid"],
            _("Several micro-grids in your area have the code %(code)s: add the village in column 村(社区).") % {"code": code},
        )  # fmt: skip
    elif code in known and not grids.get(code):
        result.problem(
            record["row"],
            header["microgrid"],
            _("Micro-grid %(code)s lies outside your area.") % {"code": code},
        )
    elif grids.get(code):
        result.problem(
            record["row"], header["microgrid"],
            _("Micro-grid %(code)s is not in village %(village)s.") % {"code": code, "village": village},
        )  # fmt: skip
    else:
        result.problem(
            record["row"],
            header["microgrid"],
            _("There is no micro-grid %(code)s.") % {"code": code},
        )
    return None


def _check_houses(result: Checked, *, header: dict, user) -> None:
    codes = {_text(r.get("microgrid")) for r in result.records}
    grids, known = _microgrids(result, user, codes)
    seen: dict[tuple[int, str], int] = {}
    for record in result.records:
        row = record["row"]
        village_name = _parse(result, record, header, "village", _text, max_length=100) or ""
        micro = _resolve_microgrid(result, record, header, grids, known, village_name)
        address = _parse(result, record, header, "address", _text, max_length=200)
        if address == "":
            result.problem(row, header["address"], _("Enter the address."))
        structure = _parse(result, record, header, "structure", _choice, "structure")
        floors = _parse(result, record, header, "floors", _integer)
        if floors is not None and not 1 <= floors <= 60:
            result.problem(row, header["floors"], _("Floors: a whole number from 1 to 60."))
        area = _parse(result, record, header, "floor_area", _number, places=1)
        if area is not None and not 0 < area < Decimal("10000000"):
            result.problem(row, header["floor_area"], _("The floor area must be more than 0."))
        use = _parse(result, record, header, "use", _choice, "use")
        lat = _parse(result, record, header, "lat", _number, places=6)
        lng = _parse(result, record, header, "lng", _number, places=6)
        if lat is not None and not -90 <= lat <= 90:
            result.problem(row, header["lat"], _("A latitude lies between -90 and 90."))
        if lng is not None and not -180 <= lng <= 180:
            result.problem(row, header["lng"], _("A longitude lies between -180 and 180."))
        if bool(_text(record.get("lat"))) != bool(_text(record.get("lng"))):
            result.problem(row, header["lat"], _("Give both latitude and longitude, or neither."))
        if micro is None or not address:
            continue
        key = (micro.grid.village_id, address)
        if key in seen:
            result.problem(
                row,
                header["address"],
                _("The same address is on row %(row)d.") % {"row": seen[key]},
            )
            continue
        seen[key] = row
        record.update(
            key=key, village_id=key[0], microgrid_id=micro.pk, address=address,
            structure=structure or House.Structure.BRICK_CONCRETE, floors=int(floors or 1), floor_area=area,
            use=use or House.Use.SELF_OCCUPIED, lat=lat, lng=lng,
        )  # fmt: skip
    good = [r for r in result.records if r["row"] not in result.bad_rows]
    existing: dict[tuple[int, str], int] = {}
    for chunk in _chunks({r["address"] for r in good}):
        for pk, village_id, address in House.objects.filter(address__in=chunk).values_list(
            "pk", "village_id", "address"
        ):
            existing[(village_id, address)] = pk
    outside = _outside(user, House, [existing[r["key"]] for r in good if r["key"] in existing])
    for record in good:
        result.found(
            record["row"], existing.get(record["key"]), outside=outside, column=header["address"],
            why=_("This address is registered in a part of the village outside your area."),
        )  # fmt: skip


def _outside(user, model, pks: list[int]) -> set[int]:
    """Of these rows, the ones the user may not import into."""
    inside: set[int] = set()
    for chunk in _chunks(pks):
        inside |= set(
            visible_to(user, model.objects.filter(pk__in=chunk), capability=SCOPE).values_list(
                "pk", flat=True
            )
        )
    return set(pks) - inside


def _check_households(result: Checked, *, header: dict, user) -> None:
    codes = {_text(r.get("microgrid")) for r in result.records}
    grids, known = _microgrids(result, user, codes)
    today = timezone.localdate()
    seen: dict[str, int] = {}
    for record in result.records:
        row = record["row"]
        number = _parse(result, record, header, "number", _text, max_length=32)
        if number == "":
            result.problem(row, header["number"], _("Enter the household number."))
        micro = _resolve_microgrid(result, record, header, grids, known)
        address = _parse(result, record, header, "house", _text, max_length=200) or ""
        signed = _parse(result, record, header, "pact_signed_on", _date, date1904=result.date1904)
        if signed and signed > today:
            result.problem(row, header["pact_signed_on"], _("The signing date is in the future."))
        if not number or micro is None:
            continue
        if number in seen:
            result.problem(
                row,
                header["number"],
                _("The same household number is on row %(row)d.") % {"row": seen[number]},
            )
            continue
        seen[number] = row
        record.update(
            number=number,
            microgrid_id=micro.pk,
            village_id=micro.grid.village_id,
            house_address=address,
            pact_signed_on=signed,
        )
    good = [r for r in result.records if r["row"] not in result.bad_rows]
    houses: dict[tuple[int, str], int] = {}
    for chunk in _chunks({r["house_address"] for r in good if r["house_address"]}):
        for pk, village_id, address in House.objects.filter(address__in=chunk).values_list(
            "pk", "village_id", "address"
        ):
            houses[(village_id, address)] = pk
    existing: dict[str, int] = {}
    for chunk in _chunks({r["number"] for r in good}):
        existing.update(Household.objects.filter(number__in=chunk).values_list("number", "pk"))
    outside = _outside(user, Household, list(existing.values()))
    for record in good:
        record["house_id"] = None
        if record["house_address"]:
            record["house_id"] = houses.get((record["village_id"], record["house_address"]))
            if record["house_id"] is None:
                result.problem(
                    record["row"], header["house"],
                    _("No house at %(address)s in this micro-grid's village: import the houses first.") % {"address": record["house_address"]},
                )  # fmt: skip
        result.found(
            record["row"], existing.get(record["number"]), outside=outside, column=header["number"],
            why=_("This household number belongs to a household outside your area."),
        )  # fmt: skip


def _check_residents(result: Checked, *, header: dict, user) -> None:
    parse_residents(result, header=header)
    good = [r for r in result.records if r["row"] not in result.bad_rows]
    households: dict[str, int] = {}
    inactive: set[int] = set()
    for chunk in _chunks({r["number"] for r in good}):
        for number, pk, status in Household.objects.filter(number__in=chunk).values_list(
            "number", "pk", "status"
        ):
            households[number] = pk
            if status != Household.Status.ACTIVE:
                inactive.add(pk)
    outside_households = _outside(user, Household, list(households.values()))
    for record in good:
        row = record["row"]
        household_id = households.get(record["number"])
        if household_id is None:
            result.problem(
                row,
                header["household"],
                _("Household %(number)s is not in the register: import the households first.")
                % {"number": record["number"]},
            )
        elif household_id in outside_households:
            result.problem(
                row,
                header["household"],
                _("Household %(number)s lies outside your area.") % {"number": record["number"]},
            )
        elif household_id in inactive:
            result.problem(
                row,
                header["household"],
                _("Household %(number)s was merged, split up or moved out.")
                % {"number": record["number"]},
            )
        record["household_id"] = household_id
    check_people(result, good, header=header, user=user)


def parse_residents(result: Checked, *, header: dict) -> None:
    """Each row's person as the register's rules read it (no queries); bad cells noted."""
    today = timezone.localdate()
    seen: dict[str, int] = {}
    for record in result.records:
        row = record["row"]
        number = _parse(result, record, header, "household", _text, max_length=32)
        if number == "":
            result.problem(row, header["household"], _("Enter the household number."))
        name = _parse(result, record, header, "name", _name)
        if name == "":
            result.problem(row, header["name"], _("Enter the resident's name."))
        id_number = _parse(result, record, header, "id_number", _id_number)
        gender = _parse(result, record, header, "gender", _choice, "gender")
        birth = _parse(result, record, header, "birth_date", _date, date1904=result.date1904)
        if birth and birth > today:
            result.problem(row, header["birth_date"], _("The birth date is in the future."))
            birth = None
        if id_number:
            id_birth, id_gender = id_number_facts(id_number)
            # Blank birth date and gender are taken from the ID number; given ones must agree
            # (validation.check_id_agrees words the messages, asked only for rows that differ).
            if (birth and birth != id_birth) or (gender and gender != id_gender):
                disagree = check_id_agrees(id_number=id_number, birth_date=birth, gender=gender)
                for name_, error in disagree.items():
                    result.problem(row, header[name_], error.messages[0])
            birth, gender = birth or id_birth, gender or id_gender
        phone = _parse(result, record, header, "phone", _phone)
        relation = _parse(result, record, header, "relation", _choice, "relation")
        if relation is None and _text(record.get("relation")) == "":
            result.problem(
                row, header["relation"], _("Enter the relation to the head of household.")
            )
        residence = _parse(result, record, header, "residence_type", _choice, "residence_type")
        tags = _parse(result, record, header, "care_tags", _tags)
        moved_out = _parse(result, record, header, "moved_out", _boolean)
        deceased = _parse(result, record, header, "deceased", _boolean)
        if id_number:
            if id_number in seen:
                result.problem(
                    row,
                    header["id_number"],
                    _("The same ID number is on row %(row)d.") % {"row": seen[id_number]},
                )
                continue
            seen[id_number] = row
        if row in result.bad_rows:
            continue
        record.update(
            number=number, name=name, id_number=id_number, gender=gender, birth_date=birth, phone=phone or "",
            relation=relation, residence_type=residence or Resident.ResidenceType.REGISTERED, care_tags=tags or [],
            moved_out=bool(moved_out), deceased=bool(deceased),
        )  # fmt: skip


def check_people(result: Checked, good: list[dict], *, header: dict, user) -> None:
    """The parsed rows GOOD against the register's people: each row's "household_id" is set
    (a household the file creates has a negative stand-in). Same person, moves, one head, and
    the households left empty; then the new and existing counts."""
    people: dict[str, dict] = {}
    for chunk in _chunks({r["id_number"] for r in good}):
        for person in Resident.objects.filter(id_number__in=chunk).values(
            "pk", "id_number", "name", "household_id", "household__number", "moved_out", "deceased"
        ):
            people[person["id_number"]] = person
    outside_people = _outside(user, Resident, [p["pk"] for p in people.values()])

    for record in good:
        row = record["row"]
        household_id = record["household_id"]
        person = people.get(record["id_number"])
        record["pk"] = person["pk"] if person else None
        if person is None:
            continue
        if person["pk"] in outside_people:
            result.problem(
                row,
                header["id_number"],
                _(
                    "This ID number is registered outside your area. Ask the town to move the person."
                ),
            )
        elif person["name"] != record["name"]:
            result.problem(
                row, header["id_number"],
                _("This ID number is registered to %(name)s (household %(number)s), not to the name in this row.")
                % {"name": person["name"], "number": person["household__number"]},
            )  # fmt: skip
        elif household_id and person["household_id"] != household_id:
            result.moves.append(
                {
                    "row": row,
                    "name": record["name"],
                    "from": person["household__number"],
                    "to": record["number"],
                }
            )
        # Absent columns keep what the register holds, for the head check below too.
        if "moved_out" not in result.present:
            record["moved_out"] = person["moved_out"]
        if "deceased" not in result.present:
            record["deceased"] = person["deceased"]

    good = [r for r in result.records if r["row"] not in result.bad_rows]
    _check_heads(result, good, header)
    for record in good:
        if record["row"] in result.bad_rows:
            continue
        if record["pk"]:
            result.existing += 1
        else:
            result.new += 1
    good = [r for r in result.records if r["row"] not in result.bad_rows]
    result.emptied = _emptied_households(good, people)


def _emptied_households(good: list[dict], people: dict[str, dict]) -> list[str]:
    """The households the file leaves with no one present: everyone moves to another household
    or is marked moved out or deceased. Decision: the import does not change such a
    household's status itself (moved out, merged or split is the clerk's call, on its page);
    the dry run and the result name them so that none stays "active" unnoticed."""
    present = lambda r: not (r["moved_out"] or r["deceased"])  # noqa: E731
    candidates = {
        people[r["id_number"]]["household_id"]
        for r in good
        if r["id_number"] in people and people[r["id_number"]]["household_id"] != r["household_id"]
    } | {r["household_id"] for r in good if not present(r)}
    candidates.discard(None)
    if not candidates:
        return []
    in_file = {r["id_number"] for r in good}
    kept = {r["household_id"] for r in good if present(r)}
    for chunk in _chunks(candidates - kept):
        # The file's ID numbers are filtered here, not in SQL: a town's file holds more of
        # them than one statement may carry as parameters (65,535).
        for household_id, id_number in Resident.objects.filter(
            household_id__in=chunk, moved_out=False, deceased=False
        ).values_list("household_id", "id_number"):
            if not id_number or id_number not in in_file:
                kept.add(household_id)
    emptied = sorted(candidates - kept)
    numbers: list[str] = []
    for chunk in _chunks(emptied):
        numbers += Household.objects.filter(pk__in=chunk).values_list("number", flat=True)
    return sorted(numbers)


def _check_heads(result: Checked, good: list[dict], header: dict) -> None:
    """One present head per household, counting the register's heads this file leaves alone."""
    in_file = {r["id_number"] for r in good}
    heads: dict[int, list[tuple[int, str]]] = defaultdict(list)  # household -> [(row, name)]
    for record in good:
        record["head"] = record["relation"] == Resident.Relation.HEAD and not (
            record["moved_out"] or record["deceased"]
        )
        if record["head"]:
            heads[record["household_id"]].append((record["row"], record["name"]))
    registered: dict[int, str] = {}
    for chunk in _chunks(heads):
        present_heads = Resident.objects.filter(
            household_id__in=chunk, relation=Resident.Relation.HEAD, moved_out=False, deceased=False
        ).values_list("household_id", "id_number", "name")
        for household_id, id_number, name in present_heads:
            if id_number not in in_file:
                registered[household_id] = name
    for household_id, rows in heads.items():
        first_row = rows[0][0]
        for row, _name in rows[1:]:
            result.problem(
                row,
                header["relation"],
                _("The household already has a head in this file, on row %(row)d.")
                % {"row": first_row},
            )
        if household_id in registered:
            result.problem(
                first_row, header["relation"],
                _("The household already has a head: %(name)s. Change that person's relation first.") % {"name": registered[household_id]},
            )  # fmt: skip


CHECKERS = {
    Kind.HOUSES: _check_houses,
    Kind.HOUSEHOLDS: _check_households,
    Kind.RESIDENTS: _check_residents,
}
