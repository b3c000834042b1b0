"""The one-sheet roster (花名册): one row per person, each household's and house's facts on its
members' rows. One file creates or updates houses, households and residents together.

It reuses the register import's reading, its person checks (checking.parse_residents and
check_people) and its set-based writes; what it adds is finding areas by the names people
write and gathering each household from its members' rows.

Rules decided here (the issue left them open):
- Areas are found among the micro-grids the importer may import into, by name or code,
  tolerant of spaces, full-width characters, Chinese or Arabic numbers and a leading 第
  (第一微网格 = 第1微网格 = 1微网格 = Ｍ００１ when that is its code). A micro-grid's name may be
  written whole (槐泗村第1网格第1微网格) or without its grid's or village's name in front
  (第1微网格); village and grid columns narrow the search. No match, or more than one, is a
  row problem that lists the candidates.
- A household's micro-grid, address and pact date may be on every member's row or only on
  some (usually the head's); where given they must agree, and the first one given counts.
- The micro-grid column is required; a row may leave it empty only when its grid column
  names a grid of one micro-grid.
- A new address adds a house in the household's micro-grid; a house already registered
  at that address in the village is used as it is (its own page edits its details). As in
  the three-file import, a column that is there but empty clears: a household none of whose
  rows gives an address, in a roster with an address column, is no longer linked to a house.
- An existing household that the roster puts in another micro-grid moves there; the dry run
  counts it as moved in its new village.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import MicroGrid
from huaisi.access import visible_to

from ...models import House, Household
from .checking import (
    SCOPE,
    Checked,
    Progress,
    _chunks,
    _date,
    _outside,
    _parse,
    _text,
    check_people,
    parse_residents,
)
from .writing import (
    _copy_into_temp,
    _upsert,
    quiet_trigger_checks,
    write_households,
    write_residents,
)

CANDIDATES_SHOWN = 8
DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
NUMERAL = re.compile("[零〇一二两三四五六七八九十百]+")
VILLAGE_SUFFIX = re.compile("(村委会|居委会|村民委员会|居民委员会|社区|村)$")


def _number(text: str) -> str:
    """A Chinese numeral as digits (十二 → 12, 二十 → 20, 一百零五 → 105)."""
    total, digit = 0, None
    for char in text:
        if char in DIGITS:
            digit = DIGITS[char] if digit is None else digit * 10 + DIGITS[char]
        else:  # 十 or 百
            scale = 10 if char == "十" else 100
            total += (1 if digit is None else digit) * scale
            digit = None
    return str(total + (digit or 0))


def area_key(value) -> str:
    """An area's name or code as compared: NFKC (full-width to half-width), no spaces, case
    folded, Chinese numbers as digits, no leading 第 before a number."""
    text = unicodedata.normalize("NFKC", _text(value))
    text = re.sub(r"\s+", "", text).casefold()
    text = NUMERAL.sub(lambda m: _number(m.group()), text)
    return re.sub(r"第(?=\d)", "", text)


def _strip(key: str, prefix: str) -> str | None:
    return key[len(prefix) :] if prefix and key.startswith(prefix) and key != prefix else None


@dataclass
class Areas:
    """The micro-grids the importer may import into, indexed by every way of writing them."""

    micro: dict[str, list[MicroGrid]]
    villages: dict[str, set[int]]
    grids: dict[str, set[int]]
    all: list[MicroGrid]

    @classmethod
    def for_user(cls, user) -> "Areas":
        scoped = visible_to(user, MicroGrid.objects.all(), capability=SCOPE)
        micro, villages, grids = defaultdict(list), defaultdict(set), defaultdict(set)
        found = list(scoped.select_related("grid__village").order_by("code", "pk"))
        for m in found:
            grid, village = m.grid, m.grid.village
            vkey, gkey, mkey = area_key(village.name), area_key(grid.name), area_key(m.name)
            for key in {vkey, area_key(village.code), VILLAGE_SUFFIX.sub("", vkey)} - {""}:
                villages[key].add(village.pk)
            for key in {gkey, area_key(grid.code), _strip(gkey, vkey)} - {None, ""}:
                grids[key].add(grid.pk)
            for key in {mkey, area_key(m.code), _strip(mkey, gkey), _strip(mkey, vkey)} - {
                None,
                "",
            }:
                micro[key].append(m)
        return cls(micro=micro, villages=villages, grids=grids, all=found)

    def resolve(self, village: str, grid: str, name: str) -> tuple[MicroGrid | None, str, str]:
        """The micro-grid a row names, or None with (column field, problem)."""
        village_ids = grid_ids = None
        if village:
            village_ids = self.villages.get(area_key(village))
            if not village_ids:
                names = {m.grid.village.name for m in self.all}
                return None, "village", _unknown(_("village"), village, sorted(names))
        if grid:
            grid_ids = self.grids.get(area_key(grid), set())
            in_village = [
                m for m in self.all if village_ids is None or m.grid.village_id in village_ids
            ]
            if not grid_ids & {m.grid_id for m in in_village}:
                names = {m.grid.name for m in in_village}
                return None, "grid", _unknown(_("grid"), grid, sorted(names))
        if not area_key(name):
            nearby = [m for m in self.all if grid_ids is not None and m.grid_id in grid_ids]
            if len(nearby) == 1:
                return nearby[0], "", ""  # a grid of one micro-grid names it
            return None, "microgrid", _("Enter the micro-grid, by name or code.")
        candidates = [
            m
            for m in self.micro.get(area_key(name), [])
            if (village_ids is None or m.grid.village_id in village_ids)
            and (grid_ids is None or m.grid_id in grid_ids)
        ]
        candidates = list({m.pk: m for m in candidates}.values())
        if len(candidates) == 1:
            return candidates[0], "", ""
        if candidates:
            return (
                None,
                "microgrid",
                _(
                    "Several micro-grids in your area are called “%(name)s”: %(candidates)s. Fill in the village or grid column, or use the code."
                )
                % {"name": name, "candidates": _listed(candidates)},
            )
        nearby = [
            m
            for m in self.all
            if (village_ids is None or m.grid.village_id in village_ids)
            and (grid_ids is None or m.grid_id in grid_ids)
        ]
        return None, "microgrid", _unknown(_("micro-grid"), name, [_label(m) for m in nearby])


def _label(micro: MicroGrid) -> str:
    return f"{micro.name} ({micro.code})"


def _listed(micro_grids: list[MicroGrid]) -> str:
    return "；".join(f"{_label(m)}, {m.grid.village.name} {m.grid.name}" for m in micro_grids)


def _unknown(what: str, value: str, candidates: list[str]) -> str:
    if not candidates:
        return _("There is no %(what)s “%(value)s” in your area.") % {"what": what, "value": value}
    shown = "、".join(candidates[:CANDIDATES_SHOWN])
    if len(candidates) > CANDIDATES_SHOWN:
        shown += _(" and %(count)d more") % {"count": len(candidates) - CANDIDATES_SHOWN}
    return _("There is no %(what)s “%(value)s” in your area. It could be: %(candidates)s.") % {
        "what": what,
        "value": value,
        "candidates": shown,
    }


def check_roster(result: Checked, *, header: dict, user) -> None:
    """Check a roster: each person as the residents import does, each household gathered from
    its members' rows, its micro-grid found by name or code, its house by address."""
    parse_residents(result, header=header)
    areas = Areas.for_user(user)
    resolved: dict[tuple[str, str, str], tuple] = {}
    households: dict[str, dict] = {}
    today = timezone.localdate()
    for record in result.records:
        row = record["row"]
        number = record.get("number") or _text(record.get("household"))
        address = _parse(result, record, header, "address", _text, max_length=200)
        signed = _parse(result, record, header, "pact_signed_on", _date, date1904=result.date1904)
        if signed and signed > today:
            result.problem(row, header["pact_signed_on"], _("The signing date is in the future."))
        names = tuple(_text(record.get(f)) for f in ("village", "grid", "microgrid"))
        micro = None
        if any(names):
            if names not in resolved:
                resolved[names] = areas.resolve(*names)
            micro, column, problem = resolved[names]
            if problem:
                result.problem(row, header[column], problem)
        if not number or len(number) > 32:
            continue
        household = households.setdefault(number, {"number": number, "row": row, "rows": []})
        household["rows"].append(record)
        for key, value, column in (
            ("micro", micro, "microgrid"),
            ("address", address, "address"),
            ("pact_signed_on", signed, "pact_signed_on"),
        ):
            if not value:
                continue
            if key not in household:
                household[key], household[f"{key}_row"] = value, row
            elif household[key] != value:
                result.problem(
                    row,
                    header[column],
                    _("Row %(row)d gives household %(number)s another value here.")
                    % {"row": household[f"{key}_row"], "number": number},
                )
    for household in households.values():
        if "micro" not in household and not any(
            any(_text(r.get(f)) for f in ("village", "grid", "microgrid"))
            for r in household["rows"]
        ):
            result.problem(
                household["row"],
                header["microgrid"],
                _("No row of household %(number)s names its micro-grid.")
                % {"number": household["number"]},
            )
    result.households = {n: h for n, h in households.items() if h.get("micro")}
    _check_households(result, households, header=header, user=user)
    good = [r for r in result.records if r["row"] not in result.bad_rows]
    check_people(result, good, header=header, user=user)
    _count_by_village(result, households)


