"""Volunteer teams, members, activities and hours, micro-wishes, livelihood projects.

Decisions the issue left open, kept beside the tables they shape:

- A volunteer is one person (`Volunteer`, linked to the register's resident where they are
  one, else a name only; no ID number). Membership of a team is a dated row: leaving ends it,
  rejoining opens a new one, so the history is kept and hours are counted per person across
  teams.
- A team belongs to a village, or to the whole town (village empty: 槐小保). Its leader is a
  user account (`Team.leader`): that user acts for the team wherever it works. The
  volunteer-leader role stays village-scoped; no new scope level was added to the roles.
- Hours are logged per activity and count once the activity is confirmed (logged →
  confirmed, compare-and-set). A person's hours on one date, across all activities, never
  exceed 24: checked under a lock of the person's row.
- Confirmation proposes one household point entry per participant who is a resident, keyed by
  the participation id, so a repeated confirmation never proposes twice.
- Photos of activities, wishes and project progress share one table, served through a view
  that checks who may see them (media stay private).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from huaisi.audit import tracked
from huaisi.phones import MOBILE_PATTERN
from huaisi.roles import Level

MAX_HOURS_A_DAY = 24


class ServiceType(models.TextChoices):
    SAFETY = "safety", _("Safety patrols")
    MEDIATION = "mediation", _("Mediation")
    ENVIRONMENT = "environment", _("Environment and clean-up")
    PUBLICITY = "publicity", _("Publicity")
    CARE = "care", _("Care for the elderly and children")
    GENERAL = "general", _("General service")


@tracked()
class Team(models.Model):
    """A volunteer service team (志愿服务队)."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(
        "grids.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer_teams",
        verbose_name=_("village or community"),
        help_text=_("Leave empty for a town-wide team."),
    )
    name = models.CharField(_("name"), max_length=100)
    service_type = models.CharField(_("service type"), max_length=16, choices=ServiceType.choices)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_teams",
        verbose_name=_("team leader (account)"),
    )
    leader_name = models.CharField(_("team leader"), max_length=50)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    area_paths = {Level.TOWN: "town", Level.VILLAGE: "village"}

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["village__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["town", "name"], name="vol_team_name_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="vol_team_name_not_blank"),
            models.CheckConstraint(condition=~Q(leader_name=""), name="vol_team_leader_named"),
        ]

    def __str__(self) -> str:
        return self.name


@tracked()
class Volunteer(models.Model):
    """One person who serves in one or more teams."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+")
    # Where the person lives or mostly serves: decides which village's staff see them.
    village = models.ForeignKey(
        "grids.Village",
        on_delete=models.PROTECT,
        related_name="volunteers",
        verbose_name=_("village or community"),
    )
    name = models.CharField(_("full name"), max_length=50)
    resident = models.OneToOneField(
        "households.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer",
        verbose_name=_("resident"),
    )
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    area_paths = {Level.TOWN: "town", Level.VILLAGE: "village"}

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="vol_volunteer_named"),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=MOBILE_PATTERN),
                name="vol_volunteer_phone_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name


@tracked()
class Membership(models.Model):
    class Role(models.TextChoices):
        MANAGER = "manager", _("Manager")
        MEDIATOR = "mediator", _("Mediator")
        SUPERVISOR = "supervisor", _("Supervisor")
        PATROLLER = "patroller", _("Patroller")
        PUBLICIST = "publicist", _("Publicist")

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role in the team"), max_length=16, choices=Role.choices)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    area_paths = {Level.TOWN: "team__town", Level.VILLAGE: "team__village"}

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        ordering = ["team", "-joined_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "volunteer"],
                condition=Q(left_on__isnull=True),
                name="vol_membership_one_open",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="vol_membership_leaves_after_joining",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.team}"

    def active_on(self, day) -> bool:
        return self.joined_on <= day and (self.left_on is None or day <= self.left_on)


class Activity(models.Model):
    class Kind(models.TextChoices):
        PATROL = "patrol", _("Joint patrol")
        PUBLICITY = "publicity", _("Publicity")
        MEDIATION = "mediation", _("Mediation")
        CLEANUP = "cleanup", _("Clean-up")
        OTHER = "other", _("Other service")

    class Status(models.TextChoices):
        LOGGED = "logged", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")

    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="activities", verbose_name=_("team")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    village = models.ForeignKey(
        "grids.Village",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("village or community"),
    )
    grid = models.ForeignKey(
        "grids.Grid",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("grid"),
    )
    description = models.TextField(_("description"))
    # Grid staff who walked a joint patrol with the volunteers (their hours are work, not
    # volunteering).
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("grid staff")
    )
    # Publicity counts: zero for other kinds (CHECK below).
    leaflets = models.PositiveIntegerField(_("leaflets handed out"), default=0)
    lectures = models.PositiveIntegerField(_("lectures"), default=0)
    lecture_attendance = models.PositiveIntegerField(_("lecture attendance"), default=0)
    screenings = models.PositiveIntegerField(_("films and audio played"), default=0)
    posters = models.PositiveIntegerField(_("posters put up"), default=0)
    forwards = models.PositiveIntegerField(_("messages forwarded"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.LOGGED
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    logged_at = models.DateTimeField(_("logged at"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=64)

    area_paths = {
        Level.TOWN: "village__town",
        Level.VILLAGE: "village",
        Level.GRID: "grid",
    }

    class Meta:
        verbose_name = _("volunteer activity")
        verbose_name_plural = _("volunteer activities")
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="vol_activity_key_unique"),
            models.CheckConstraint(condition=~Q(place=""), name="vol_activity_place_not_blank"),
            models.CheckConstraint(
                condition=Q(kind="publicity")
                | Q(
                    leaflets=0,
                    lectures=0,
                    lecture_attendance=0,
                    screenings=0,
                    posters=0,
                    forwards=0,
                ),
                name="vol_activity_counts_only_publicity",
            ),
            models.CheckConstraint(
                condition=Q(lecture_attendance=0) | Q(lectures__gt=0),
                name="vol_activity_attendance_needs_lecture",
            ),
            models.CheckConstraint(
                condition=Q(status="logged", confirmed_by__isnull=True, confirmed_at__isnull=True)
                | Q(status="confirmed", confirmed_by__isnull=False, confirmed_at__isnull=False),
                name="vol_activity_confirmation_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "-date"], name="vol_activity_team_date"),
            models.Index(fields=["village", "-date"], name="vol_activity_village_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.place} · {self.date:%Y-%m-%d}"

    @property
    def publicity_counts(self) -> list[tuple[str, int]]:
        names = ("leaflets", "lectures", "lecture_attendance", "screenings", "posters", "forwards")
        return [
            (self._meta.get_field(name).verbose_name, getattr(self, name))
            for name in names
            if getattr(self, name)
        ]


class Participation(models.Model):
    """A volunteer's hours on one activity."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="participations")
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="participations"
    )
    hours = models.DecimalField(_("hours"), max_digits=3, decimal_places=1)
    # What confirming did for the volunteer's household: the pending entry, or why none.
    point_entry = models.ForeignKey(
        "points.Entry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    points_note = models.CharField(_("points"), max_length=500, blank=True)

    area_paths = {
        Level.TOWN: "activity__village__town",
        Level.VILLAGE: "activity__village",
        Level.GRID: "activity__grid",
    }

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer"], name="vol_participation_once"
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=MAX_HOURS_A_DAY),
                name="vol_participation_hours_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.hours} h"


