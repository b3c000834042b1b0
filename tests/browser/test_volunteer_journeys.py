"""Volunteer work in a phone browser: a team leader logs and confirms hours, which propose a
point entry for a member's household; a micro-wish goes from recorded to closed; a livelihood
project shows the villagers' vote on its page and on the village's public list. The last test
shoots the volunteers pages at both sizes and checks that nothing scrolls sideways."""

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from households.models import Household, Resident
from huaisi.roles import RoleKind
from points.models import VOLUNTEER_RULE_CODE, Entry, Rule
from volunteers import services
from volunteers.models import Activity, Membership, Project, Team, Volunteer, Wish

from .test_phone_layout import OVERFLOW_REPORT

pytestmark = pytest.mark.browser

JOINED = datetime.date(2025, 1, 1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": "/media/"},
        },
    }


@pytest.fixture
def rule(area):
    return Rule.objects.create(
        town=area.town,
        code=VOLUNTEER_RULE_CODE,
        group="civil_customs",
        category="志愿服务",
        title="参加志愿服务活动",
        points=5,
        monthly_cap=20,
        valid_from=datetime.date(2025, 1, 1),
    )


@pytest.fixture
def household(area):
    """A household of V1G1M1 that signed the civility pact."""
    return Household.objects.create(
        number="HS-0101", microgrid=area.m111, pact_signed_on=datetime.date(2025, 1, 1)
    )


@pytest.fixture
def resident(household):
    return Resident.objects.create(
        household=household,
        name="李志愿",
        name_initials="lzy",
        name_pinyin="lizhiyuan",
        gender="F",
        birth_date=datetime.date(1980, 5, 1),
        phone="13912345678",
        relation="head",
    )


@pytest.fixture
def team(area, staff):
    return Team.objects.create(
        town=area.town,
        village=area.v1,
        name="第1村志愿服务队",
        service_type="general",
        leader=staff[RoleKind.VOLUNTEER_LEADER],
        leader_name="郑晓燕",
    )


@pytest.fixture
def members(team, area, resident):
    """Two members: one linked to the register's resident, one known by name only."""
    linked = Volunteer.objects.create(
        town=area.town, village=area.v1, name=resident.name, resident=resident, phone=resident.phone
    )
    plain = Volunteer.objects.create(town=area.town, village=area.v1, name="赵热心")
    for person in (linked, plain):
        Membership.objects.create(team=team, volunteer=person, role="patroller", joined_on=JOINED)
    return {"linked": linked, "plain": plain}


def _jpeg(path) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 140, 90)).save(buffer, format="JPEG", quality=80)
    path.write_bytes(buffer.getvalue())
    return str(path)


def _second_page(browser, viewport: str = "phone"):
    """Another person's device: a context of its own, so the two log-ins do not mix."""
    from .conftest import VIEWPORTS

    context = browser.new_context(
        **VIEWPORTS[viewport], locale="en-US", timezone_id="Asia/Shanghai"
    )
    return context, context.new_page()


