"""factory_boy factories for the register.

Residents get ID numbers valid under GB 11643 (check digit included) that agree with their
birth date and gender, as the services demand; `id_number_for` builds such numbers for tests
that need a particular one. Without an explicit place, each factory builds its own small area
chain (town → village → grid → micro-grid); tests on the shared `area` fixture pass
`microgrid=area.m111` (or `household=…`).
"""

import datetime

import factory
from factory.django import DjangoModelFactory
from stdnum.cn import ric

from grids.models import Grid, MicroGrid, Town, Village
from households.models import House, Household, Resident
from households.services import pinyin_keys

# Hanjiang district, Yangzhou: the town's own region code.
REGION = "321003"

NAMES = [
    "王秀英", "李建华", "张伟", "刘洋", "陈静", "杨帆", "黄丽", "赵磊", "周敏", "吴强",
    "徐婷", "孙涛", "胡军", "朱红", "高峰", "林娜", "何勇", "郭芳", "马超", "罗霞",
]  # fmt: skip


def id_number_for(
    birth: datetime.date, gender: str, *, sequence: int = 1, region: str = REGION
) -> str:
    """A valid 18-character ID number for a person born on `birth`, of `gender` ("M"/"F").

    The 3-digit sequence is odd for men and even for women, as GB 11643 has it."""
    seq = (sequence % 500) * 2 + (1 if gender == "M" else 0)
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


class TownFactory(DjangoModelFactory):
    class Meta:
        model = Town

    code = factory.Sequence(lambda n: f"FT{n}")
    name = factory.Sequence(lambda n: f"工厂镇{n}")


class VillageFactory(DjangoModelFactory):
    class Meta:
        model = Village

    town = factory.SubFactory(TownFactory)
    code = factory.Sequence(lambda n: f"FV{n}")
    name = factory.Sequence(lambda n: f"工厂村{n}")


class GridFactory(DjangoModelFactory):
    class Meta:
        model = Grid

    village = factory.SubFactory(VillageFactory)
    code = factory.Sequence(lambda n: f"FG{n}")
    name = factory.Sequence(lambda n: f"工厂网格{n}")


class MicroGridFactory(DjangoModelFactory):
    class Meta:
        model = MicroGrid

    grid = factory.SubFactory(GridFactory)
    code = factory.Sequence(lambda n: f"FM{n}")
    name = factory.Sequence(lambda n: f"工厂微网格{n}")


class HouseFactory(DjangoModelFactory):
    class Meta:
        model = House

    microgrid = factory.SubFactory(MicroGridFactory)
    village = factory.LazyAttribute(lambda o: o.microgrid.grid.village)
    address = factory.Sequence(lambda n: f"槐泗路{n + 1}号")
    floors = 2


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household

    number = factory.Sequence(lambda n: f"HH-{n + 1:06d}")
    microgrid = factory.SubFactory(MicroGridFactory)
    house = factory.SubFactory(HouseFactory, microgrid=factory.SelfAttribute("..microgrid"))


class ResidentFactory(DjangoModelFactory):
    """A present resident (relation 'child' unless told otherwise; `head=True` for a head)."""

    class Meta:
        model = Resident

    class Params:
        head = factory.Trait(relation=Resident.Relation.HEAD)

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: NAMES[n % len(NAMES)])
    gender = factory.Sequence(lambda n: "M" if n % 2 else "F")
    # Spread over ~70 years so ID numbers differ in their birth date as well as their sequence.
    birth_date = factory.Sequence(
        lambda n: datetime.date(1950, 1, 1) + datetime.timedelta(days=(n * 367) % 25_500)
    )
    id_number = factory.LazyAttributeSequence(
        lambda o, n: id_number_for(o.birth_date, o.gender, sequence=n)
    )
    phone = factory.Sequence(lambda n: f"139{n % 100_000_000:08d}")
    relation = Resident.Relation.CHILD
    name_initials = factory.LazyAttribute(lambda o: pinyin_keys(o.name)[0])
    name_pinyin = factory.LazyAttribute(lambda o: pinyin_keys(o.name)[1])
