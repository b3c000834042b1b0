"""The import's file format: the columns of each kind with their Chinese titles, and the
Chinese labels of each choice. The file's titles and labels are Chinese whatever the interface
language: the templates and exports are a data format shared with the town's spreadsheets."""

import datetime
import re
from dataclasses import dataclass
from functools import cache

from django.utils import translation
from django.utils.translation import gettext_lazy

from ...models import CareTag, House, ImportJob, Resident

Kind = ImportJob.Kind
NOTES_SHEET = "说明"


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    example: object = ""
    note: object = ""


COLUMNS: dict[str, list[Column]] = {
    Kind.HOUSES: [
        Column("村(社区)", "village", aliases=("村", "社区", "村/社区", "村居"), example="槐泗村",
               note=gettext_lazy("Village or community name. Needed only where a micro-grid code is used in several villages.")),
        Column("微网格编码", "microgrid", True, ("微网格代码", "微网格"), "M001",
               gettext_lazy("Code of the micro-grid, as on the grid pages. It must lie in your area.")),
        Column("地址", "address", True, ("房屋地址", "门牌地址"), "槐泗村01组1号",
               gettext_lazy("Address of the house: with the village, the key a corrected file is matched by.")),
        Column("结构", "structure", aliases=("房屋结构",), example="砖混"),
        Column("层数", "floors", aliases=("楼层数",), example=2, note=gettext_lazy("Whole number from 1 to 60.")),
        Column("建筑面积", "floor_area", aliases=("建筑面积(㎡)", "建筑面积(m²)", "建筑面积(m2)", "建筑面积(平方米)", "面积"),
               example=120.5, note=gettext_lazy("Square metres, one decimal place.")),
        Column("用途", "use", aliases=("房屋用途",), example="自住"),
        Column("纬度", "lat", example=32.441234, note=gettext_lazy("Both latitude and longitude, or neither.")),
        Column("经度", "lng", example=119.401234),
    ],
    Kind.HOUSEHOLDS: [
        Column("户号", "number", True, ("户编号",), "HS-000001",
               gettext_lazy("Household number: the key a corrected file is matched by.")),
        Column("微网格编码", "microgrid", True, ("微网格代码", "微网格"), "M001",
               gettext_lazy("Code of the micro-grid, as on the grid pages. It must lie in your area.")),
        Column("房屋地址", "house", aliases=("地址",), example="槐泗村01组1号",
               note=gettext_lazy("Address of a house already in the register, in the same village. Import the houses first.")),
        Column("文明满家公约签订日期", "pact_signed_on", aliases=("公约签订日期", "签订日期"), example=datetime.date(2025, 3, 1),
               note=gettext_lazy("Date, e.g. 2025-03-01. Empty when not signed.")),
    ],
    Kind.RESIDENTS: [
        Column("户号", "household", True, ("户编号",), "HS-000001",
               gettext_lazy("Number of a household already in the register. Import the households first.")),
        Column("姓名", "name", True, example="张三丰"),
        Column("性别", "gender", example="男", note=gettext_lazy("男 or 女; when empty, taken from the ID number.")),
        Column("身份证号", "id_number", True, ("身份证号码", "公民身份号码", "证件号码"), "321003199001010012",
               gettext_lazy("18 characters, stored as text. The key a corrected file is matched by.")),
        Column("出生日期", "birth_date", aliases=("出生年月日",), example=datetime.date(1990, 1, 1),
               note=gettext_lazy("Date; when empty, taken from the ID number.")),
        Column("手机号", "phone", aliases=("手机号码", "联系电话", "电话", "手机"), example="17012345678",
               note=gettext_lazy("11-digit mobile number, or empty.")),
        Column("与户主关系", "relation", True, ("与户主的关系", "户主关系", "关系"), "户主"),
        Column("居住类型", "residence_type", aliases=("人口类型",), example="户籍"),
        Column("关爱标签", "care_tags", aliases=("关爱对象", "标签"), example="独居老人、低保",
               note=gettext_lazy("Any of the labels listed here, separated by 、 or a comma.")),
        Column("已迁出", "moved_out", aliases=("是否迁出",), example="否", note=gettext_lazy("是 or 否; empty means 否.")),
        Column("已去世", "deceased", aliases=("是否去世",), example="否", note=gettext_lazy("是 or 否; empty means 否.")),
    ],
}  # fmt: skip


def _resident_column(field: str) -> Column:
    return next(c for c in COLUMNS[Kind.RESIDENTS] if c.field == field)


