import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from huaisi.roles import RoleKind
from points.models import Entry
from volunteers import services
from volunteers.models import Activity, Decision, Membership, Participation, Project, Wish

from .conftest import photo_upload

DAY = datetime.date(2026, 3, 14)


def log(team, by, people_hours, *, key, date=DAY, **extra):
    return services.activity_log(
        team=team,
        by=by,
        kind=extra.pop("kind", "cleanup"),
        date=date,
        place="村部广场",
        village=team.village,
        description="清理垃圾",
        participants=people_hours,
        idempotency_key=key,
        **extra,
    )


@pytest.mark.django_db
def test_hours_over_24_in_a_day_are_refused_and_nothing_is_saved(team, members, role_users):
    leader = role_users[RoleKind.VOLUNTEER_LEADER]
    log(team, leader, [(members["linked"], "20")], key="k1")
    before = (Activity.objects.count(), Participation.objects.count())
    with pytest.raises(ValidationError) as caught:
        log(team, leader, [(members["plain"], "2"), (members["linked"], "5")], key="k2")
    message = " ".join(caught.value.messages)
    assert "李志愿 already has 20 hours logged on 2026-03-14" in message
    assert "24 hours in one day" in message
    assert (Activity.objects.count(), Participation.objects.count()) == before
    # Another day is fine, and exactly 24 on the first day too.
    log(team, leader, [(members["linked"], "4")], key="k3")
    assert Participation.objects.filter(volunteer=members["linked"]).count() == 2


@pytest.mark.django_db
def test_participants_must_be_members_on_the_day(team, members, role_users, area):
    leader = role_users[RoleKind.VOLUNTEER_LEADER]
    Membership.objects.filter(volunteer=members["plain"]).update(left_on=datetime.date(2026, 1, 1))
    with pytest.raises(ValidationError) as caught:
        log(team, leader, [(members["plain"], "2")], key="k1")
    assert "赵热心 was not a member of 第1村志愿服务队 on 2026-03-14" in caught.value.messages[0]
    assert not Activity.objects.exists()


@pytest.mark.django_db
def test_publicity_counts_only_on_publicity(team, members, role_users):
    leader = role_users[RoleKind.VOLUNTEER_LEADER]
    with pytest.raises(ValidationError) as caught:
        log(team, leader, [(members["plain"], "2")], key="k1", counts={"leaflets": 30})
    assert "for publicity only" in caught.value.messages[0]
    activity = log(
        team,
        leader,
        [(members["plain"], "2")],
        key="k2",
        kind="publicity",
        counts={"leaflets": 30, "lectures": 1, "lecture_attendance": 45},
        photos=[photo_upload()],
    )
    assert (activity.leaflets, activity.lecture_attendance) == (30, 45)
    assert activity.photos.count() == 1


@pytest.mark.django_db
def test_confirming_proposes_one_pending_entry_even_when_confirmed_twice(
    team, members, role_users, rule, household
):
    leader = role_users[RoleKind.VOLUNTEER_LEADER]
    activity = log(team, leader, [(members["linked"], "3"), (members["plain"], "2")], key="k1")
    assert not Entry.objects.exists()
    services.activity_confirm(activity=activity, by=leader)
    entry = Entry.objects.get()
    assert entry.household == household
    assert entry.status == Entry.Status.PENDING
    assert entry.source == Entry.Source.VOLUNTEER
    assert entry.points == 5
    assert "3 h" in entry.basis
    with pytest.raises(ValidationError) as caught:
        services.activity_confirm(activity=activity, by=leader)
    assert caught.value.code == "already_confirmed"
    assert Entry.objects.count() == 1
    plain = Participation.objects.get(volunteer=members["plain"])
    assert plain.point_entry is None and "Not linked" in plain.points_note


@pytest.mark.django_db
def test_only_the_team_leader_side_confirms(team, members, role_users, other_role_users, rule):
    activity = log(team, role_users[RoleKind.GRID_LEADER], [(members["plain"], "2")], key="k1")
    for user in (role_users[RoleKind.GRID_LEADER], other_role_users[RoleKind.VOLUNTEER_LEADER]):
        with pytest.raises(PermissionDenied):
            services.activity_confirm(activity=activity, by=user)
    assert Activity.objects.get().status == Activity.Status.LOGGED