def test_confirmed_hours_propose_a_pending_entry_for_the_household(
    phone_page, browser, url, login, staff, area, team, members, household, rule, zh, screenshot
):
    page = phone_page
    leader = staff[RoleKind.VOLUNTEER_LEADER]
    login(page, leader)
    page.goto(url(f"/volunteers/teams/{team.pk}/"))
    page.get_by_role("link", name=zh("Log an activity")).click()
    page.select_option("#id_kind", "patrol")
    page.fill("#id_place", "村东河道")
    page.fill("#id_description", "与网格员联合巡查河道，劝离钓鱼人员")
    page.fill(f"#id_hours_{members['linked'].pk}", "3")
    page.fill(f"#id_hours_{members['plain'].pk}", "2.5")
    screenshot(page, "volunteer-activity-form")
    page.get_by_role("button", name=zh("Log the activity")).click()

    expect(page.locator("h1 .status")).to_have_text(zh("Waiting for confirmation"))
    activity = Activity.objects.get()
    assert Entry.objects.count() == 0  # logged hours do not count yet
    screenshot(page, "volunteer-activity-logged")

    page.get_by_role("button", name=zh("Confirm the hours")).click()
    expect(page.locator("h1 .status")).to_have_text(zh("Confirmed"))
    linked_row = page.locator("tr", has_text="李志愿")
    expect(linked_row).to_contain_text(zh("Waiting for review"))
    expect(page.locator("tr", has_text="赵热心")).to_contain_text(
        zh("Not linked to a registered resident: no points.")
    )
    expect(page.get_by_role("button", name=zh("Confirm the hours"))).to_have_count(0)
    screenshot(page, "volunteer-activity-confirmed")

    entry = Entry.objects.get()
    assert (entry.household_id, entry.status, entry.points) == (household.pk, "pending", 5)
    assert entry.rule_id == rule.pk and team.name in entry.basis and "村东河道" in entry.basis
    activity.refresh_from_db()
    assert activity.status == "confirmed"

    # The volunteer's page now counts the hours.
    page.get_by_role("link", name="李志愿").first.click()
    expect(page.locator(".hours-table td.num").last).to_have_text("3")
    screenshot(page, "volunteer-detail")

    # The assessment group sees it waiting for review on the household's points page.
    context, desk = _second_page(browser, "desktop")
    try:
        login(desk, staff[RoleKind.ASSESSOR])
        desk.goto(url(f"/points/households/{household.pk}/"))
        pending = desk.locator("h3", has_text=zh("Waiting for review (not yet counted)"))
        expect(pending).to_be_visible()
        expect(desk.locator("main")).to_contain_text("参加志愿服务活动")
        expect(desk.locator("main")).to_contain_text(team.name)
        screenshot(desk, "volunteer-points-pending")
    finally:
        context.close()


def test_a_micro_wish_goes_from_recorded_to_closed(
    phone_page, browser, url, login, staff, area, team, resident, zh, tmp_path, screenshot
):
    worker = staff[RoleKind.MICROGRID_WORKER]
    page = phone_page
    login(page, worker)
    page.goto(url("/volunteers/wishes/new/"))
    page.fill("#wish-resident-q", "李志")
    page.locator("#resident-results a.result", has_text="李志愿").click()
    page.fill("#id_title", "想要一台助听器")
    page.fill("#id_details", "老人听力下降，子女在外地")
    page.get_by_role("button", name=zh("Record the wish")).click()
    expect(page.locator("h1 .status")).to_have_text(zh("Recorded"))
    wish = Wish.objects.get()
    assert (wish.status, wish.resident_id, wish.microgrid_id) == (
        "recorded",
        resident.pk,
        area.m111.pk,
    )
    screenshot(page, "wish-recorded")

    context, team_phone = _second_page(browser)
    try:
        login(team_phone, staff[RoleKind.VOLUNTEER_LEADER])
        team_phone.goto(url(f"/volunteers/wishes/{wish.pk}/"))
        expect(team_phone.locator("#id_team")).to_have_value(str(team.pk))
        team_phone.get_by_role("button", name=zh("Claim this wish")).click()
        expect(team_phone.locator("h1 .status")).to_have_text(zh("Claimed"))
        expect(team_phone.locator("main")).to_contain_text(team.name)
        screenshot(team_phone, "wish-claimed")

        team_phone.get_by_role("link", name=zh("Report it fulfilled")).click()
        team_phone.fill("#id_fulfilment", "队员募捐购买助听器并上门调试")
        team_phone.set_input_files("#id_photos", _jpeg(tmp_path / "handover.jpg"))
        team_phone.get_by_role("button", name=zh("Wish fulfilled")).click()
        expect(team_phone.locator("h1 .status")).to_have_text(zh("Fulfilled"))
        photo = team_phone.locator(".photos img")
        expect(photo).to_have_count(1)
        # The thumbnail really loads (the photo view serves it to the team): wait for it, as
        # the image may still be on its way when the page's text is there; a photo that never
        # loads fails here after the timeout.
        team_phone.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0",
            arg=photo.element_handle(),
            timeout=10_000,
        )
        screenshot(team_phone, "wish-fulfilled")
        # The team cannot close the wish: the resident's feedback is for grid staff to record.
        expect(
            team_phone.get_by_role("link", name=zh("Record the resident's feedback"))
        ).to_have_count(0)
    finally:
        context.close()

    page.goto(url(f"/volunteers/wishes/{wish.pk}/"))
    page.get_by_role("link", name=zh("Record the resident's feedback")).click()
    page.fill("#id_feedback", "很满意，现在能听清电话了")
    page.get_by_label(zh("Satisfied"), exact=True).check()
    page.get_by_role("button", name=zh("Close the wish")).click()
    expect(page.locator("h1 .status")).to_have_text(zh("Closed"))
    expect(page.locator("ol.steps li.done")).to_have_count(4)
    expect(page.locator("main")).to_contain_text("很满意，现在能听清电话了")
    screenshot(page, "wish-closed")

    wish.refresh_from_db()
    assert (wish.status, wish.team_id, wish.satisfied) == ("closed", team.pk, True)

    # The village's list shows it among the closed wishes.
    page.goto(url(f"/volunteers/wishes/?village={area.v1.pk}&status=closed"))
    expect(page.locator("#wish-results")).to_contain_text("想要一台助听器")
    screenshot(page, "wish-list-closed")


