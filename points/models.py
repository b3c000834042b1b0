"""Household points (积分制): rulebook, ledger, balances, supermarket, rankings and honours.

Decisions the issue left open, kept here beside the tables they shape:

- The civility pact date lives on `households.Household.pact_signed_on` (the register already
  keeps it and its edit page sets it); the points app reads it rather than keeping a second
  copy that could disagree. A deed dated before the signing is not scored.
- Ledger rows and redemptions name the household, not the account: an account is the
  household's one balance row (OneToOne), so naming both could only ever disagree.
- The ledger is append-only in the database: triggers refuse every DELETE of an entry and every
  UPDATE except the one review of a pending entry (pending → approved or rejected, with the
  content unchanged). Redemptions, their lines, stock receipts and evidence photos refuse
  UPDATE and DELETE outright. Corrections are new rows (reversals, refunds).
- Spendable balance = Σ approved entries − Σ redemptions (refunds are negative redemptions).
  `PointsAccount.balance` holds it, changed only in the same transaction as the row that moves
  it, under `SELECT … FOR UPDATE` of the account first and goods (by id) after; CHECK ≥ 0.
  `manage.py check_ledger` proves it.
- The ledger is its own audit trail (who recorded and reviewed, when, and the triggers forbid
  any other change), so entries are not also tracked by pghistory; the rulebook and the
  goods (prices) are.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from huaisi.audit import tracked
from huaisi.roles import Level

# The town's rule for volunteer service: the volunteers app proposes entries against it.
VOLUNTEER_RULE_CODE = "MF-01"

HOUSEHOLD_PATHS = {
    Level.TOWN: "household__microgrid__grid__village__town",
    Level.VILLAGE: "household__microgrid__grid__village",
    Level.GRID: "household__microgrid__grid",
    Level.MICROGRID: "household__microgrid",
}


def _append_only(model_name: str) -> list:
    """Triggers refusing UPDATE and DELETE: the row is a record of something that happened."""
    return [
        pgtrigger.Protect(name=f"{model_name}_no_update", operation=pgtrigger.Update),
        pgtrigger.Protect(name=f"{model_name}_no_delete", operation=pgtrigger.Delete),
    ]


@tracked()
class Rule(models.Model):
    """One line of the town's scoring rulebook (社会治理项目评分细则).

    Entries copy the points they were given, so editing a rule (its points, its cap, its
    dates) changes only what is recorded after the edit."""

    class Group(models.TextChoices):
        KEY_WORK = "key_work", _("Key rural work")
        CIVIL_CUSTOMS = "civil_customs", _("Civil customs")

    town = models.ForeignKey(
        "grids.Town", on_delete=models.PROTECT, related_name="point_rules", verbose_name=_("town")
    )
    code = models.CharField(_("code"), max_length=16)
    group = models.CharField(_("group"), max_length=16, choices=Group.choices)
    category = models.CharField(_("category"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    points = models.IntegerField(_("points"))
    description = models.TextField(_("description"), blank=True)
    requires_photo = models.BooleanField(_("photo evidence required"), default=False)
    # The most points (added or deducted, counted as a magnitude) one household may get from
    # this rule in one calendar month of the deed; pending entries count, so two entries
    # waiting for review cannot together pass it.
    monthly_cap = models.PositiveIntegerField(_("monthly cap per household"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    area_paths = {Level.TOWN: "town"}

    class Meta:
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")
        ordering = ["group", "code"]
        constraints = [
            models.UniqueConstraint(fields=["town", "code"], name="points_rule_code_unique"),
            models.CheckConstraint(condition=~Q(points=0), name="points_rule_points_nonzero"),
            models.CheckConstraint(
                condition=Q(monthly_cap__isnull=True) | Q(monthly_cap__gt=0),
                name="points_rule_cap_positive",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="points_rule_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(group__in=["key_work", "civil_customs"]), name="points_rule_group"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="points_rule_title_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class PointsAccount(models.Model):
    """A household's points passbook (积分存折): its number, kiosk PIN and card, and the
    spendable balance."""

    household = models.OneToOneField(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="points_account",
        verbose_name=_("household"),
    )
    # The village that issued the passbook and its running number there: the printed
    # passbook number is the village code followed by five digits of it.
    village = models.ForeignKey(
        "grids.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    serial = models.PositiveIntegerField()
    passbook_number = models.CharField(_("passbook number"), max_length=40)
    # Django's password hasher; empty until the clerk sets a PIN.
    pin_hash = models.CharField(max_length=200, blank=True)
    failed_pins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # The secret in the QR code of the printed card; a new card revokes the old one.
    card_token = models.CharField(max_length=64)
    card_issued_at = models.DateTimeField(null=True, blank=True)
    balance = models.IntegerField(_("balance"), default=0)
    opened_at = models.DateTimeField(auto_now_add=True)

    area_paths = HOUSEHOLD_PATHS

    class Meta:
        verbose_name = _("points passbook")
        verbose_name_plural = _("points passbooks")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="points_balance_not_negative"),
            models.UniqueConstraint(fields=["passbook_number"], name="points_passbook_unique"),
            models.UniqueConstraint(fields=["village", "serial"], name="points_passbook_serial"),
            models.UniqueConstraint(fields=["card_token"], name="points_card_token_unique"),
        ]

    def __str__(self) -> str:
        return self.passbook_number


class Entry(models.Model):
    """One line of the ledger (评分台账). Append-only: see the module docstring."""

    class Method(models.TextChoices):
        SITE_VISIT = "site_visit", _("Site visit")
        PHOTO_RECORD = "photo_record", _("Photo record")
        ACTIVITY_RECORD = "activity_record", _("Activity record")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Recorded by staff")
        VOLUNTEER = "volunteer", _("Volunteer service")
        REVERSAL = "reversal", _("Reversal")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="point_entries",
        verbose_name=_("household"),
    )
    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, related_name="entries", verbose_name=_("rule")
    )
    points = models.IntegerField(_("points"))
    deed_date = models.DateField(_("date of the deed"))
    basis = models.TextField(_("basis"))
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reject_reason = models.TextField(_("reason for rejection"), blank=True)
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        verbose_name=_("reverses"),
    )
    # The first day of the month whose ranking the entry counts in, set when it is approved:
    # the deed's month, or the approval's month when the deed's month was already published.
    ranking_month = models.DateField(_("ranking month"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=64)

    area_paths = HOUSEHOLD_PATHS

    class Meta:
        verbose_name = _("point entry")
        verbose_name_plural = _("point entries")
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="points_entry_key_unique"),
            # One live reversal per entry; a rejected one leaves room to try again.
            models.UniqueConstraint(
                fields=["reverses"],
                condition=~Q(status="rejected"),
                name="points_entry_one_reversal",
            ),
            models.CheckConstraint(condition=~Q(points=0), name="points_entry_points_nonzero"),
            models.CheckConstraint(
                condition=~Q(idempotency_key=""), name="points_entry_key_not_blank"
            ),
            models.CheckConstraint(condition=~Q(basis=""), name="points_entry_basis_not_blank"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected"]),
                name="points_entry_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(source="reversal", reverses__isnull=False)
                | (~Q(source="reversal") & Q(reverses__isnull=True)),
                name="points_entry_reversal_cites",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", reviewed_by__isnull=True, ranking_month__isnull=True)
                | Q(status="approved", reviewed_by__isnull=False, ranking_month__day=1)
                | (Q(status="rejected", reviewed_by__isnull=False) & ~Q(reject_reason="")),
                name="points_entry_review_complete",
            ),
            # Nobody approves their own entry, whatever path the write took.
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("recorded_by")),
                name="points_entry_not_self_reviewed",
            ),
        ]
        indexes = [
            models.Index(fields=["household", "-recorded_at"], name="points_entry_household"),
            models.Index(
                fields=["status", "recorded_at"],
                condition=Q(status="pending"),
                name="points_entry_pending",
            ),
            # Rankings and honours read approved points by month: an index-only scan.
            models.Index(
                fields=["ranking_month", "household"],
                include=["points"],
                condition=Q(status="approved"),
                name="points_entry_ranking",
            ),
            models.Index(fields=["household", "rule", "deed_date"], name="points_entry_rule_month"),
            # The audit trail (/audit/) reads the newest recorded and the newest reviewed first.
            models.Index(fields=["-recorded_at", "-id"], name="points_entry_newest"),
            models.Index(
                fields=["-reviewed_at", "-id"],
                condition=Q(reviewed_at__isnull=False),
                name="points_entry_newest_review",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="entry_no_delete", operation=pgtrigger.Delete),
            pgtrigger.Trigger(
                name="entry_review_once",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                func="""
                IF OLD.status <> 'pending' THEN
                    RAISE EXCEPTION 'points entry % is %: reviewed entries never change',
                        OLD.id, OLD.status USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                IF NEW.status NOT IN ('approved', 'rejected')
                   OR (NEW.household_id, NEW.rule_id, NEW.points, NEW.deed_date, NEW.basis,
                       NEW.method, NEW.source, NEW.recorded_by_id, NEW.recorded_at,
                       NEW.reverses_id, NEW.idempotency_key)
                      IS DISTINCT FROM
                      (OLD.household_id, OLD.rule_id, OLD.points, OLD.deed_date, OLD.basis,
                       OLD.method, OLD.source, OLD.recorded_by_id, OLD.recorded_at,
                       OLD.reverses_id, OLD.idempotency_key) THEN
                    RAISE EXCEPTION 'points entry %: only its review may change it', OLD.id
                        USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.points:+d} {self.deed_date}"


