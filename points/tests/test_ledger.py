"""Recording, reviewing and reversing entries: who may, what is refused (with a clear
message, nothing written), what the database itself refuses, and retries."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from huaisi.periods import month_start
from points import services
from points.models import Entry, EntryPhoto, PointsAccount, RankingPublication
from points.tests.conftest import earn, key, last_month, new_household, record
from points.tests.test_uploads import jpeg_bytes

pytestmark = pytest.mark.django_db


def balance(household) -> int:
    return PointsAccount.objects.get(household=household).balance


def test_clerk_records_assessor_approves_and_the_balance_moves(household, rules, staff):
    entry = record(household, rules["mediation"], staff, basis="调解王李两家宅基地纠纷")
    assert entry.status == Entry.Status.PENDING
    assert entry.points == 10
    assert balance(household) == 0  # pending entries do not count

    approved = services.entry_approve(entry=entry, reviewer=staff["assessor"])
    assert approved.status == Entry.Status.APPROVED
    assert approved.reviewed_by == staff["assessor"]
    assert approved.ranking_month == month_start(timezone.localdate())
    assert balance(household) == 10
    account = PointsAccount.objects.get(household=household)
    assert account.passbook_number == "V100001"


def test_changing_a_rule_leaves_entries_as_given(household, rules, staff):
    entry = earn(household, rules["mediation"], staff)
    services.rule_update(rule=rules["mediation"], by=staff["town_admin"], points=30)
    entry.refresh_from_db()
    assert entry.points == 10
    assert record(household, rules["mediation"], staff).points == 30


def test_household_without_pact_is_not_scored(area, rules, staff):
    unsigned = new_household(area.m111, pact=None)
    with pytest.raises(ValidationError) as info:
        record(unsigned, rules["mediation"], staff)
    assert "has not signed the civility pact" in str(info.value)
    assert not Entry.objects.exists()


def test_deed_before_the_pact_or_outside_the_rule_is_refused(area, rules, staff):
    household = new_household(area.m111, pact=datetime.date(2026, 3, 1))
    with pytest.raises(ValidationError, match="signed the civility pact on 2026-03-01"):
        record(household, rules["mediation"], staff, deed_date=datetime.date(2026, 2, 28))
    services.rule_update(
        rule=rules["mediation"], by=staff["town_admin"], valid_to=datetime.date(2026, 3, 31)
    )
    with pytest.raises(ValidationError, match="falls outside it"):
        record(household, rules["mediation"], staff, deed_date=datetime.date(2026, 4, 1))
    with pytest.raises(ValidationError, match="in the future"):
        record(
            household,
            rules["mediation"],
            staff,
            deed_date=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert not Entry.objects.exists()


def test_photo_rule_needs_a_photo_and_keeps_a_checked_copy(household, rules, staff):
    with pytest.raises(ValidationError, match="needs photo evidence"):
        record(household, rules["photo"], staff)
    with pytest.raises(ValidationError, match="not a photo we can read"):
        record(
            household, rules["photo"], staff,
            photos=[SimpleUploadedFile("yard.jpg", b"%PDF-1.4 not a picture")],
        )  # fmt: skip
    assert not Entry.objects.exists()
    entry = record(
        household, rules["photo"], staff,
        photos=[SimpleUploadedFile("yard.jpg", jpeg_bytes(3000, 1500))],
    )  # fmt: skip
    photo = EntryPhoto.objects.get(entry=entry)
    assert (photo.width, photo.height) == (2048, 1024)
    assert photo.thumbnail.name.endswith(".jpg")


def test_monthly_cap_counts_pending_entries(household, rules, staff):
    day = timezone.localdate()
    record(household, rules["volunteer"], staff, deed_date=day)
    record(household, rules["volunteer"], staff, deed_date=day)
    with pytest.raises(ValidationError) as info:
        record(household, rules["volunteer"], staff, deed_date=day)
    message = " ".join(info.value.messages)
    assert "at most 10 points a month" in message and "already has 10" in message
    assert Entry.objects.count() == 2
    # Another month has its own cap.
    earlier = month_start(day) - datetime.timedelta(days=3)
    assert record(household, rules["volunteer"], staff, deed_date=earlier).points == 5


def test_a_reversed_entry_frees_its_cap(household, rules, staff):
    first = earn(household, rules["volunteer"], staff)
    earn(household, rules["volunteer"], staff)
    reversal = services.entry_reverse(
        entry=first, by=staff["clerk"], reason="重复登记", idempotency_key=key()
    )
    services.entry_approve(entry=reversal, reviewer=staff["assessor"])
    assert record(household, rules["volunteer"], staff).points == 5


def test_only_village_recorders_record(household, area, rules, staff, other_role_users):
    from huaisi.roles import RoleKind

    for user in (staff["grid_leader"], other_role_users[RoleKind.VILLAGE_CLERK]):
        with pytest.raises(PermissionDenied):
            services.entry_record(
                household=household, rule=rules["mediation"], deed_date=timezone.localdate(),
                basis="x", method="site_visit", recorded_by=user, idempotency_key=key(),
            )  # fmt: skip
    # The town administrator and the assessment group record too.
    for user in (staff["town_admin"], staff["assessor"]):
        services.entry_record(
            household=household, rule=rules["mediation"], deed_date=timezone.localdate(),
            basis="x", method="site_visit", recorded_by=user, idempotency_key=key(),
        )  # fmt: skip
    assert Entry.objects.count() == 2


def test_nobody_approves_their_own_entry(household, rules, staff):
    own = services.entry_record(
        household=household, rule=rules["mediation"], deed_date=timezone.localdate(),
        basis="考评组走访", method="site_visit", recorded_by=staff["assessor"],
        idempotency_key=key(),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="Nobody reviews their own entry"):
        services.entry_approve(entry=own, reviewer=staff["assessor"])
    # Only an assessor of the entry's village reviews; a clerk or another village's may not.
    for user in (staff["clerk"], staff["assessor_v2"]):
        with pytest.raises(PermissionDenied):
            services.entry_approve(entry=own, reviewer=user)
    assert services.entry_approve(entry=own, reviewer=staff["assessor_b"]).status == "approved"


def test_database_refuses_self_review_even_bypassing_the_services(household, rules, staff):
    entry = record(household, rules["mediation"], staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(
            status="approved",
            reviewed_by=staff["clerk"],
            ranking_month=month_start(entry.deed_date),
        )


def _raw(sql: str, params) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_database_refuses_changing_or_deleting_an_approved_entry(household, rules, staff):
    entry = earn(household, rules["mediation"], staff)
    for sql in (
        "UPDATE points_entry SET points = 1000 WHERE id = %s",
        "UPDATE points_entry SET basis = 'changed' WHERE id = %s",
        "UPDATE points_entry SET status = 'rejected', reject_reason = 'x' WHERE id = %s",
        "DELETE FROM points_entry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError):
            _raw(sql, [entry.pk])
    entry.refresh_from_db()
    assert (entry.points, entry.status, entry.basis) == (10, "approved", "依据")


def test_database_lets_a_pending_entry_change_only_by_its_review(household, rules, staff):
    entry = record(household, rules["mediation"], staff)
    with pytest.raises(DatabaseError):
        _raw("UPDATE points_entry SET points = 99 WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError):
        _raw("DELETE FROM points_entry WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.points == 10


def test_reject_needs_a_reason_and_is_final(household, rules, staff):
    entry = record(household, rules["mediation"], staff)
    with pytest.raises(ValidationError, match="Give the reason"):
        services.entry_reject(entry=entry, reviewer=staff["assessor"], reason="  ")
    rejected = services.entry_reject(entry=entry, reviewer=staff["assessor"], reason="证据不足")
    assert rejected.reject_reason == "证据不足"
    with pytest.raises(ValidationError, match="already reviewed"):
        services.entry_approve(entry=entry, reviewer=staff["assessor"])
    assert balance(household) == 0


def test_double_click_on_approve_counts_once(household, rules, staff):
    entry = record(household, rules["mediation"], staff)
    services.entry_approve(entry=entry, reviewer=staff["assessor"])
    services.entry_approve(entry=entry, reviewer=staff["assessor"])
    assert balance(household) == 10
    with pytest.raises(ValidationError, match="already reviewed"):
        services.entry_approve(entry=entry, reviewer=staff["assessor_b"])


def test_reversal_is_reviewed_and_undoes_the_entry(household, rules, staff):
    original = earn(household, rules["mediation"], staff)
    with pytest.raises(ValidationError, match="Give the reason"):
        services.entry_reverse(entry=original, by=staff["clerk"], reason="", idempotency_key=key())
    reversal = services.entry_reverse(
        entry=original, by=staff["clerk"], reason="登记错户", idempotency_key=key()
    )
    assert (reversal.points, reversal.reverses_id, reversal.status) == (-10, original.pk, "pending")
    assert balance(household) == 10
    with pytest.raises(ValidationError, match="already has a reversal"):
        services.entry_reverse(
            entry=original, by=staff["clerk"], reason="again", idempotency_key=key()
        )
    services.entry_approve(entry=reversal, reviewer=staff["assessor"])
    assert balance(household) == 0
    with pytest.raises(ValidationError, match="not reversed again"):
        services.entry_reverse(entry=reversal, by=staff["clerk"], reason="x", idempotency_key=key())
    pending = record(household, rules["mediation"], staff)
    with pytest.raises(ValidationError, match="Only approved entries are reversed"):
        services.entry_reverse(entry=pending, by=staff["clerk"], reason="x", idempotency_key=key())


def test_deduction_beyond_the_balance_is_refused_with_the_amounts(household, rules, staff):
    earn(household, rules["mediation"], staff)
    deduction = record(household, rules["burning"], staff, basis="田间焚烧秸秆")
    with pytest.raises(ValidationError) as info:
        services.entry_approve(entry=deduction, reviewer=staff["assessor"])
    message = info.value.messages[0]
    assert "deduction of 20 points" in message and "balance of 10 points" in message
    deduction.refresh_from_db()
    assert deduction.status == "pending"
    assert balance(household) == 10


def test_retry_with_the_same_key_returns_the_first_entry(household, rules, staff):
    first = record(household, rules["mediation"], staff, idempotency_key="k-1")
    again = record(household, rules["mediation"], staff, idempotency_key="k-1")
    assert again.pk == first.pk
    with pytest.raises(ValidationError, match="already sent with different content"):
        record(household, rules["mediation"], staff, idempotency_key="k-1", basis="另一件事")
    assert Entry.objects.count() == 1


def test_late_approval_counts_in_the_month_it_is_approved(household, area, rules, staff):
    month = last_month()
    late = record(
        household, rules["mediation"], staff, deed_date=month + datetime.timedelta(days=3)
    )
    on_time = record(
        household, rules["mediation"], staff, deed_date=month + datetime.timedelta(days=4)
    )
    services.entry_approve(entry=on_time, reviewer=staff["assessor"])
    services.ranking_publish(month=month)
    services.entry_approve(entry=late, reviewer=staff["assessor"])
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert on_time.ranking_month == month
    assert late.ranking_month == month_start(timezone.localdate())
    publication = RankingPublication.objects.get(village=area.v1, month=month)
    assert publication.rows.get(household=household).points == 10  # the frozen snapshot


def test_proposals_from_other_apps_wait_for_review_or_say_why_not(area, household, rules, staff):
    volunteer_leader = staff["clerk"]
    proposal = services.entry_propose(
        household=household, rule_code="MF-01", deed_date=timezone.localdate(),
        basis="参加河道清理志愿活动 2 小时", idempotency_key="vol-1", proposed_by=volunteer_leader,
    )  # fmt: skip
    assert proposal.created and proposal.entry.status == "pending"
    assert proposal.entry.source == Entry.Source.VOLUNTEER
    retry = services.entry_propose(
        household=household, rule_code="MF-01", deed_date=timezone.localdate(),
        basis="参加河道清理志愿活动 2 小时", idempotency_key="vol-1", proposed_by=volunteer_leader,
    )  # fmt: skip
    assert retry.entry.pk == proposal.entry.pk
    unsigned = new_household(area.m111, pact=None)
    skipped = services.entry_propose(
        household=unsigned, rule_code="MF-01", deed_date=timezone.localdate(),
        basis="志愿服务", idempotency_key="vol-2", proposed_by=volunteer_leader,
    )  # fmt: skip
    assert not skipped.created and "has not signed the civility pact" in skipped.skipped
    assert Entry.objects.count() == 1
