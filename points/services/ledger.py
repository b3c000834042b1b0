"""The rulebook and the ledger: recording, reviewing and reversing point entries.

Invariants kept here (and by the database beneath):
- only households that signed the civility pact, for deeds on or after the signing, under a
  rule of their town valid on the deed's date, within the rule's monthly cap (pending and
  approved entries both count), with photo evidence where the rule asks for it;
- a clerk or assessor of the village (or the town administrator) records; an assessor of the
  village who did not record the entry reviews it; only approved entries move the balance,
  in the same transaction, under the account's row lock;
- reviewed entries never change; a correction is a reversal entry, reviewed like any other.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.db.models.functions import Abs
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Household
from huaisi.periods import month_start, next_month
from huaisi.roles import Capability
from huaisi.uploads import CheckedImage, check_image

from ..models import Entry, EntryPhoto, PointsAccount, RankingPublication, Rule
from ._common import (
    LOCK_RANKING_MONTH,
    advisory_lock,
    clean_key,
    forget_standings,
    has_village_role,
    replayed_with_other_content,
)
from .accounts import account_for_update

MAX_PHOTOS = 9
RULE_FIELDS = (
    "code", "group", "category", "title", "points", "description", "requires_photo",
    "monthly_cap", "valid_from", "valid_to",
)  # fmt: skip


# --- The rulebook ----------------------------------------------------------------------------


def rule_clean(*, town, data: dict, instance: Rule | None = None) -> dict:
    """Normalise and check a rule's fields; ValidationError naming each bad field."""
    cleaned = dict(data)
    errors: dict[str, ValidationError] = {}
    for name in ("code", "category", "title"):
        cleaned[name] = (cleaned.get(name) or "").strip()
    cleaned["description"] = (cleaned.get("description") or "").strip()
    if not cleaned["code"]:
        errors["code"] = ValidationError(_("Enter the rule's code."))
    else:
        clash = Rule.objects.filter(town=town, code=cleaned["code"])
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["code"] = ValidationError(
                _("The rulebook already has a rule %(code)s.") % {"code": cleaned["code"]}
            )
    if cleaned.get("group") not in Rule.Group.values:
        errors["group"] = ValidationError(_("Choose key rural work or civil customs."))
    if not cleaned["category"]:
        errors["category"] = ValidationError(_("Enter the category."))
    if not cleaned["title"]:
        errors["title"] = ValidationError(_("Enter what the rule scores."))
    if not cleaned.get("points"):
        errors["points"] = ValidationError(
            _("Enter the points: positive to add, negative to deduct (not zero).")
        )
    cap = cleaned.get("monthly_cap")
    if cap is not None and cap <= 0:
        errors["monthly_cap"] = ValidationError(_("The monthly cap must be above zero, or empty."))
    if not cleaned.get("valid_from"):
        errors["valid_from"] = ValidationError(_("Enter the date the rule applies from."))
    elif cleaned.get("valid_to") and cleaned["valid_to"] < cleaned["valid_from"]:
        errors["valid_to"] = ValidationError(_("The rule cannot end before it starts."))
    cleaned["requires_photo"] = bool(cleaned.get("requires_photo"))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_rulebook_keeper(by, town) -> None:
    # A town role acts for every village of its town; any village of the town will do.
    village = town.villages.first()
    if village is None or not has_village_role(by, Capability.MANAGE_RULEBOOK, village):
        raise PermissionDenied(_("Only the town administrator maintains the rulebook."))


@transaction.atomic(durable=True)
def rule_create(*, town, by, **fields) -> Rule:
    _check_rulebook_keeper(by, town)
    cleaned = rule_clean(town=town, data=fields)
    return Rule.objects.create(town=town, **{k: cleaned.get(k) for k in RULE_FIELDS})


@transaction.atomic(durable=True)
def rule_update(*, rule: Rule, by, **fields) -> Rule:
    """Change a rule. Entries keep the points they were given: only later entries see the
    change."""
    locked = Rule.objects.select_for_update().select_related("town").get(pk=rule.pk)
    _check_rulebook_keeper(by, locked.town)
    data = {k: getattr(locked, k) for k in RULE_FIELDS} | fields
    cleaned = rule_clean(town=locked.town, data=data, instance=locked)
    changed = [k for k in RULE_FIELDS if getattr(locked, k) != cleaned[k]]
    for key in changed:
        setattr(locked, key, cleaned[key])
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    return locked