class EntryPhoto(models.Model):
    """Evidence (拍照留痕), checked and re-encoded by `huaisi.uploads.check_image`."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="photos")
    image = models.ImageField(upload_to="points/evidence/%Y/%m/")
    thumbnail = models.ImageField(upload_to="points/evidence/%Y/%m/thumbs/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    area_paths = {level: f"entry__{path}" for level, path in HOUSEHOLD_PATHS.items()}

    class Meta:
        verbose_name = _("evidence photo")
        verbose_name_plural = _("evidence photos")
        triggers = _append_only("entryphoto")

    def __str__(self) -> str:
        return self.image.name


class Store(models.Model):
    """A village's points supermarket (满满加油站)."""

    village = models.OneToOneField(
        "grids.Village",
        on_delete=models.PROTECT,
        related_name="points_store",
        verbose_name=_("village"),
    )
    name = models.CharField(_("name"), max_length=100)
    opened_at = models.DateTimeField(auto_now_add=True)

    area_paths = {Level.TOWN: "village__town", Level.VILLAGE: "village"}

    class Meta:
        verbose_name = _("points supermarket")
        verbose_name_plural = _("points supermarkets")
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="points_store_named")]

    def __str__(self) -> str:
        return self.name


@tracked()
class Good(models.Model):
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="goods", verbose_name=_("store")
    )
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20)
    price_points = models.PositiveIntegerField(_("price in points"))
    # Changed only by stock receipts, redemptions and refunds (each under this row's lock).
    stock = models.IntegerField(_("stock"), default=0)
    is_active = models.BooleanField(_("on offer"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    area_paths = {Level.TOWN: "store__village__town", Level.VILLAGE: "store__village"}

    class Meta:
        verbose_name = _("good")
        verbose_name_plural = _("goods")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="points_good_name_unique"),
            models.CheckConstraint(condition=Q(price_points__gt=0), name="points_good_price"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="points_good_stock"),
            models.CheckConstraint(condition=~Q(name=""), name="points_good_named"),
        ]

    def __str__(self) -> str:
        return self.name