def _check_households(result: Checked, households: dict[str, dict], *, header: dict, user) -> None:
    """Existing households and houses: in the importer's area, still active; each household's
    stand-in id (negative for new ones) on its rows."""
    usable = {n: h for n, h in households.items() if h.get("micro")}
    existing: dict[str, dict] = {}
    for chunk in _chunks(usable):
        for found in Household.objects.filter(number__in=chunk).values(
            "pk", "number", "status", "microgrid_id", "house_id", "pact_signed_on"
        ):
            existing[found["number"]] = found
    outside = _outside(user, Household, [h["pk"] for h in existing.values()])
    houses: dict[tuple[int, str], int] = {}
    for chunk in _chunks({h["address"] for h in usable.values() if h.get("address")}):
        for pk, village_id, address in House.objects.filter(address__in=chunk).values_list(
            "pk", "village_id", "address"
        ):
            houses[(village_id, address)] = pk
    outside_houses = _outside(user, House, list(houses.values()))
    for index, household in enumerate(usable.values(), start=1):
        micro, found = household["micro"], existing.get(household["number"])
        household["village"] = micro.grid.village
        household["house_key"] = (
            (micro.grid.village_id, household["address"]) if household.get("address") else None
        )
        household["house_id"] = houses.get(household["house_key"])
        if household["house_id"] in outside_houses:
            result.problem(
                household["address_row"],
                header["address"],
                _("This address is registered in a part of the village outside your area."),
            )
        household["existing"] = found
        if found and found["pk"] in outside:
            result.problem(
                household["row"],
                header["household"],
                _("This household number belongs to a household outside your area."),
            )
        elif found and found["status"] != Household.Status.ACTIVE:
            result.problem(
                household["row"],
                header["household"],
                _("Household %(number)s was merged, split up or moved out.")
                % {"number": household["number"]},
            )
        household_id = found["pk"] if found else -index
        for record in household["rows"]:
            record["household_id"] = household_id
    for record in result.records:
        if "household_id" not in record:
            result.bad_rows.add(record["row"])  # its household's problem is listed already