# --- Recording -------------------------------------------------------------------------------


def _household_for_points(household: Household) -> Household:
    return Household.objects.select_related("microgrid__grid__village__town").get(pk=household.pk)


def cap_used(*, household: Household, rule: Rule, month: datetime.date) -> int:
    """Points (as magnitudes) the household has from `rule` for deeds in `month`, counting
    entries waiting for review and leaving out entries undone by an approved reversal."""
    used = (
        Entry.objects.filter(
            household=household,
            rule=rule,
            deed_date__gte=month,
            deed_date__lt=next_month(month),
            status__in=[Entry.Status.PENDING, Entry.Status.APPROVED],
            reverses__isnull=True,
        )
        .exclude(reversals__status=Entry.Status.APPROVED)
        .aggregate(total=Sum(Abs("points")))["total"]
    )
    return used or 0


def _check_scorable(
    *, household: Household, rule: Rule, points: int, deed_date: datetime.date
) -> dict[str, ValidationError]:
    """Everything that makes an entry acceptable for a household, rule and date."""
    errors: dict[str, ValidationError] = {}
    village = household.microgrid.grid.village
    if household.status != Household.Status.ACTIVE:
        errors[NON_FIELD_ERRORS] = ValidationError(
            _("Household %(number)s is no longer active (%(status)s) and cannot be scored.")
            % {"number": household.number, "status": household.get_status_display()},
            code="household_inactive",
        )
    elif household.pact_signed_on is None:
        errors[NON_FIELD_ERRORS] = ValidationError(
            _(
                "Household %(number)s has not signed the civility pact; only households "
                "that signed it can be scored."
            )
            % {"number": household.number},
            code="no_pact",
        )
    elif deed_date and deed_date < household.pact_signed_on:
        errors["deed_date"] = ValidationError(
            _(
                "Household %(number)s signed the civility pact on %(signed)s; deeds before "
                "that day are not scored."
            )
            % {"number": household.number, "signed": household.pact_signed_on.isoformat()},
            code="before_pact",
        )
    if not deed_date:
        errors["deed_date"] = ValidationError(_("Enter the date of the deed."))
        return errors
    if deed_date > timezone.localdate():
        errors["deed_date"] = ValidationError(_("The date of the deed is in the future."))
    if rule.town_id != village.town_id:
        errors["rule"] = ValidationError(_("This rule belongs to another town's rulebook."))
    elif not rule.valid_on(deed_date):
        errors["rule"] = ValidationError(
            _(
                "Rule %(code)s applies from %(start)s to %(end)s; the deed on %(date)s falls "
                "outside it."
            )
            % {
                "code": rule.code,
                "start": rule.valid_from.isoformat(),
                "end": rule.valid_to.isoformat() if rule.valid_to else "—",
                "date": deed_date.isoformat(),
            },
            code="rule_not_valid",
        )
    elif rule.monthly_cap is not None:
        month = month_start(deed_date)
        used = cap_used(household=household, rule=rule, month=month)
        if used + abs(points) > rule.monthly_cap:
            errors["rule"] = ValidationError(
                _(
                    "Rule %(code)s allows at most %(cap)s points a month per household. "
                    "Household %(number)s already has %(used)s from it for %(month)s "
                    "(entries waiting for review included), so %(points)s more would pass "
                    "the cap."
                )
                % {
                    "code": rule.code,
                    "cap": rule.monthly_cap,
                    "number": household.number,
                    "used": used,
                    "month": f"{month:%Y-%m}",
                    "points": abs(points),
                },
                code="cap",
            )
    return errors


def _same_entry(entry: Entry, **content) -> bool:
    return all(getattr(entry, name) == value for name, value in content.items())