@pytest.mark.django_db
def test_a_household_without_the_pact_is_skipped_with_a_reason(
    team, members, role_users, rule, household
):
    household.pact_signed_on = None
    household.save(update_fields=["pact_signed_on"])
    leader = role_users[RoleKind.VOLUNTEER_LEADER]
    activity = log(team, leader, [(members["linked"], "3")], key="k1")
    services.activity_confirm(activity=activity, by=leader)
    assert not Entry.objects.exists()
    assert "civility pact" in Participation.objects.get().points_note


@pytest.mark.django_db
def test_leaving_and_rejoining_keeps_the_history(team, members, role_users):
    leader = role_users[RoleKind.VOLUNTEER_LEADER]
    membership = Membership.objects.get(volunteer=members["plain"])
    services.membership_end(membership=membership, by=leader, left_on=datetime.date(2025, 6, 1))
    with pytest.raises(ValidationError):
        services.membership_end(membership=membership, by=leader, left_on=datetime.date(2025, 7, 1))
    with pytest.raises(ValidationError) as caught:
        services.membership_add(
            team=team,
            by=leader,
            role="publicist",
            joined_on=datetime.date(2025, 5, 1),
            volunteer=members["plain"],
        )
    assert "rejoining must be later" in caught.value.messages[0]
    services.membership_add(
        team=team,
        by=leader,
        role="publicist",
        joined_on=datetime.date(2025, 9, 1),
        volunteer=members["plain"],
    )
    rows = list(
        Membership.objects.filter(volunteer=members["plain"])
        .order_by("joined_on")
        .values_list("joined_on", "left_on")
    )
    assert rows == [
        (datetime.date(2025, 1, 1), datetime.date(2025, 6, 1)),
        (datetime.date(2025, 9, 1), None),
    ]


@pytest.mark.django_db
def test_a_new_member_is_linked_to_the_register_by_name_and_phone(team, role_users, resident):
    leader = role_users[RoleKind.VOLUNTEER_LEADER]
    Membership.objects.all().delete()
    m = services.membership_add(
        team=team,
        by=leader,
        role="manager",
        joined_on=datetime.date(2025, 2, 1),
        name="李志愿",
        phone="139 1234 5678",
    )
    assert m.volunteer.resident == resident


@pytest.mark.django_db
def test_certificate_states_confirmed_hours_and_is_found_by_its_code(
    team, members, role_users, rule
):
    leader = role_users[RoleKind.VOLUNTEER_LEADER]
    first = log(team, leader, [(members["plain"], "2.5")], key="k1")
    log(team, leader, [(members["plain"], "4")], key="k2", date=DAY + datetime.timedelta(days=1))
    services.activity_confirm(activity=first, by=leader)
    certificate = services.certificate_issue(
        volunteer=members["plain"],
        by=leader,
        period_from=datetime.date(2026, 1, 1),
        period_to=datetime.date(2026, 6, 30),
    )
    assert certificate.hours == Decimal("2.5")  # the unconfirmed 4 hours do not count
    assert certificate.teams == "第1村志愿服务队"
    typed = f"{certificate.code[:4].lower()}-{certificate.code[4:8]} {certificate.code[8:]}"
    assert services.normalise_code(typed) == certificate.code


@pytest.fixture
def wish(resident, role_users):
    return services.wish_record(
        resident=resident, by=role_users[RoleKind.MICROGRID_WORKER], title="修理屋顶"
    )


@pytest.mark.django_db
def test_a_wish_goes_from_recorded_to_closed(wish, team, role_users):
    leader = role_users[RoleKind.VOLUNTEER_LEADER]
    services.wish_claim(wish=wish, team=team, by=leader)
    with pytest.raises(ValidationError) as caught:
        services.wish_fulfil(wish=wish, by=leader, fulfilment="已修好", photos=[])
    assert "at least one photo" in caught.value.messages[0]
    services.wish_fulfil(wish=wish, by=leader, fulfilment="已修好", photos=[photo_upload()])
    services.wish_close(
        wish=wish, by=role_users[RoleKind.MICROGRID_WORKER], feedback="很满意", satisfied=True
    )
    wish.refresh_from_db()
    assert wish.status == Wish.Status.CLOSED and wish.photos.count() == 1