class StockReceipt(models.Model):
    good = models.ForeignKey(Good, on_delete=models.PROTECT, related_name="receipts")
    quantity = models.PositiveIntegerField(_("quantity"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=64)

    area_paths = {
        Level.TOWN: "good__store__village__town",
        Level.VILLAGE: "good__store__village",
    }

    class Meta:
        verbose_name = _("stock receipt")
        verbose_name_plural = _("stock receipts")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="points_receipt_quantity"),
            models.UniqueConstraint(fields=["idempotency_key"], name="points_receipt_key_unique"),
        ]
        triggers = _append_only("stockreceipt")

    def __str__(self) -> str:
        return f"{self.good_id} +{self.quantity}"


class Redemption(models.Model):
    """A basket bought with points, or (with `reverses`) the full refund of one.

    `total_points` is what left the balance: positive for a purchase, negative for a refund.
    """

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("store")
    )
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="redemptions",
        verbose_name=_("household"),
    )
    total_points = models.IntegerField(_("points"))
    receipt_number = models.CharField(_("receipt number"), max_length=40)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("served by"),
    )
    redeemed_at = models.DateTimeField(_("time"))
    idempotency_key = models.CharField(max_length=64)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refund",
        verbose_name=_("refund of"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    area_paths = HOUSEHOLD_PATHS

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        constraints = [
            models.UniqueConstraint(fields=["receipt_number"], name="points_redemption_receipt"),
            models.UniqueConstraint(fields=["idempotency_key"], name="points_redemption_key"),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, total_points__gt=0)
                | Q(reverses__isnull=False, total_points__lt=0),
                name="points_redemption_sign",
            ),
        ]
        indexes = [
            models.Index(fields=["household", "-redeemed_at"], name="points_redemption_household"),
            models.Index(fields=["store", "redeemed_at"], name="points_redemption_store"),
        ]
        triggers = _append_only("redemption")

    def __str__(self) -> str:
        return self.receipt_number

    @property
    def is_refund(self) -> bool:
        return self.reverses_id is not None