def _create_entry(
    *,
    household: Household,
    rule: Rule,
    points: int,
    deed_date: datetime.date,
    basis: str,
    method: str,
    source: str,
    recorded_by,
    key: str,
    photos: list[CheckedImage],
    reverses: Entry | None = None,
) -> Entry:
    try:
        # A savepoint: a key taken meanwhile by another household's entry (so not serialised
        # by this household's lock) becomes a clear error instead of a broken transaction.
        with transaction.atomic():
            entry = Entry.objects.create(
                household=household,
                rule=rule,
                points=points,
                deed_date=deed_date,
                basis=basis,
                method=method,
                source=source,
                recorded_by=recorded_by,
                recorded_at=timezone.now(),
                reverses=reverses,
                idempotency_key=key,
            )
    except IntegrityError:
        raise replayed_with_other_content() from None
    for photo in photos:
        EntryPhoto.objects.create(
            entry=entry,
            image=photo.image,
            thumbnail=photo.thumbnail,
            width=photo.width,
            height=photo.height,
        )
    return entry


def _check_photos(photos) -> list[CheckedImage]:
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(
            {"photos": _("Attach at most %(count)s photos.") % {"count": MAX_PHOTOS}}
        )
    checked = []
    for photo in photos:
        try:
            checked.append(check_image(photo, stem="evidence"))
        except ValidationError as exc:
            name = getattr(photo, "name", "") or "—"
            raise ValidationError(
                {"photos": _("%(name)s: %(problem)s") % {"name": name, "problem": exc.messages[0]}}
            ) from None
    return checked


@transaction.atomic(durable=True)
def entry_record(
    *,
    household: Household,
    rule: Rule,
    deed_date: datetime.date,
    basis: str,
    method: str,
    photos=(),
    recorded_by,
    idempotency_key: str,
) -> Entry:
    """Record an entry for review (pending). A retry with the same key returns the entry it
    made; the same key with other content is refused."""
    key = clean_key(idempotency_key)
    household = _household_for_points(household)
    village = household.microgrid.grid.village
    if not has_village_role(recorded_by, Capability.RECORD_POINTS, village):
        raise PermissionDenied(
            _("Only the clerk or the assessment group of %(village)s record its points.")
            % {"village": village.name}
        )
    basis = (basis or "").strip()
    # The rule as it stands now (the caller's copy may be older): its points are copied.
    rule = Rule.objects.get(pk=rule.pk)
    account_for_update(household=household)
    existing = Entry.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if _same_entry(
            existing,
            household_id=household.pk,
            rule_id=rule.pk,
            deed_date=deed_date,
            basis=basis,
            method=method,
            recorded_by_id=recorded_by.pk,
        ):
            return existing
        raise replayed_with_other_content()
    errors = _check_scorable(
        household=household, rule=rule, points=rule.points, deed_date=deed_date
    )
    if not basis:
        errors["basis"] = ValidationError(
            _("Write the basis of the entry: what was done, where and when.")
        )
    if method not in (Entry.Method.SITE_VISIT, Entry.Method.PHOTO_RECORD):
        errors["method"] = ValidationError(_("Choose how the deed was checked."))
    if rule.requires_photo and not photos and "rule" not in errors:
        errors["photos"] = ValidationError(
            _("Rule %(code)s needs photo evidence: attach at least one photo.")
            % {"code": rule.code}
        )
    if errors:
        raise ValidationError(errors)
    checked = _check_photos(photos)
    return _create_entry(
        household=household,
        rule=rule,
        points=rule.points,
        deed_date=deed_date,
        basis=basis,
        method=method,
        source=Entry.Source.MANUAL,
        recorded_by=recorded_by,
        key=key,
        photos=checked,
    )


# --- Review ----------------------------------------------------------------------------------


def _entry_for_review(entry: Entry, reviewer) -> Entry:
    entry = Entry.objects.select_related("household__microgrid__grid__village").get(pk=entry.pk)
    village = entry.household.microgrid.grid.village
    if not has_village_role(reviewer, Capability.REVIEW_POINTS, village):
        raise PermissionDenied(
            _("Only the assessment group of %(village)s reviews its entries.")
            % {"village": village.name}
        )
    if entry.recorded_by_id == reviewer.pk:
        raise ValidationError(
            _("Nobody reviews their own entry: another member of the assessment group must."),
            code="own_entry",
        )
    return entry