class Certificate(models.Model):
    """A printed service certificate: what it said is frozen, and a public page checks it by
    its code."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="certificates")
    code = models.CharField(_("verification code"), max_length=16)
    period_from = models.DateField(_("from"))
    period_to = models.DateField(_("until"))
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=1)
    teams = models.CharField(_("teams"), max_length=300)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"))

    area_paths = {Level.TOWN: "volunteer__town", Level.VILLAGE: "volunteer__village"}

    class Meta:
        verbose_name = _("service certificate")
        verbose_name_plural = _("service certificates")
        constraints = [
            models.UniqueConstraint(fields=["code"], name="vol_certificate_code_unique"),
            models.CheckConstraint(
                condition=Q(period_to__gte=F("period_from")), name="vol_certificate_period"
            ),
            models.CheckConstraint(condition=Q(hours__gte=0), name="vol_certificate_hours"),
        ]

    def __str__(self) -> str:
        return self.code


class Wish(models.Model):
    """A resident's micro-wish (微心愿): recorded → claimed → fulfilled → closed."""

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        CLAIMED = "claimed", _("Claimed")
        FULFILLED = "fulfilled", _("Fulfilled")
        CLOSED = "closed", _("Closed")

    resident = models.ForeignKey(
        "households.Resident",
        on_delete=models.PROTECT,
        related_name="wishes",
        verbose_name=_("resident"),
    )
    village = models.ForeignKey(
        "grids.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    microgrid = models.ForeignKey(
        "grids.MicroGrid",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("micro-grid"),
    )
    title = models.CharField(_("wish"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECORDED
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wishes",
        verbose_name=_("claimed by team"),
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    fulfilment = models.TextField(_("how it was fulfilled"), blank=True)
    feedback = models.TextField(_("resident's feedback"), blank=True)
    satisfied = models.BooleanField(_("satisfied"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    area_paths = {
        Level.TOWN: "village__town",
        Level.VILLAGE: "village",
        Level.GRID: "microgrid__grid",
        Level.MICROGRID: "microgrid",
    }

    class Meta:
        verbose_name = _("micro-wish")
        verbose_name_plural = _("micro-wishes")
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="vol_wish_title_not_blank"),
            models.CheckConstraint(
                condition=Q(status="recorded", team__isnull=True)
                | Q(status="claimed", team__isnull=False, claimed_at__isnull=False)
                | Q(status="fulfilled", team__isnull=False, fulfilled_at__isnull=False)
                | (
                    Q(status="closed", team__isnull=False, closed_at__isnull=False)
                    & ~Q(feedback="")
                ),
                name="vol_wish_status_complete",
            ),
        ]
        indexes = [models.Index(fields=["village", "status", "-recorded_at"], name="vol_wish_list")]

    def __str__(self) -> str:
        return self.title


@tracked()
class Project(models.Model):
    """A livelihood project (民生实事) led by the village party secretary (书记领办)."""

    class Category(models.TextChoices):
        ROAD = "road", _("Road")
        WATER = "water", _("Pond and river")
        HOUSE = "house", _("House repair")
        DEMOLITION = "demolition", _("Removal of illegal structures")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    village = models.ForeignKey(
        "grids.Village",
        on_delete=models.PROTECT,
        related_name="livelihood_projects",
        verbose_name=_("village or community"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    description = models.TextField(_("description"), blank=True)
    lead_name = models.CharField(_("led by (party secretary)"), max_length=50)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead's account"),
    )
    budget = models.DecimalField(_("budget (yuan)"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    started_on = models.DateField(_("started on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    completion_note = models.TextField(_("completion report"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    area_paths = {Level.TOWN: "village__town", Level.VILLAGE: "village"}

    class Meta:
        verbose_name = _("livelihood project")
        verbose_name_plural = _("livelihood projects")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "year", "title"], name="vol_project_title_unique"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="vol_project_title_not_blank"),
            models.CheckConstraint(condition=~Q(lead_name=""), name="vol_project_lead_named"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="vol_project_budget"),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="vol_project_year"
            ),
            models.CheckConstraint(
                condition=Q(status="planned", started_on__isnull=True, completed_on__isnull=True)
                | Q(status="in_progress", started_on__isnull=False, completed_on__isnull=True)
                | Q(
                    status="completed",
                    started_on__isnull=False,
                    completed_on__gte=F("started_on"),
                ),
                name="vol_project_status_dates",
            ),
        ]
        indexes = [models.Index(fields=["village", "year"], name="vol_project_village_year")]

    def __str__(self) -> str:
        return self.title


@tracked()
class Decision(models.Model):
    """The villagers' decision on a project, one matter at a time (一事一议)."""

    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="decision")
    meeting_date = models.DateField(_("meeting date"))
    attendance = models.PositiveIntegerField(_("attendance"))
    votes_for = models.PositiveIntegerField(_("votes for"))
    votes_against = models.PositiveIntegerField(_("votes against"))
    abstentions = models.PositiveIntegerField(_("abstentions"), default=0)
    minutes = models.TextField(_("minutes"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    area_paths = {Level.TOWN: "project__village__town", Level.VILLAGE: "project__village"}

    class Meta:
        verbose_name = _("villagers' decision")
        verbose_name_plural = _("villagers' decisions")
        constraints = [
            models.CheckConstraint(
                condition=Q(attendance__gte=F("votes_for") + F("votes_against") + F("abstentions")),
                name="vol_decision_votes_within_attendance",
            ),
            models.CheckConstraint(condition=Q(attendance__gt=0), name="vol_decision_attended"),
            models.CheckConstraint(condition=~Q(minutes=""), name="vol_decision_minutes"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.meeting_date:%Y-%m-%d}"

    @property
    def passed(self) -> bool:
        """More than half of those attending voted for it."""
        return self.votes_for * 2 > self.attendance


class ProgressUpdate(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="updates")
    date = models.DateField(_("date"))
    note = models.TextField(_("progress"))
    percent = models.PositiveSmallIntegerField(_("percent done"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    area_paths = {Level.TOWN: "project__village__town", Level.VILLAGE: "project__village"}

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="vol_update_percent"),
            models.CheckConstraint(condition=~Q(note=""), name="vol_update_note_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.date:%Y-%m-%d}"


class Photo(models.Model):
    """A photo of an activity, a fulfilled wish or a project's progress, checked and
    re-encoded by `huaisi.uploads.check_image`; exactly one owner."""

    activity = models.ForeignKey(
        Activity, on_delete=models.PROTECT, null=True, blank=True, related_name="photos"
    )
    wish = models.ForeignKey(
        Wish, on_delete=models.PROTECT, null=True, blank=True, related_name="photos"
    )
    update = models.ForeignKey(
        ProgressUpdate, on_delete=models.PROTECT, null=True, blank=True, related_name="photos"
    )
    image = models.ImageField(upload_to="volunteers/%Y/%m/")
    thumbnail = models.ImageField(upload_to="volunteers/%Y/%m/thumbs/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        constraints = [
            models.CheckConstraint(
                condition=Q(activity__isnull=False, wish__isnull=True, update__isnull=True)
                | Q(activity__isnull=True, wish__isnull=False, update__isnull=True)
                | Q(activity__isnull=True, wish__isnull=True, update__isnull=False),
                name="vol_photo_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.image.name