# The roster (花名册): one row per person, the household's and house's facts on its rows. Areas
# by name or code as people write them (第一微网格, 槐泗村第1网格, M001).
COLUMNS[Kind.ROSTER] = [
    Column("户号", "household", True, ("户编号", "户籍编号"), "HS-000001",
           gettext_lazy("Household number: the key a corrected file is matched by. Every member of a household has the same number.")),
    _resident_column("relation"),
    _resident_column("name"),
    _resident_column("id_number"),
    _resident_column("gender"),
    _resident_column("birth_date"),
    _resident_column("phone"),
    Column("地址", "address", aliases=("门牌号", "门牌地址", "住址", "家庭住址", "房屋地址", "现住址"), example="槐泗村01组1号",
           note=gettext_lazy("The house the household lives in. A new address adds the house to the register.")),
    Column("村(社区)", "village", aliases=("村", "社区", "村/社区", "村居", "行政村", "所属村"), example="槐泗村",
           note=gettext_lazy("Village or community, by name or code.")),
    Column("网格", "grid", aliases=("综合网格", "所属网格", "网格名称"), example="第1网格",
           note=gettext_lazy("Grid, by name or code: needed only where the micro-grid's name is used in several grids.")),
    Column("微网格", "microgrid", True, ("微网格编码", "微网格代码", "微网格名称", "所属微网格"), "第1微网格",
           gettext_lazy("Micro-grid, by name (第一微网格) or code (M001). It must lie in your area.")),
    _resident_column("residence_type"),
    _resident_column("care_tags"),
    Column("文明满家公约签订日期", "pact_signed_on", aliases=("公约签订日期", "签订日期"), example=datetime.date(2025, 3, 1),
           note=gettext_lazy("Date, e.g. 2025-03-01. Empty when not signed.")),
]  # fmt: skip

SHEET_TITLES = {
    Kind.HOUSES: "房屋",
    Kind.HOUSEHOLDS: "户",
    Kind.RESIDENTS: "人口",
    Kind.ROSTER: "花名册",
}
# The column whose header finds the header row below any title rows a clerk put above it.
KEY_FIELD = {
    Kind.HOUSES: "address", Kind.HOUSEHOLDS: "number", Kind.RESIDENTS: "id_number",
    Kind.ROSTER: "id_number",
}  # fmt: skip

# Chinese labels in files, the first of each being what exports and templates write.
LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "structure": {
        House.Structure.BRICK_CONCRETE: ("砖混", "砖混结构"),
        House.Structure.BRICK_WOOD: ("砖木", "砖木结构"),
        House.Structure.FRAME: ("框架", "框架结构", "钢筋混凝土框架"),
        House.Structure.STEEL: ("钢结构",),
        House.Structure.OTHER: ("其他", "其它"),
    },
    "use": {
        House.Use.SELF_OCCUPIED: ("自住",),
        House.Use.RENTED: ("出租",),
        House.Use.VACANT: ("空置", "闲置"),
        House.Use.BUSINESS: ("经营", "商用", "经营用房"),
    },
    "gender": {Resident.Gender.MALE: ("男", "男性"), Resident.Gender.FEMALE: ("女", "女性")},
    "relation": {
        Resident.Relation.HEAD: ("户主", "本人"),
        Resident.Relation.SPOUSE: ("配偶", "妻", "夫", "妻子", "丈夫"),
        Resident.Relation.CHILD: ("子女", "子", "女", "儿子", "女儿", "长子", "长女", "次子", "次女"),
        Resident.Relation.PARENT: ("父母", "父亲", "母亲", "父", "母"),
        Resident.Relation.GRANDCHILD: ("孙子女", "孙子", "孙女", "外孙", "外孙子", "外孙女"),
        Resident.Relation.GRANDPARENT: ("祖父母", "祖父", "祖母", "外祖父", "外祖母"),
        Resident.Relation.SIBLING: ("兄弟姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹"),
        Resident.Relation.CHILD_IN_LAW: ("儿媳女婿", "儿媳", "女婿"),
        Resident.Relation.OTHER: ("其他", "其它"),
    },
    "residence_type": {
        Resident.ResidenceType.REGISTERED: ("户籍", "户籍人口"),
        Resident.ResidenceType.PERMANENT: ("常住", "常住人口", "人户分离"),
        Resident.ResidenceType.FLOATING: ("流动", "流动人口"),
    },
    "care_tags": {
        CareTag.ELDERLY_ALONE: ("独居老人",),
        CareTag.LEFT_BEHIND_CHILD: ("留守儿童",),
        CareTag.DISABLED: ("残疾人", "残疾"),
        CareTag.LOW_INCOME: ("低保", "低保户"),
        CareTag.VETERAN: ("退役军人",),
        CareTag.KEY_PERSON: ("重点人员",),
        CareTag.SPECIAL_HARDSHIP: ("特困", "特困人员"),
        CareTag.SERIOUS_ILLNESS: ("大病", "重病"),
    },
}  # fmt: skip
CHOICES = {
    "structure": House.Structure, "use": House.Use, "gender": Resident.Gender,
    "relation": Resident.Relation, "residence_type": Resident.ResidenceType, "care_tags": CareTag,
}  # fmt: skip
YES = {"是", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "n", "no", "false", "0", "×", "✗", ""}
TAG_SEPARATORS = re.compile(r"[、,，;；\s]+")


def label_of(field_name: str, value: str) -> str:
    """The Chinese label files carry for a stored choice."""
    return LABELS[field_name][value][0]


@cache
def label_map(field_name: str) -> dict[str, str]:
    """Every spelling accepted for a choice: the file labels, the stored value, and the
    interface label in Chinese and English."""
    found = {}
    for value, label in CHOICES[field_name].choices:
        for language in ("en", "zh-hans"):
            with translation.override(language):
                found[str(label).lower()] = value
        found[value.lower()] = value
    for value, labels in LABELS[field_name].items():
        for label in labels:
            found[label.lower()] = value
    return found


def norm_header(value) -> str:
    text = str(value or "")
    text = text.replace("（", "(").replace("）", ")").replace("＊", "").replace("*", "")
    return re.sub(r"\s+", "", text).lower()
