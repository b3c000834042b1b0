"""Demo houses, households and residents for `seed_demo --households N`.

Fictitious people: random names, and ID numbers valid in form (GB 11643 check digit, the
Hanjiang district region code) drawn from a fixed seed, so every run builds the same town and a
re-run inserts nothing twice (natural keys: house address, household number, ID number).
Phones use the 170 virtual-operator range.
"""

import datetime
import random
from decimal import Decimal

import pgtrigger
from django.utils import timezone
from stdnum.cn import ric

from grids.demo import GIVEN, SURNAMES
from grids.models import MicroGrid, Town
from huaisi.bulk import copy_insert

from .models import CareTag, House, Household, Resident
from .services import pinyin_keys

REGION = "321003"
BATCH = 2000
HOUSE_FIELDS = [
    "village",
    "microgrid",
    "address",
    "structure",
    "floors",
    "floor_area",
    "use",
    "lat",
    "lng",
    "photo",
    "updated_at",
]
HOUSEHOLD_FIELDS = ["number", "house", "microgrid", "pact_signed_on", "status", "updated_at"]
RESIDENT_FIELDS = [
    "household",
    "name",
    "name_initials",
    "name_pinyin",
    "gender",
    "id_number",
    "birth_date",
    "phone",
    "relation",
    "residence_type",
    "care_tags",
    "moved_out",
    "deceased",
    "note",
    "updated_at",
]


def id_number(
    rng: random.Random, birth: datetime.date, male: bool, used: set, region: str = REGION
) -> str:
    while True:
        seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
        body = f"{region}{birth:%Y%m%d}{seq:03d}"
        number = body + ric.calc_check_digit(body + "0")
        if number not in used:
            used.add(number)
            return number


def random_birth(
    rng: random.Random, age_from: int, age_to: int, today: datetime.date
) -> datetime.date:
    return today - datetime.timedelta(days=rng.randint(age_from * 365 + 1, age_to * 365 - 1))


def person(rng: random.Random, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES)) + "".join(
        rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))
    )


def seed(*, town: Town, options: dict, progress) -> dict:
    total = options.get("households", 0)
    if total <= 0:
        return {"households": 0}
    rng = random.Random(20261127)
    today = datetime.date(2026, 11, 1)
    microgrids = list(
        MicroGrid.objects.filter(grid__village__town=town)
        .select_related("grid__village")
        .order_by("code")
    )
    # Drawing the same seed again gives the same people: a re-run finds them and adds none.
    existing_ids = set(
        Resident.objects.filter(id_number__startswith=REGION).values_list("id_number", flat=True)
    )
    used_ids: set[str] = set()

    houses, households, residents = [], [], []
    for n in range(total):
        micro = microgrids[n * len(microgrids) // total]
        village = micro.grid.village
        box = micro.boundary["coordinates"][0]
        lng = Decimal(str(rng.uniform(box[0][0], box[1][0]))).quantize(Decimal("0.000001"))
        lat = Decimal(str(rng.uniform(box[0][1], box[2][1]))).quantize(Decimal("0.000001"))
        address = f"{village.name}{micro.grid.code[-2:]}组{n + 1}号"
        houses.append(
            House(
                village=village,
                microgrid=micro,
                address=address,
                lat=lat,
                lng=lng,
                structure=rng.choice(House.Structure.values[:3]),
                floors=rng.choice((1, 2, 2, 2, 3)),
                floor_area=Decimal(rng.randrange(60, 320)),
                use=rng.choices(House.Use.values, weights=(80, 10, 6, 4))[0],
            )
        )
        number = f"{town.code}-{n + 1:06d}"
        signed = rng.random() < 0.85
        households.append(
            Household(
                number=number,
                microgrid=micro,
                pact_signed_on=datetime.date(2025, 1, 1)
                + datetime.timedelta(days=rng.randrange(300))
                if signed
                else None,
            )
        )
        surname = rng.choice(SURNAMES)
        head_age = rng.randint(28, 88)
        head_male = rng.random() < 0.8
        members = [("head", head_age, head_male, surname)]
        alone = head_age >= 70 and rng.random() < 0.35
        if not alone:
            members.append(("spouse", max(22, head_age + rng.randint(-5, 3)), not head_male, None))
            if head_age < 65:
                for _c in range(rng.choice((0, 1, 1, 2, 2, 3))):
                    members.append(
                        (
                            "child",
                            rng.randint(1, max(2, head_age - 22)),
                            rng.random() < 0.5,
                            surname,
                        )
                    )
            if head_age < 58 and rng.random() < 0.45:
                members.append(
                    ("parent", head_age + rng.randint(22, 30), rng.random() < 0.5, surname)
                )
        for relation, age, male, family in members:
            birth = random_birth(rng, age, age + 1, today)
            name = person(rng, family)
            tags = []
            if alone:
                tags.append(CareTag.ELDERLY_ALONE)
            if relation == "child" and age < 16 and rng.random() < 0.08:
                tags.append(CareTag.LEFT_BEHIND_CHILD)
            for tag, share in (
                (CareTag.DISABLED, 0.02),
                (CareTag.LOW_INCOME, 0.03),
                (CareTag.VETERAN, 0.01),
            ):
                if rng.random() < share:
                    tags.append(tag)
            initials, full = pinyin_keys(name)
            residents.append(
                (
                    number,
                    Resident(
                        name=name,
                        name_initials=initials,
                        name_pinyin=full,
                        gender="M" if male else "F",
                        birth_date=birth,
                        id_number=id_number(rng, birth, male, used_ids),
                        phone=f"170{rng.randrange(10**8):08d}" if age >= 16 else "",
                        relation=relation,
                        care_tags=sorted(tags),
                        residence_type=rng.choices(
                            Resident.ResidenceType.values, weights=(85, 10, 5)
                        )[0],
                    ),
                )
            )
        if (n + 1) % BATCH == 0:
            progress("households", n + 1, total)

    now = timezone.now()
    # Demo rows are not anybody's edits: the audit triggers stay quiet while they go in.
    with pgtrigger.ignore(
        "households.House:insert_insert",
        "households.Household:insert_insert",
        "households.Resident:insert_insert",
    ):
        existing = set(House.objects.filter(village__town=town).values_list("address", flat=True))
        for house in houses:
            house.updated_at = now
        copy_insert(House, (h for h in houses if h.address not in existing), HOUSE_FIELDS)
        house_ids = dict(House.objects.filter(village__town=town).values_list("address", "pk"))
        for household, house in zip(households, houses, strict=True):
            household.house_id = house_ids[house.address]
            household.updated_at = now
        existing = set(
            Household.objects.filter(number__startswith=f"{town.code}-").values_list(
                "number", flat=True
            )
        )
        copy_insert(
            Household, (h for h in households if h.number not in existing), HOUSEHOLD_FIELDS
        )
        household_ids = dict(
            Household.objects.filter(number__startswith=f"{town.code}-").values_list("number", "pk")
        )
        new_residents = []
        for number, resident in residents:
            if resident.id_number not in existing_ids:
                resident.household_id = household_ids[number]
                resident.updated_at = now
                new_residents.append(resident)
        copy_insert(Resident, new_residents, RESIDENT_FIELDS)
    progress("households", total, total)
    return {
        "houses": House.objects.filter(village__town=town).count(),
        "households": Household.objects.filter(microgrid__grid__village__town=town).count(),
        "residents": Resident.objects.filter(
            household__microgrid__grid__village__town=town
        ).count(),
    }