def _already_reviewed(current: Entry, reviewer, wanted: str) -> Entry:
    """A repeated click on the same decision returns the entry; anything else is refused."""
    if current.status == wanted and current.reviewed_by_id == reviewer.pk:
        return current
    raise ValidationError(
        _("This entry was already reviewed (%(status)s). Reload the page.")
        % {"status": current.get_status_display()},
        code="already_reviewed",
    )


def ranking_month_for(*, village, deed_date: datetime.date) -> datetime.date:
    """The month an entry approved now counts in: its deed's month, or this month when the
    village's ranking for the deed's month is already published (the snapshot stays frozen).

    Takes the deed month's advisory lock in shared mode: publication takes it exclusively, so
    an approval either commits before the month's ranking is computed (and is in it) or sees
    the publication and counts in the current month. No approval falls between the two."""
    month = month_start(deed_date)
    advisory_lock(LOCK_RANKING_MONTH, month.year * 100 + month.month, shared=True)
    if RankingPublication.objects.filter(village=village, month=month).exists():
        return month_start(timezone.localdate())
    return month


@transaction.atomic(durable=True)
def entry_approve(*, entry: Entry, reviewer) -> Entry:
    """Approve a pending entry and move the balance by its points, in one transaction.

    Decision: a deduction (or reversal) that would take the balance below zero is refused
    with the amounts shown, not clipped: points already spent at the supermarket cannot be
    taken back, and a silently smaller deduction would make the ledger say one thing and the
    balance another. The assessor rejects it or has a smaller deduction recorded.

    Approving twice (a double click) returns the approved entry; there is no key to give
    because the compare-and-set on the status is itself idempotent."""
    entry = _entry_for_review(entry, reviewer)
    account = account_for_update(household=entry.household)
    current = Entry.objects.get(pk=entry.pk)
    if current.status != Entry.Status.PENDING:
        return _already_reviewed(current, reviewer, Entry.Status.APPROVED)
    if account.balance + current.points < 0:
        raise ValidationError(
            _(
                "Approving this deduction of %(points)s points would take household "
                "%(number)s's balance of %(balance)s points below zero. Reject it, or record "
                "a smaller deduction."
            )
            % {
                "points": -current.points,
                "number": entry.household.number,
                "balance": account.balance,
            },
            code="overdraw",
        )
    now = timezone.now()
    month = ranking_month_for(
        village=entry.household.microgrid.grid.village, deed_date=current.deed_date
    )
    updated = Entry.objects.filter(pk=current.pk, status=Entry.Status.PENDING).update(
        status=Entry.Status.APPROVED, reviewed_by=reviewer, reviewed_at=now, ranking_month=month
    )
    if updated != 1:
        raise ValidationError(_("Someone reviewed this entry at the same moment. Reload the page."))
    PointsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + current.points)
    village_id = entry.household.microgrid.grid.village_id
    transaction.on_commit(lambda: forget_standings(village_id=village_id, month=month))
    current.refresh_from_db()
    return current