def test_a_livelihood_project_shows_its_vote_record(
    desktop_page, browser, url, login, staff, area, zh, screenshot
):
    page = desktop_page
    year = timezone.localdate().year
    login(page, staff[RoleKind.VILLAGE_CLERK])
    page.goto(url("/volunteers/projects/new/"))
    page.fill("#id_title", "三组道路硬化")
    page.select_option("#id_category", "road")
    page.fill("#id_lead_name", "张书记")
    page.fill("#id_budget", "380000")
    page.fill("#id_description", "三组通组道路600米，水泥硬化")
    page.get_by_role("button", name=zh("Save")).click()
    expect(page.locator("main")).to_contain_text(
        zh("The villagers have not voted on this project yet.")
    )
    project = Project.objects.get()

    page.get_by_role("link", name=zh("Record the decision")).click()
    page.fill("#id_meeting_date", f"{year}-01-15")
    page.fill("#id_attendance", "48")
    page.fill("#id_votes_for", "41")
    page.fill("#id_votes_against", "4")
    page.fill("#id_abstentions", "3")
    page.fill("#id_minutes", "村民代表会议一事一议，举手表决通过")
    page.get_by_role("button", name=zh("Save the decision")).click()

    record = page.locator(".vote-record")
    expect(record).to_contain_text(zh("Passed"))
    expect(record).to_contain_text(f"{year}-01-15")
    for label, number in (
        ("attendance", "48"),
        ("votes for", "41"),
        ("votes against", "4"),
        ("abstentions", "3"),
    ):
        expect(record.locator(".votes div", has_text=zh(label)).locator("dd")).to_have_text(number)
    expect(record).to_contain_text("村民代表会议一事一议，举手表决通过")
    screenshot(page, "project-detail-vote")

    # Anyone, on a phone, without logging in: the village's public list.
    context, public = _second_page(browser)
    try:
        public.goto(url("/public/projects/"))
        public.get_by_role("link", name=area.v1.name).click()
        card = public.locator("article.public-project", has_text="三组道路硬化")
        expect(card).to_be_visible()
        for number in ("48", "41", "4", "3", f"{year}-01-15"):
            expect(card).to_contain_text(number)
        expect(card).to_contain_text(zh("Passed"))
        expect(card.locator(".minutes")).to_contain_text("村民代表会议一事一议，举手表决通过")
        screenshot(public, "project-public-list")
        layout = public.evaluate(OVERFLOW_REPORT)
        assert layout["scrollWidth"] <= layout["viewportWidth"], layout["culprits"]
    finally:
        context.close()
    assert project.decision.votes_for == 41


