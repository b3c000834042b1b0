"""The register: houses, households (户) and residents, each change kept by pghistory."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huaisi.audit import tracked
from huaisi.phones import MOBILE_PATTERN
from huaisi.roles import Level

ID_NUMBER_PATTERN = r"^[0-9]{17}[0-9X]$"


class CareTag(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("Elderly living alone")
    LEFT_BEHIND_CHILD = "left_behind_child", _("Left-behind child")
    DISABLED = "disabled", _("Disabled")
    LOW_INCOME = "low_income", _("Low-income (dibao)")
    VETERAN = "veteran", _("Veteran")
    KEY_PERSON = "key_person", _("Key person")
    SPECIAL_HARDSHIP = "special_hardship", _("Special hardship")
    SERIOUS_ILLNESS = "serious_illness", _("Serious illness")


@tracked()
class House(models.Model):
    class Structure(models.TextChoices):
        BRICK_CONCRETE = "brick_concrete", _("Brick and concrete")
        BRICK_WOOD = "brick_wood", _("Brick and wood")
        FRAME = "frame", _("Reinforced concrete frame")
        STEEL = "steel", _("Steel")
        OTHER = "other", _("Other")

    class Use(models.TextChoices):
        SELF_OCCUPIED = "self_occupied", _("Self-occupied")
        RENTED = "rented", _("Rented out")
        VACANT = "vacant", _("Vacant")
        BUSINESS = "business", _("Business")

    village = models.ForeignKey(
        "grids.Village", on_delete=models.PROTECT, related_name="houses", verbose_name=_("village")
    )
    microgrid = models.ForeignKey(
        "grids.MicroGrid",
        on_delete=models.PROTECT,
        related_name="houses",
        verbose_name=_("micro-grid"),
    )
    address = models.CharField(_("address"), max_length=200)
    structure = models.CharField(
        _("structure"), max_length=20, choices=Structure.choices, default=Structure.BRICK_CONCRETE
    )
    floors = models.PositiveSmallIntegerField(_("floors"), default=1)
    floor_area = models.DecimalField(
        _("floor area (m²)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    use = models.CharField(_("use"), max_length=20, choices=Use.choices, default=Use.SELF_OCCUPIED)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    photo = models.ImageField(_("photo"), upload_to="houses/%Y/%m/", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    area_paths = {
        Level.TOWN: "village__town",
        Level.VILLAGE: "village",
        Level.GRID: "microgrid__grid",
        Level.MICROGRID: "microgrid",
    }

    class Meta:
        verbose_name = _("house")
        verbose_name_plural = _("houses")
        constraints = [
            # The natural key imports update by.
            models.UniqueConstraint(fields=["village", "address"], name="house_address_unique"),
            models.CheckConstraint(
                condition=Q(floors__gte=1, floors__lte=60), name="house_floors_range"
            ),
            models.CheckConstraint(
                condition=Q(floor_area__isnull=True) | Q(floor_area__gt=0),
                name="house_area_positive",
            ),
            models.CheckConstraint(
                condition=(Q(lat__isnull=True) & Q(lng__isnull=True))
                | (Q(lat__gte=-90, lat__lte=90) & Q(lng__gte=-180, lng__lte=180)),
                name="house_position_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.address


@tracked()
class Household(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        MOVED_OUT = "moved_out", _("Moved out")
        SPLIT = "split", _("Split up")
        MERGED = "merged", _("Merged into another")

    number = models.CharField(_("household number"), max_length=32)
    house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("house"),
    )
    microgrid = models.ForeignKey(
        "grids.MicroGrid",
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("micro-grid"),
    )
    pact_signed_on = models.DateField(_("civility pact signed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    split_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="split_offs",
        verbose_name=_("split off from"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    area_paths = {
        Level.TOWN: "microgrid__grid__village__town",
        Level.VILLAGE: "microgrid__grid__village",
        Level.GRID: "microgrid__grid",
        Level.MICROGRID: "microgrid",
    }

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(fields=["number"], name="household_number_unique"),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
                name="household_merged_has_target",
            ),
        ]

    def __str__(self) -> str:
        return self.number


def initials_variant(n: int) -> Func:
    """The n-th space-separated reading of `name_initials` ("cgf zgf" → 2: "zgf")."""
    return Func(
        F("name_initials"), Value(" "), Value(n), function="split_part",
        output_field=models.TextField(),
    )  # fmt: skip


# The register's search (households.selectors.resident_search_for_user) matches only at the
# start of a value, so each match is an index range scan at any scale: names by their start or
# end (reverse), initials by the start of any reading, ID numbers by their tail (reverse).
SEARCH_EXPRESSIONS = {
    "name_reversed": Reverse("name"),
    "initials_2": initials_variant(2),
    "initials_3": initials_variant(3),
    "id_reversed": Reverse("id_number"),
}


@tracked(exclude=("town",))
class Resident(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Relation(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        GRANDCHILD = "grandchild", _("Grandchild")
        GRANDPARENT = "grandparent", _("Grandparent")
        SIBLING = "sibling", _("Sibling")
        CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
        OTHER = "other", _("Other")

    class ResidenceType(models.TextChoices):
        REGISTERED = "registered", _("Registered (hukou)")
        PERMANENT = "permanent", _("Permanent, registered elsewhere")
        FLOATING = "floating", _("Floating")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="residents", verbose_name=_("household")
    )
    # The town of the household's micro-grid, kept by database triggers (migration 0005: on a
    # resident's insert or move, and when a household, micro-grid, grid or village moves) so
    # that no write path can forget it. The search's indexes lead with it: a name searched in
    # one town reads that town's rows of the index, however many towns the database holds.
    town = models.ForeignKey(
        "grids.Town",
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        db_index=False,
        related_name="+",
        verbose_name=_("Town"),
    )
    name = models.CharField(_("name"), max_length=50)
    # Filled by the services from `name`, for search by pinyin initials (zsf → 张三丰).
    name_initials = models.CharField(max_length=50, editable=False)
    name_pinyin = models.CharField(max_length=200, editable=False)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    # NULL, not "": several residents may lack an ID number, while the unique key holds for the rest.
    id_number = models.CharField(_("ID number"), max_length=18, null=True, blank=True)  # noqa: DJ001
    birth_date = models.DateField(_("birth date"))
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True)
    relation = models.CharField(_("relation to head"), max_length=16, choices=Relation.choices)
    residence_type = models.CharField(
        _("residence type"),
        max_length=16,
        choices=ResidenceType.choices,
        default=ResidenceType.REGISTERED,
    )
    care_tags = ArrayField(
        models.CharField(max_length=32, choices=CareTag.choices),
        blank=True,
        default=list,
        verbose_name=_("care tags"),
    )
    moved_out = models.BooleanField(_("moved out"), default=False)
    deceased = models.BooleanField(_("deceased"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    area_paths = {
        Level.TOWN: "household__microgrid__grid__village__town",
        Level.VILLAGE: "household__microgrid__grid__village",
        Level.GRID: "household__microgrid__grid",
        Level.MICROGRID: "household__microgrid",
    }

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            # One person, one record: the ID number is the natural key imports update by.
            models.UniqueConstraint(fields=["id_number"], name="resident_id_number_unique"),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relation="head", moved_out=False, deceased=False),
                name="household_one_head",
            ),
            models.CheckConstraint(
                condition=Q(id_number__isnull=True) | Q(id_number__regex=ID_NUMBER_PATTERN),
                name="resident_id_number_format",
            ),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=MOBILE_PATTERN), name="resident_phone_format"
            ),
        ]
        indexes = [
            GinIndex(fields=["care_tags"], name="resident_care_tags_gin"),
            models.Index(fields=["household", "relation"], name="resident_household_relation"),
            # The search (see SEARCH_EXPRESSIONS): by town, then the start of a value.
            *(
                models.Index(F("town"), OpClass(F(field), name="varchar_pattern_ops"), name=name)
                for field, name in (
                    ("name", "resident_town_name"),
                    ("name_initials", "resident_town_initials"),
                    ("name_pinyin", "resident_town_pinyin"),
                )
            ),
            *(
                models.Index(
                    F("town"),
                    OpClass(expression, name="text_pattern_ops"),
                    name=f"resident_town_{key}",
                )
                for key, expression in SEARCH_EXPRESSIONS.items()
                if key != "id_reversed"
            ),
            # An ID number's tail finds a handful of people in any number of towns.
            models.Index(
                OpClass(SEARCH_EXPRESSIONS["id_reversed"], name="text_pattern_ops"),
                name="resident_id_reversed",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_present(self) -> bool:
        return not (self.moved_out or self.deceased)

    @property
    def care_tag_labels(self) -> list[str]:
        labels = dict(CareTag.choices)
        return [str(labels.get(tag, tag)) for tag in self.care_tags]

    @property
    def age(self) -> int:
        today = timezone.localdate()
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class RevealLog(models.Model):
    """Each time someone saw a full ID or phone number: who, whose, which, when (PIPL)."""

    class Field(models.TextChoices):
        ID_NUMBER = "id_number", _("ID number")
        PHONE = "phone", _("mobile phone")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="reveals")
    field = models.CharField(max_length=16, choices=Field.choices)
    revealed_at = models.DateTimeField(auto_now_add=True)
    path = models.CharField(max_length=200, blank=True)

    area_paths = {
        Level.TOWN: "resident__household__microgrid__grid__village__town",
        Level.VILLAGE: "resident__household__microgrid__grid__village",
    }

    class Meta:
        verbose_name = _("reveal of personal data")
        verbose_name_plural = _("reveals of personal data")
        indexes = [models.Index(fields=["resident", "-revealed_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.resident_id} {self.field} {self.revealed_at:%Y-%m-%d %H:%M}"


class ImportJob(models.Model):
    """One uploaded spreadsheet of one kind, from its dry run to its import.

    The file is kept only while it is needed (until the import ends or the dry run rejects
    it): it holds personal data. Progress while a worker runs lives in the cache (a row
    written inside the import's transaction is invisible until it commits)."""

    class Kind(models.TextChoices):
        HOUSES = "houses", _("Houses")
        HOUSEHOLDS = "households", _("Households")
        RESIDENTS = "residents", _("Residents")
        # One sheet, one row per person: houses, households and residents together (花名册).
        ROSTER = "roster", _("Roster (one row per person)")

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        INVALID = "invalid", _("Has problems")
        READY = "ready", _("Ready to import")
        QUEUED = "queued", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.CHECKING
    )
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveIntegerField(default=0)
    # The uploader's interface language: the worker writes the problems in it.
    language = models.CharField(max_length=16, default="zh-hans")
    row_count = models.PositiveIntegerField(default=0)
    problem_count = models.PositiveIntegerField(default=0)
    # [[row, column, message], …] as the dry run found them (the first IMPORT_PROBLEMS_KEPT).
    problems = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # When the uploader confirmed the import: a job queued long ago and never finished (its
    # task lost with the broker) is failed by the hourly expiry, see imports_expire.
    queued_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("register import")
        verbose_name_plural = _("register imports")
        indexes = [models.Index(fields=["user", "-created_at"], name="importjob_user_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["houses", "households", "residents", "roster"]),
                name="importjob_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["checking", "invalid", "ready", "queued", "done", "failed"]
                ),
                name="importjob_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def working(self) -> bool:
        """A worker has this job (or will soon): the page keeps polling."""
        return self.status in {self.Status.CHECKING, self.Status.QUEUED}