class RedemptionLine(models.Model):
    redemption = models.ForeignKey(Redemption, on_delete=models.PROTECT, related_name="lines")
    good = models.ForeignKey(Good, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    # The price when sold: later price changes leave receipts as printed.
    unit_points = models.PositiveIntegerField(_("points each"))

    class Meta:
        verbose_name = _("redemption line")
        verbose_name_plural = _("redemption lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="points_line_quantity"),
            models.CheckConstraint(condition=Q(unit_points__gt=0), name="points_line_price"),
            models.UniqueConstraint(fields=["redemption", "good"], name="points_line_good_once"),
        ]
        triggers = _append_only("redemptionline")

    def __str__(self) -> str:
        return f"{self.good_id} × {self.quantity}"

    @property
    def line_points(self) -> int:
        return self.quantity * self.unit_points


class RankingPublication(models.Model):
    """A village's frozen monthly ranking (月度积分排名), one per village and month."""

    village = models.ForeignKey(
        "grids.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    month = models.DateField(_("month"))
    published_at = models.DateTimeField(_("published at"))

    area_paths = {Level.TOWN: "village__town", Level.VILLAGE: "village"}

    class Meta:
        verbose_name = _("monthly ranking")
        verbose_name_plural = _("monthly rankings")
        constraints = [
            models.UniqueConstraint(fields=["village", "month"], name="points_ranking_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="points_ranking_month_first"),
        ]
        triggers = _append_only("rankingpublication")

    def __str__(self) -> str:
        return f"{self.village_id} {self.month:%Y-%m}"


class RankingRow(models.Model):
    # No index of its own: the unique (publication, household) and the (publication, rank)
    # index both lead with it, and each index is paid per row when a month is published.
    publication = models.ForeignKey(
        RankingPublication, on_delete=models.PROTECT, related_name="rows", db_index=False
    )
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="+"
    )
    points = models.IntegerField(_("points"))
    rank = models.PositiveIntegerField(_("rank"))

    class Meta:
        verbose_name = _("ranking row")
        verbose_name_plural = _("ranking rows")
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "household"], name="points_ranking_row_once"
            ),
        ]
        indexes = [models.Index(fields=["publication", "rank"], name="points_ranking_order")]
        triggers = _append_only("rankingrow")

    def __str__(self) -> str:
        return f"{self.rank}. {self.household_id} {self.points}"


class HonourPublication(models.Model):
    """A village's half-year honour list (红榜): the top three, ties at third all named."""

    village = models.ForeignKey(
        "grids.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    # The first day of the half: 1 January or 1 July.
    half_start = models.DateField(_("half year"))
    published_at = models.DateTimeField(_("published at"))

    area_paths = {Level.TOWN: "village__town", Level.VILLAGE: "village"}

    class Meta:
        verbose_name = _("honour list")
        verbose_name_plural = _("honour lists")
        constraints = [
            models.UniqueConstraint(fields=["village", "half_start"], name="points_honour_once"),
            models.CheckConstraint(
                condition=Q(half_start__day=1, half_start__month__in=[1, 7]),
                name="points_honour_half_start",
            ),
        ]
        triggers = _append_only("honourpublication")

    def __str__(self) -> str:
        return f"{self.village_id} {self.half_label}"

    @property
    def half_label(self) -> str:
        return f"{self.half_start.year}H{1 if self.half_start.month == 1 else 2}"


class HonourRow(models.Model):
    publication = models.ForeignKey(
        HonourPublication, on_delete=models.PROTECT, related_name="rows"
    )
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="+"
    )
    points = models.IntegerField(_("points"))
    rank = models.PositiveIntegerField(_("rank"))

    class Meta:
        verbose_name = _("honour row")
        verbose_name_plural = _("honour rows")
        constraints = [
            models.UniqueConstraint(fields=["publication", "household"], name="points_honour_row"),
            models.CheckConstraint(condition=Q(rank__lte=3), name="points_honour_top_three"),
        ]
        triggers = _append_only("honourrow")

    def __str__(self) -> str:
        return f"{self.rank}. {self.household_id} {self.points}"