def test_the_public_certificate_check_on_a_phone(
    phone_page, url, staff, team, members, zh, screenshot
):
    leader = staff[RoleKind.VOLUNTEER_LEADER]
    activity = services.activity_log(
        team=team,
        by=leader,
        kind="cleanup",
        date=timezone.localdate(),
        place="村部广场",
        village=team.village,
        description="环境整治",
        participants=[(members["plain"], "4")],
        idempotency_key="cert-journey",
    )
    services.activity_confirm(activity=activity, by=leader)
    today = timezone.localdate()
    certificate = services.certificate_issue(
        volunteer=members["plain"], by=leader, period_from=today.replace(month=1, day=1),
        period_to=today,
    )  # fmt: skip
    page = phone_page
    page.goto(url("/public/certificates/"))
    screenshot(page, "certificate-check-empty")
    page.fill("#id_code", certificate.code.lower())
    page.get_by_role("button", name=zh("Check")).click()
    expect(page.locator(".verified")).to_contain_text(zh("This certificate is genuine."))
    expect(page.locator(".verified")).to_contain_text("赵热心")
    expect(page.locator(".verified")).to_contain_text(team.name)
    screenshot(page, "certificate-check-genuine")
    layout = page.evaluate(OVERFLOW_REPORT)
    assert layout["scrollWidth"] <= layout["viewportWidth"], layout["culprits"]

    page.fill("#id_code", "AAAA-BBBB-CCCC")
    page.get_by_role("button", name=zh("Check")).click()
    expect(page.get_by_role("alert")).to_contain_text(
        zh("No certificate has this code. Check the code on the paper and try again.")
    )
    expect(page.locator("main")).not_to_contain_text("赵热心")
    screenshot(page, "certificate-check-unknown")


def test_volunteer_pages_fit_phone_and_desktop(
    page, url, login, staff, area, team, members, resident, rule, screenshot
):
    """The pages as the team leader and the village clerk see them, at both sizes."""
    leader = staff[RoleKind.VOLUNTEER_LEADER]
    clerk = staff[RoleKind.VILLAGE_CLERK]
    today = timezone.localdate()
    activity = services.activity_log(
        team=team, by=leader, kind="publicity", date=today, place="村文化广场",
        village=team.village, description="反诈宣传，发放传单", participants=[
            (members["linked"], "3"), (members["plain"], "2")],
        counts={"leaflets": 200, "lectures": 1, "lecture_attendance": 45},
        idempotency_key="layout",
    )  # fmt: skip
    services.activity_confirm(activity=activity, by=leader)
    certificate = services.certificate_issue(
        volunteer=members["linked"], by=leader, period_from=today.replace(month=1, day=1),
        period_to=today,
    )  # fmt: skip
    wish = services.wish_record(
        resident=resident, by=staff[RoleKind.MICROGRID_WORKER], title="修缮漏雨的屋顶"
    )
    services.wish_claim(wish=wish, team=team, by=leader)
    project = services.project_create(
        village=area.v1, by=clerk, year=today.year, title="一组当家塘清淤",
        category="water", lead_name="张书记", budget="126000.50",
    )  # fmt: skip
    services.decision_record(
        project=project, by=clerk, meeting_date=today, attendance=52, votes_for=50,
        votes_against=1, abstentions=1, minutes="一事一议，表决通过",
    )  # fmt: skip

    pages = [
        (leader, "volunteer-team-list", "/volunteers/"),
        (leader, "volunteer-team-detail", f"/volunteers/teams/{team.pk}/"),
        (leader, "volunteer-activity-new", f"/volunteers/teams/{team.pk}/activities/new/"),
        (leader, "volunteer-activity-list", "/volunteers/activities/"),
        (leader, "volunteer-activity", f"/volunteers/activities/{activity.pk}/"),
        (leader, "volunteer-person", f"/volunteers/people/{members['linked'].pk}/"),
        (leader, "volunteer-certificate", f"/volunteers/certificates/{certificate.pk}/"),
        (leader, "wish-detail", f"/volunteers/wishes/{wish.pk}/"),
        (clerk, "wish-list", "/volunteers/wishes/"),
        (clerk, "project-list", "/volunteers/projects/"),
        (clerk, "project-summary", "/volunteers/projects/summary/"),
        (clerk, "project-detail", f"/volunteers/projects/{project.pk}/"),
        (None, "project-public-villages", "/public/projects/"),
        (None, "project-public", f"/public/projects/{area.v1.pk}/"),
        (None, "certificate-check", f"/public/certificates/?code={certificate.code}"),
    ]
    current = None
    for user, name, path in pages:
        if user is not current:
            page.context.clear_cookies()
            if user is not None:
                login(page, user)
            current = user
        response = page.goto(url(path))
        assert response is not None and response.ok, path
        screenshot(page, name)
        layout = page.evaluate(OVERFLOW_REPORT)
        assert layout["scrollWidth"] <= layout["viewportWidth"], (path, layout["culprits"])