@transaction.atomic(durable=True)
def entry_reject(*, entry: Entry, reviewer, reason: str) -> Entry:
    """Reject a pending entry with the reason the household will read; the balance is
    untouched."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for rejecting the entry.")})
    entry = _entry_for_review(entry, reviewer)
    account_for_update(household=entry.household)
    current = Entry.objects.get(pk=entry.pk)
    if current.status != Entry.Status.PENDING:
        return _already_reviewed(current, reviewer, Entry.Status.REJECTED)
    updated = Entry.objects.filter(pk=current.pk, status=Entry.Status.PENDING).update(
        status=Entry.Status.REJECTED,
        reviewed_by=reviewer,
        reviewed_at=timezone.now(),
        reject_reason=reason,
    )
    if updated != 1:
        raise ValidationError(_("Someone reviewed this entry at the same moment. Reload the page."))
    current.refresh_from_db()
    return current


@transaction.atomic(durable=True)
def entry_reverse(*, entry: Entry, by, reason: str, idempotency_key: str) -> Entry:
    """Propose undoing an approved entry: a pending reversal entry with the opposite points,
    the same rule and deed date, citing the original, which an assessor other than `by`
    reviews like any entry (a correction is as consequential as the entry it corrects).

    Once approved it counts in the original's ranking month unless that month is published,
    then in the approval's month. One live reversal per entry (a rejected one leaves room for
    another); reversals themselves are not reversed: record a new entry instead."""
    key = clean_key(idempotency_key)
    reason = (reason or "").strip()
    original = Entry.objects.select_related("household__microgrid__grid__village", "rule").get(
        pk=entry.pk
    )
    village = original.household.microgrid.grid.village
    if not has_village_role(by, Capability.RECORD_POINTS, village):
        raise PermissionDenied(
            _("Only the clerk or the assessment group of %(village)s record its points.")
            % {"village": village.name}
        )
    account_for_update(household=original.household)
    existing = Entry.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if _same_entry(existing, reverses_id=original.pk, basis=reason, recorded_by_id=by.pk):
            return existing
        raise replayed_with_other_content()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    if original.source == Entry.Source.REVERSAL:
        raise ValidationError(
            _("A reversal is not reversed again: record a new entry instead."), code="reversal"
        )
    if original.status != Entry.Status.APPROVED:
        raise ValidationError(
            _("Only approved entries are reversed; a pending entry is rejected instead."),
            code="not_approved",
        )
    live = original.reversals.exclude(status=Entry.Status.REJECTED).first()
    if live is not None:
        raise ValidationError(
            _("This entry already has a reversal (entry %(id)s, %(status)s).")
            % {"id": live.pk, "status": live.get_status_display()},
            code="already_reversed",
        )
    return _create_entry(
        household=original.household,
        rule=original.rule,
        points=-original.points,
        deed_date=original.deed_date,
        basis=reason,
        method=original.method,
        source=Entry.Source.REVERSAL,
        recorded_by=by,
        key=key,
        photos=[],
        reverses=original,
    )


# --- The hook other apps call ----------------------------------------------------------------


@dataclass
class Proposal:
    """What `entry_propose` did: the pending entry, or why the household was skipped."""

    entry: Entry | None
    skipped: str = ""

    @property
    def created(self) -> bool:
        return self.entry is not None


@transaction.atomic
def entry_propose(
    *,
    household: Household,
    rule_code: str,
    deed_date: datetime.date,
    basis: str,
    source: str = Entry.Source.VOLUNTEER,
    idempotency_key: str,
    proposed_by,
    points: int | None = None,
) -> Proposal:
    """Propose a pending entry from another app (the volunteers app, for a member's service
    hours). The calling app has checked its own permissions; the entry waits for the
    village's assessment group like any other.

    A household that cannot be scored (no pact, inactive, cap reached, no such rule on that
    date) is not an error for the caller, whose own record stands: it gets a Proposal with
    `skipped` saying why, and nothing is written. `points` may set the size (for example by
    hours served) but keeps the rule's sign. A retry with the same key returns the entry."""
    key = clean_key(idempotency_key)
    household = _household_for_points(household)
    village = household.microgrid.grid.village
    rule = Rule.objects.filter(town_id=village.town_id, code=rule_code).first()
    if rule is None:
        return Proposal(None, _("The rulebook has no rule %(code)s.") % {"code": rule_code})
    points = rule.points if points is None else points
    if points == 0 or (points > 0) != (rule.points > 0):
        raise ValueError(f"points {points} must be non-zero with the sign of rule {rule.code}")
    basis = (basis or "").strip()
    if not basis:
        raise ValueError("a proposal needs a basis")
    account_for_update(household=household)
    existing = Entry.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if _same_entry(existing, household_id=household.pk, rule_id=rule.pk, points=points):
            return Proposal(existing)
        raise replayed_with_other_content()
    errors = _check_scorable(household=household, rule=rule, points=points, deed_date=deed_date)
    if rule.requires_photo:
        errors.setdefault(
            "photos",
            ValidationError(
                _("Rule %(code)s needs photo evidence: record it by hand.") % {"code": rule.code}
            ),
        )
    if errors:
        return Proposal(None, " ".join(m for e in errors.values() for m in e.messages))
    entry = _create_entry(
        household=household,
        rule=rule,
        points=points,
        deed_date=deed_date,
        basis=basis,
        method=Entry.Method.ACTIVITY_RECORD,
        source=source,
        recorded_by=proposed_by,
        key=key,
        photos=[],
    )
    return Proposal(entry)