def _count_by_village(result: Checked, households: dict[str, dict]) -> None:
    """What the roster creates, updates and moves, per village (for the dry-run page)."""
    moved_rows = {move["row"] for move in result.moves}
    counts: dict[str, dict[str, int]] = {}
    new_houses: set[tuple] = set()
    for household in households.values():
        if "village" not in household:
            continue
        line = counts.setdefault(
            household["village"].name,
            dict.fromkeys(
                ["houses_new", "households_new", "households_updated", "households_moved",
                 "residents_new", "residents_existing", "residents_moved"], 0,
            ),
        )  # fmt: skip
        key = household["house_key"]
        if key and household["house_id"] is None and key not in new_houses:
            new_houses.add(key)
            line["houses_new"] += 1
        found = household["existing"]
        if found is None:
            line["households_new"] += 1
        else:
            if found["microgrid_id"] != household["micro"].pk:
                line["households_moved"] += 1
            if (
                found["microgrid_id"] != household["micro"].pk
                or ("address" in result.present and found["house_id"] != household["house_id"])
                or (
                    "pact_signed_on" in result.present
                    and found["pact_signed_on"] != household.get("pact_signed_on")
                )
            ):
                line["households_updated"] += 1
        for record in household["rows"]:
            if record["row"] in result.bad_rows:
                continue
            line["residents_existing" if record.get("pk") else "residents_new"] += 1
            line["residents_moved"] += record["row"] in moved_rows
    result.villages = dict(sorted(counts.items()))


def write_roster(result: Checked, *, progress: Progress | None = None) -> dict:
    """Write a checked roster in the caller's transaction: new houses, then households by
    number, then residents by ID number. Returns the counts per table."""
    report = progress or (lambda stage, share: None)
    now = timezone.now()
    quiet_trigger_checks()
    households = list(result.households.values())
    houses = {h["house_key"]: h for h in households if h["house_key"]}
    columns = ["village_id", "microgrid_id", "address"]
    source = _copy_into_temp(
        "import_house", House, columns, ((k[0], h["micro"].pk, k[1]) for k, h in houses.items())
    )
    constants = {"structure": House.Structure.BRICK_CONCRETE, "floors": 1, "use": House.Use.SELF_OCCUPIED, "photo": "", "updated_at": now}  # fmt: skip
    houses_created, _unchanged = _upsert(
        House, source, columns, ["village_id", "address"], [], constants
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT h.id, h.village_id, h.address FROM {House._meta.db_table} h "  # noqa: S608
            f"JOIN {source} s ON s.village_id = h.village_id AND s.address = h.address"
        )
        house_ids = {(village_id, address): pk for pk, village_id, address in cursor.fetchall()}
    report("written", 0.1)
    rows = [
        {
            "number": h["number"],
            "microgrid_id": h["micro"].pk,
            "house_id": house_ids.get(h["house_key"]),
            "pact_signed_on": h.get("pact_signed_on"),
        }
        for h in households
    ]
    household_created, household_updated = write_households(
        rows, house="address" in result.present, pact="pact_signed_on" in result.present, now=now
    )
    ids: dict[str, int] = {}
    for chunk in _chunks([h["number"] for h in households]):
        ids.update(Household.objects.filter(number__in=chunk).values_list("number", "pk"))
    people = result.records
    for record in people:
        record["household_id"] = ids[record["number"]]
    report("written", 0.15)
    created, updated = write_residents(people, result.present, now=now, report=report)
    report("written", 1.0)
    return {
        "created": created,
        "updated": updated,
        "unchanged": len(people) - created - updated,
        "houses_created": houses_created,
        "households_created": household_created,
        "households_updated": household_updated,
    }