@pytest.mark.django_db
def test_a_second_claim_is_refused_and_changes_nothing(wish, team, role_users, area):
    from volunteers.models import Team

    safety = Team.objects.create(
        town=area.town,
        village=None,
        name="槐小保",
        service_type="safety",
        leader=role_users[RoleKind.VOLUNTEER_LEADER],
        leader_name="张",
    )
    leader = role_users[RoleKind.VOLUNTEER_LEADER]
    services.wish_claim(wish=wish, team=team, by=leader)
    with pytest.raises(ValidationError) as caught:
        services.wish_claim(wish=wish, team=safety, by=leader)
    assert caught.value.messages == ["This wish was already claimed by 第1村志愿服务队."]
    wish.refresh_from_db()
    assert wish.team == team


@pytest.mark.django_db(transaction=True)
def test_two_claims_at_the_same_moment_give_one_claim(area, role_users, resident):
    from volunteers.models import Team

    leader = role_users[RoleKind.VOLUNTEER_LEADER]
    teams = [
        Team.objects.create(
            town=area.town,
            village=area.v1,
            name=f"队{n}",
            service_type="general",
            leader=leader,
            leader_name="王",
        )
        for n in (1, 2)
    ]
    wish = services.wish_record(
        resident=resident, by=role_users[RoleKind.MICROGRID_WORKER], title="轮椅"
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def claim(team):
        try:
            barrier.wait()
            services.wish_claim(wish=wish, team=team, by=leader)
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(t,)) for t in teams]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already_claimed", "ok"]
    assert Wish.objects.get().status == Wish.Status.CLAIMED


@pytest.fixture
def project(area, role_users):
    return services.project_create(
        village=area.v1,
        by=role_users[RoleKind.VILLAGE_CLERK],
        year=2026,
        title="一组道路硬化",
        category="road",
        lead_name="张书记",
        budget="380000",
    )


@pytest.mark.django_db
def test_votes_may_not_exceed_attendance(project, role_users):
    clerk = role_users[RoleKind.VILLAGE_CLERK]
    with pytest.raises(ValidationError) as caught:
        services.decision_record(
            project=project,
            by=clerk,
            meeting_date=datetime.date(2026, 3, 1),
            attendance=40,
            votes_for=35,
            votes_against=5,
            abstentions=2,
            minutes="表决",
        )
    assert "cannot exceed the attendance" in caught.value.message_dict["votes_for"][0]
    assert not Decision.objects.exists()
    # The database refuses it too, whatever path the write takes.
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(
            project=project,
            meeting_date=datetime.date(2026, 3, 1),
            attendance=40,
            votes_for=41,
            votes_against=0,
            minutes="x",
            recorded_by=clerk,
            recorded_at="2026-03-01T10:00+08:00",
        )


@pytest.mark.django_db
def test_work_starts_only_after_a_passing_vote(project, role_users):
    clerk = role_users[RoleKind.VILLAGE_CLERK]
    with pytest.raises(ValidationError):
        services.project_start(project=project, by=clerk, started_on=datetime.date(2026, 4, 1))
    services.decision_record(
        project=project,
        by=clerk,
        meeting_date=datetime.date(2026, 3, 1),
        attendance=40,
        votes_for=20,
        votes_against=18,
        abstentions=2,
        minutes="表决",
    )
    with pytest.raises(ValidationError):  # 20 of 40 is not more than half
        services.project_start(project=project, by=clerk, started_on=datetime.date(2026, 4, 1))
    services.decision_record(
        project=project,
        by=clerk,
        meeting_date=datetime.date(2026, 3, 1),
        attendance=40,
        votes_for=33,
        votes_against=5,
        abstentions=2,
        minutes="表决",
    )
    services.project_start(project=project, by=clerk, started_on=datetime.date(2026, 4, 1))
    services.progress_add(
        project=project,
        by=clerk,
        date=datetime.date(2026, 5, 1),
        note="路基完成",
        percent=40,
        photos=[photo_upload()],
    )
    services.project_complete(
        project=project, by=clerk, completed_on=datetime.date(2026, 6, 1), note="完工验收"
    )
    project.refresh_from_db()
    assert project.status == Project.Status.COMPLETED


@pytest.mark.django_db
def test_projects_are_for_their_village_clerk(area, other_role_users):
    with pytest.raises(PermissionDenied):
        services.project_create(
            village=area.v1,
            by=other_role_users[RoleKind.VILLAGE_CLERK],
            year=2026,
            title="x",
            category="road",
            lead_name="张",
            budget=1,
        )
