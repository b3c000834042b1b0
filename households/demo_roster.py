"""A realistic one-village roster (花名册) for the roster import's tests and bench: one row per
person, areas written as a village clerk writes them, and the columns such a sheet carries
that the import does not read (序号, 民族, 备注).

Fictitious people from a fixed seed, so the same village gives the same file every time. ID
numbers are valid in form with Yizheng's region code (321081), so they do not meet the demo
town's residents (321003). Birth and signing dates lie before 2024, so the file is valid at
any instant the tests run at.

How the areas are written, row by row: the village by its name, sometimes without 村 or with
stray spaces; the grid by its short name (第一网格, 第1网格, 1网格); the micro-grid by its
short name with Chinese or full-width numbers (第二微网格, 第２微网格) or by its code, in
half- or full-width letters (M005, Ｍ００５). The household's address and pact date are on the
head's row; most other members leave them empty.
"""

import csv
import datetime
import io
import random
import re

from openpyxl import Workbook

from grids.demo import SURNAMES
from grids.models import MicroGrid, Village

from .demo import id_number, person

REGION = "321081"
TODAY = datetime.date(2024, 1, 1)
HEADERS = [
    "序号", "户号", "与户主关系", "姓名", "性别", "身份证号码", "联系电话", "家庭住址",
    "村(社区)", "网格", "微网格", "关爱对象", "文明满家公约签订日期", "民族", "备注",
]  # fmt: skip
CHINESE = "零一二三四五六七八九"


def chinese_number(number: int) -> str:
    if number < 10:
        return CHINESE[number]
    tens, ones = divmod(number, 10)
    return ("" if tens == 1 else CHINESE[tens]) + "十" + (CHINESE[ones] if ones else "")


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _short(name: str, parent: str) -> str:
    return name[len(parent) :] if name.startswith(parent) and name != parent else name


def _written(name: str, rng: random.Random) -> str:
    """A short area name as people type it: its numbers in Chinese, full-width or as they are."""
    style = rng.random()
    if style < 0.5:
        return re.sub(r"\d+", lambda m: chinese_number(int(m.group())), name)
    if style < 0.7:
        return full_width(name)
    if style < 0.8:
        return name.replace("第", "第 ")
    return name


def roster_rows(village: Village, *, people: int = 1500, seed: int = 18) -> list[list]:
    """About PEOPLE rows (whole households) for VILLAGE's micro-grids, under HEADERS."""
    rng = random.Random(seed)
    micro_grids = list(
        MicroGrid.objects.filter(grid__village=village).select_related("grid").order_by("code")
    )
    used: set[str] = set()
    rows: list[list] = []
    household = 0
    while len(rows) < people:
        household += 1
        micro = micro_grids[household % len(micro_grids)]
        number = f"{village.code}-{household:04d}"
        address = f"{village.name}{micro.grid.code[-1:]}组{household}号"
        signed = TODAY - datetime.timedelta(days=rng.randrange(60, 700))
        surname = rng.choice(SURNAMES)
        head_age = rng.randint(28, 85)
        members = [("户主", head_age, rng.random() < 0.8, surname)]
        if not (head_age > 70 and rng.random() < 0.3):
            members.append(
                ("配偶", max(22, head_age + rng.randint(-4, 3)), not members[0][2], None)
            )
            for _child in range(rng.choice((0, 1, 1, 2, 2)) if head_age < 65 else 0):
                members.append(
                    (rng.choice(("子", "女", "子女")), rng.randint(1, head_age - 22), None, surname)
                )
            if head_age < 55 and rng.random() < 0.4:
                members.append(
                    (rng.choice(("父亲", "母亲")), head_age + rng.randint(22, 28), None, surname)
                )
        village_written = rng.choice(
            (village.name, village.name, f" {village.name} ", re.sub("村$", "", village.name))
        )
        grid_written = _written(_short(micro.grid.name, village.name), rng)
        micro_written = (
            rng.choice((micro.code, full_width(micro.code).lower()))
            if rng.random() < 0.15
            else _written(_short(micro.name, micro.grid.name), rng)
        )
        for index, (relation, age, male, family) in enumerate(members):
            if male is None:
                male = relation in ("子", "父亲") or (relation == "子女" and rng.random() < 0.5)
            birth = TODAY - datetime.timedelta(days=rng.randint(age * 365 + 1, age * 365 + 360))
            tags = []
            if len(members) == 1:
                tags.append("独居老人")
            if rng.random() < 0.03:
                tags.append("低保")
            if rng.random() < 0.01:
                tags.append("残疾人")
            head = index == 0
            rows.append([
                len(rows) + 1, number, relation, person(rng, family), "男" if male else "女",
                id_number(rng, birth, male, used, REGION),
                f"170{rng.randrange(10**8):08d}" if age >= 18 and rng.random() < 0.8 else "",
                address if head or rng.random() < 0.2 else "",
                village_written, grid_written, micro_written,
                "、".join(tags), signed.isoformat() if head and rng.random() < 0.85 else "",
                "汉族", "",
            ])  # fmt: skip
    return rows


def roster_csv(rows: list[list], *, encoding: str = "gbk", headers: list[str] = HEADERS) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def roster_xlsx(rows: list[list], *, headers: list[str] = HEADERS) -> bytes:
    """The roster as a clerk's workbook: a title row above the column titles, ID numbers and
    phones as text."""
    book = Workbook()
    sheet = book.active
    sheet.title = "花名册"
    sheet.append(["槐泗镇人口花名册"])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
