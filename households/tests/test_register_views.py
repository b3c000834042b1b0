"""The register's field pages through the Django test client: each as a full page and as an htmx
request, and for those who may not see or change it. Assertions read what a user would read:
the names in the results, the masked numbers, the Chinese error under a field."""

import datetime
import html as htmllib
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from conftest import make_user
from grids.models import MicroGrid
from households.models import Household, Resident, RevealLog
from households.selectors import SEARCH_LIMIT
from households.tests.factories import (
    HouseFactory,
    HouseholdFactory,
    ResidentFactory,
    id_number_for,
)
from huaisi.roles import RoleKind

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
BORN = datetime.date(1960, 3, 8)
ZSF_ID = id_number_for(BORN, "M")  # 321003196003080037
ZSF_PHONE = "13812345678"


@pytest.fixture
def reg(area):
    """The register of the test town.

    V1G1M1, household H-111 at 槐泗路1号: 张三丰 (head), 李秀英 (spouse, elderly living alone),
    张小明 (child), 张老四 (moved out), 张老五 (deceased).
    V1G2M1, household H-121: 张三 (head), outside grid leader V1G1's scope.
    V2G1M1, household H-211: another 张三丰 (head), in the other village.
    """
    house = HouseFactory(microgrid=area.m111, address="槐泗路1号")
    home = HouseholdFactory(microgrid=area.m111, house=house, number="H-111")
    zsf = ResidentFactory(
        household=home,
        name="张三丰",
        head=True,
        gender="M",
        birth_date=BORN,
        id_number=ZSF_ID,
        phone=ZSF_PHONE,
    )
    lxy = ResidentFactory(
        household=home,
        name="李秀英",
        relation="spouse",
        gender="F",
        birth_date=datetime.date(1962, 5, 1),
        care_tags=["elderly_alone"],
        phone="",
    )
    zxm = ResidentFactory(household=home, name="张小明", relation="child")
    moved = ResidentFactory(household=home, name="张老四", relation="child", moved_out=True)
    dead = ResidentFactory(household=home, name="张老五", relation="parent", deceased=True)
    m121 = MicroGrid.objects.get(code="V1G2M1")
    g12_home = HouseholdFactory(microgrid=m121, number="H-121")
    zs = ResidentFactory(household=g12_home, name="张三", head=True)
    v2_home = HouseholdFactory(microgrid=area.m211, number="H-211")
    v2_zsf = ResidentFactory(household=v2_home, name="张三丰", head=True)
    return SimpleNamespace(
        house=house,
        home=home,
        zsf=zsf,
        lxy=lxy,
        zxm=zxm,
        moved=moved,
        dead=dead,
        g12_home=g12_home,
        zs=zs,
        v2_home=v2_home,
        v2_zsf=v2_zsf,
    )


def login(client, role_users, kind):
    client.force_login(role_users[kind])
    return role_users[kind]


def text(response) -> str:
    return htmllib.unescape(response.content.decode())


def results_part(html: str) -> str:
    """The search results, without the search form (which echoes the query)."""
    return html.split('id="resident-results"', 1)[1] if 'id="resident-results"' in html else html


def result_names(response) -> list[str]:
    return re.findall(r'class="result-title">([^<]+?) <small>', results_part(text(response)))


def result_links(response) -> list[str]:
    return re.findall(r'href="(/register/residents/\d+/)" class="result"', text(response))


def field_errors(html: str, name: str) -> str:
    match = re.search(rf'<div class="field-errors" id="err-{name}"[^>]*>(.*?)</div>', html, re.S)
    assert match, f"no error slot for {name}"
    return re.sub(r"<[^>]+>", " ", match.group(1)).strip()


def search(client, **params):
    return client.get(reverse("resident-list"), params)


class TestResidentSearch:
    def test_by_part_of_the_name(self, client, role_users, reg):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        response = search(client, q="三丰")
        assert response.status_code == 200
        assert result_names(response) == ["张三丰"]
        assert result_links(response) == [f"/register/residents/{reg.zsf.pk}/"]

    def test_by_the_start_or_the_end_of_the_name_not_its_middle(self, client, role_users, reg):
        # Searches match at the start of an indexed value (fast at district scale); a lone
        # character from the middle of a three-character name is the documented miss.
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        assert result_names(search(client, q="张三丰")) == ["张三丰"]
        assert result_names(search(client, q="丰")) == ["张三丰"]
        assert result_names(search(client, q="三")) == ["张三"]  # not 张三丰

    def test_by_the_second_reading_of_a_surname(self, client, role_users, reg):
        ResidentFactory(
            household=reg.home, name="曾国藩", gender="M", birth_date=datetime.date(1961, 11, 26)
        )
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        assert result_names(search(client, q="zgf")) == ["曾国藩"]
        assert result_names(search(client, q="cgf")) == ["曾国藩"]

    @pytest.mark.parametrize("query", ["zsf", "ZSF", "zs", "zhangsanfeng", "zhangsan"])
    def test_by_pinyin_initials_or_full_pinyin(self, client, role_users, reg, query):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        names = result_names(search(client, q=query))
        assert "张三丰" in names
        assert "李秀英" not in names and "张小明" not in names

    def test_initials_of_another_name_find_that_one_only(self, client, role_users, reg):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        assert result_names(search(client, q="lxy")) == ["李秀英"]
        assert result_names(search(client, q="zxm")) == ["张小明"]

    def test_by_the_last_four_of_the_id_number(self, client, role_users, reg):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        response = search(client, q=ZSF_ID[-4:])
        assert result_names(response) == ["张三丰"]

    def test_by_a_tail_ending_in_x(self, client, role_users, reg):
        with_x = "11010519491231002X"
        ResidentFactory(
            household=reg.home,
            name="赵雪",
            gender="F",
            birth_date=datetime.date(1949, 12, 31),
            id_number=with_x,
        )
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        assert result_names(search(client, q="002x")) == ["赵雪"]

    def test_by_care_tag(self, client, role_users, reg):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        response = search(client, tag="elderly_alone")
        assert result_names(response) == ["李秀英"]
        assert '<option value="elderly_alone" selected>' in text(response)

    def test_care_tag_and_query_together(self, client, role_users, reg):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        assert result_names(search(client, q="张", tag="elderly_alone")) == []
        assert result_names(search(client, q="李", tag="elderly_alone")) == ["李秀英"]

    def test_without_a_query_lists_present_residents_only(self, client, role_users, reg):
        login(client, role_users, RoleKind.MICROGRID_WORKER)
        names = result_names(search(client))
        assert sorted(names) == sorted(["张三丰", "李秀英", "张小明"])

    def test_no_match_says_so(self, client, role_users, reg):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        response = search(client, q="欧阳")
        assert result_names(response) == []
        assert "您的职责范围内没有符合条件的居民。" in text(response)

    def test_results_show_masked_id_numbers_only(self, client, role_users, reg):
        login(client, role_users, RoleKind.TOWN_ADMIN)
        html = text(search(client, q="zsf"))
        assert "3210**********0037" in html
        assert ZSF_ID not in html and reg.v2_zsf.id_number not in html

    def test_full_page_has_the_search_box_and_the_navigation(self, client, role_users, reg):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        html = text(search(client, q="zsf"))
        assert "<html" in html and 'id="resident-search"' in html
        assert 'value="zsf"' in html
        assert 'aria-current="page">居民</a>' in html

    def test_htmx_search_returns_only_the_results(self, client, role_users, reg):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        response = client.get(
            reverse("resident-list"), {"q": "zsf"}, HTTP_HX_TARGET="resident-results", **HTMX
        )
        html = text(response)
        assert "<html" not in html and "<form" not in html and 'id="resident-search"' not in html
        assert '<ul class="result-list">' in html
        assert result_names(response) == ["张三丰"]
        assert "HX-Request" in response["Vary"]

    def test_htmx_empty_result_is_the_empty_message_alone(self, client, role_users, reg):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        response = client.get(
            reverse("resident-list"), {"q": "欧阳"}, HTTP_HX_TARGET="resident-results", **HTMX
        )
        assert text(response).strip() == '<p class="empty">您的职责范围内没有符合条件的居民。</p>'

    def test_filters_by_village_and_grid_and_counts_every_match(self, client, role_users, area):
        for microgrid in (area.m111, area.m112, area.m211):
            ResidentFactory(household=HouseholdFactory(microgrid=microgrid), care_tags=["veteran"])
        g12 = MicroGrid.objects.get(code="V1G2M1")
        ResidentFactory(household=HouseholdFactory(microgrid=g12), care_tags=["veteran"])

        def shown(**params) -> tuple[int, bool]:
            html = text(search(client, tag="veteran", **params))
            found = re.search(r'data-result-count="(\d+)"', html)
            return (int(found.group(1)) if found else 0), "filter-notice" in html

        login(client, role_users, RoleKind.TOWN_ADMIN)
        assert shown() == (4, False)
        assert shown(village=area.v1.pk) == (3, False)
        assert shown(grid=area.g11.pk) == (2, False)
        assert shown(village=area.v2.pk, grid=area.g11.pk) == (1, True)  # the grid is dropped
        assert shown(grid="abc") == (4, True)
        assert f'<option value="{area.g12.pk}" selected>' in text(search(client, grid=area.g12.pk))
        login(client, role_users, RoleKind.GRID_LEADER)
        assert shown() == (2, False)
        assert shown(village=area.v2.pk) == (2, True)  # not theirs: said, and not shown

    def test_grid_leader_finds_nobody_outside_their_grid(self, client, role_users, reg):
        login(client, role_users, RoleKind.GRID_LEADER)
        names = result_names(search(client, q="张"))
        assert sorted(names) == sorted(["张三丰", "张小明"])
        assert "张三" not in names
        links = result_links(search(client, q="zsf"))
        assert links == [f"/register/residents/{reg.zsf.pk}/"], "V2's 张三丰 must not appear"
        htmx = client.get(
            reverse("resident-list"), {"q": "zs"}, HTTP_HX_TARGET="resident-results", **HTMX
        )
        assert result_names(htmx) == ["张三丰"]
        assert "H-121" not in text(htmx) and "H-211" not in text(htmx)

    def test_grid_leader_cannot_find_outsiders_by_id_tail(self, client, role_users, reg):
        login(client, role_users, RoleKind.GRID_LEADER)
        assert result_names(search(client, q=reg.zs.id_number[-4:])) == []
        assert result_names(search(client, q=reg.v2_zsf.id_number[-6:])) == []

    def test_other_village_clerk_sees_only_their_own_zsf(self, client, other_role_users, reg):
        client.force_login(other_role_users[RoleKind.VILLAGE_CLERK])
        assert result_links(search(client, q="zsf")) == [f"/register/residents/{reg.v2_zsf.pk}/"]

    @pytest.mark.parametrize(
        "kind",
        [RoleKind.SUPERVISOR, RoleKind.DEPARTMENT_HANDLER, RoleKind.VOLUNTEER_LEADER],
    )
    def test_roles_without_the_register_are_refused(self, client, role_users, reg, kind):
        login(client, role_users, kind)
        assert search(client, q="zsf").status_code == 403
        htmx = client.get(
            reverse("resident-list"), {"q": "zsf"}, HTTP_HX_TARGET="resident-results", **HTMX
        )
        assert htmx.status_code == 403
        assert "张三丰" not in text(htmx)

    def test_anonymous_is_sent_to_log_in(self, client, reg):
        response = search(client, q="zsf")
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_long_result_lists_stop_at_fifty_and_say_so(self, client, role_users, reg, area):
        home = HouseholdFactory(microgrid=area.m111)
        ResidentFactory.create_batch(51, household=home, name="周大福")
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        response = search(client, q="周大福")
        assert len(result_names(response)) == 50
        assert "仅显示前 50 条" in text(response)

    def test_query_count_does_not_grow_with_the_results(
        self, client, role_users, area, django_assert_num_queries
    ):
        def add(count: int) -> None:
            for _ in range(count):
                home = HouseholdFactory(microgrid=area.m111)
                ResidentFactory(household=home, name="王建", care_tags=["veteran"])

        add(5)
        login(client, role_users, RoleKind.GRID_LEADER)
        search(client, q="wj")  # warm the session cache
        # user, roles, the grids and villages to filter by, residents (household, micro-grid,
        # grid and village joined); the count is the rows' own while they fit on the page
        with django_assert_num_queries(4):
            page = search(client, q="wj")
        assert len(result_names(page)) == 5
        assert 'data-result-count="5"' in page.content.decode()
        add(35)
        with django_assert_num_queries(4):
            assert len(result_names(search(client, q="wj"))) == 40
        # Past the first 50: the rows are cut, and one COUNT tells how many match.
        add(20)
        with django_assert_num_queries(5):
            page = search(client, q="wj")
        assert len(result_names(page)) == SEARCH_LIMIT
        assert 'data-result-count="60"' in page.content.decode()
        # The results alone (typing in the search box): no areas to offer.
        with django_assert_num_queries(4):
            htmx = client.get(
                reverse("resident-list"), {"q": "wj"}, HTTP_HX_TARGET="resident-results", **HTMX
            )
            assert len(result_names(htmx)) == SEARCH_LIMIT


def detail(client, resident, **extra):
    return client.get(reverse("resident-detail", args=[resident.pk]), **extra)


class TestResidentDetail:
    def test_shows_masked_numbers_and_never_the_full_ones(self, client, role_users, reg):
        login(client, role_users, RoleKind.TOWN_ADMIN)
        response = detail(client, reg.zsf)
        html = text(response)
        assert response.status_code == 200
        assert '<span class="mono" id="reveal-id_number">3210**********0037</span>' in html
        assert '<span class="mono" id="reveal-phone">138****5678</span>' in html
        assert ZSF_ID not in html and ZSF_PHONE not in html
        assert "张三丰" in html and "H-111" in html and "户主" in html

    def test_care_tags_and_household_are_shown(self, client, role_users, reg):
        login(client, role_users, RoleKind.MICROGRID_WORKER)
        html = text(detail(client, reg.lxy))
        assert '<span class="tag">独居老人</span>' in html
        assert f'href="{reverse("household-detail", args=[reg.home.pk])}"' in html

    def test_a_resident_without_phone_shows_a_dash_and_no_reveal_button(
        self, client, role_users, reg
    ):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        html = text(detail(client, reg.lxy))
        assert '<span class="mono" id="reveal-phone">—</span>' in html
        assert reverse("resident-reveal", args=[reg.lxy.pk, "phone"]) not in html

    def test_an_htmx_request_gets_the_same_page_and_checks(self, client, role_users, reg):
        login(client, role_users, RoleKind.GRID_LEADER)
        assert "3210**********0037" in text(detail(client, reg.zsf, **HTMX))
        assert detail(client, reg.zs, **HTMX).status_code == 404

    @pytest.mark.parametrize("who", ["zs", "v2_zsf"])
    def test_outside_the_grid_leader_s_scope_is_404(self, client, role_users, reg, who):
        login(client, role_users, RoleKind.GRID_LEADER)
        outsider = getattr(reg, who)
        assert detail(client, outsider).status_code == 404
        assert client.get(reverse("resident-edit", args=[outsider.pk])).status_code == 404
        assert (
            client.post(reverse("resident-reveal", args=[outsider.pk, "phone"]), **HTMX).status_code
            == 404
        )
        assert not RevealLog.objects.exists()

    def test_buttons_follow_the_viewer_s_capabilities(self, client, role_users, reg):
        edit = reverse("resident-edit", args=[reg.zsf.pk])
        reveal_id = reverse("resident-reveal", args=[reg.zsf.pk, "id_number"])
        reveal_phone = reverse("resident-reveal", args=[reg.zsf.pk, "phone"])
        seen = {}
        for kind in (RoleKind.VILLAGE_CLERK, RoleKind.GRID_LEADER, RoleKind.ASSESSOR):
            login(client, role_users, kind)
            html = text(detail(client, reg.zsf))
            seen[kind] = (edit in html, reveal_id in html, reveal_phone in html)
        assert seen == {
            RoleKind.VILLAGE_CLERK: (True, True, True),
            RoleKind.GRID_LEADER: (True, False, True),
            RoleKind.ASSESSOR: (False, False, False),
        }

    def test_buttons_follow_the_role_that_covers_this_resident(self, client, area, reg):
        """An assessor of V1 who is also clerk of V2 may only look in V1, so neither the
        edit button nor a reveal is offered there."""
        user = make_user("two_hats", kind=RoleKind.ASSESSOR, scope=area.v1)
        from huaisi.services import role_assign

        role_assign(
            user=user,
            kind=RoleKind.VILLAGE_CLERK,
            scope=area.v2,
            starts_on=datetime.date(2025, 1, 1),
        )
        client.force_login(user)
        html = text(detail(client, reg.zsf))
        assert reverse("resident-edit", args=[reg.zsf.pk]) not in html
        assert reverse("resident-reveal", args=[reg.zsf.pk, "id_number"]) not in html
        reveal = client.post(reverse("resident-reveal", args=[reg.zsf.pk, "id_number"]), **HTMX)
        assert reveal.status_code == 403
        assert ZSF_ID not in text(reveal)
        assert not RevealLog.objects.exists()
        assert client.get(reverse("resident-edit", args=[reg.zsf.pk])).status_code == 403

    def test_history_lists_the_creation(self, client, role_users, reg):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        html = text(detail(client, reg.zsf))
        assert "变更记录" in html and "新建" in html


def reveal(client, resident, field, **extra):
    return client.post(reverse("resident-reveal", args=[resident.pk, field]), **extra)


class TestReveal:
    def test_htmx_reveal_answers_the_full_number_and_logs_one_row(self, client, role_users, reg):
        clerk = login(client, role_users, RoleKind.VILLAGE_CLERK)
        response = reveal(client, reg.zsf, "id_number", **HTMX)
        assert response.status_code == 200
        assert text(response).strip() == (
            f'<span class="mono revealed" id="reveal-id_number">{ZSF_ID}</span>'
        )
        logs = list(RevealLog.objects.values_list("user", "resident", "field", "path"))
        assert logs == [
            (
                clerk.pk,
                reg.zsf.pk,
                "id_number",
                reverse("resident-reveal", args=[reg.zsf.pk, "id_number"]),
            )
        ]

    def test_each_reveal_is_one_more_row_and_listed_on_the_page(self, client, role_users, reg):
        clerk = login(client, role_users, RoleKind.VILLAGE_CLERK)
        clerk.first_name = "孙丽"
        clerk.save(update_fields=["first_name"])
        reveal(client, reg.zsf, "phone", **HTMX)
        reveal(client, reg.zsf, "phone", **HTMX)
        assert RevealLog.objects.filter(resident=reg.zsf, field="phone").count() == 2
        html = text(detail(client, reg.zsf))
        assert "完整号码查看记录" in html
        assert html.count("孙丽 · 手机号") == 2
        assert ZSF_PHONE not in html, "the page itself stays masked"

    def test_without_htmx_the_number_comes_as_a_message_on_the_page(self, client, role_users, reg):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        response = reveal(client, reg.zsf, "phone", follow=True)
        assert response.redirect_chain == [(reverse("resident-detail", args=[reg.zsf.pk]), 302)]
        assert f"完整号码：{ZSF_PHONE}（本次查看已记录）" in text(response)
        assert RevealLog.objects.count() == 1

    def test_get_is_refused_and_logs_nothing(self, client, role_users, reg):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        response = client.get(reverse("resident-reveal", args=[reg.zsf.pk, "id_number"]))
        assert response.status_code == 405
        assert ZSF_ID not in text(response)
        assert not RevealLog.objects.exists()

    def test_grid_leader_may_see_the_phone_but_not_the_id_number(self, client, role_users, reg):
        login(client, role_users, RoleKind.GRID_LEADER)
        refused = reveal(client, reg.zsf, "id_number", **HTMX)
        assert refused.status_code == 403
        assert ZSF_ID not in text(refused)
        assert not RevealLog.objects.exists()
        shown = reveal(client, reg.zsf, "phone", **HTMX)
        assert shown.status_code == 200 and ZSF_PHONE in text(shown)
        assert list(RevealLog.objects.values_list("field", flat=True)) == ["phone"]

    @pytest.mark.parametrize("field", ["id_number", "phone"])
    def test_assessor_may_reveal_nothing(self, client, role_users, reg, field):
        login(client, role_users, RoleKind.ASSESSOR)
        assert reveal(client, reg.zsf, field, **HTMX).status_code == 403
        assert not RevealLog.objects.exists()

    def test_an_unknown_field_is_404(self, client, role_users, reg):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        assert reveal(client, reg.zsf, "name", **HTMX).status_code == 404
        assert not RevealLog.objects.exists()

    def test_anonymous_post_is_sent_to_log_in(self, client, reg):
        response = reveal(client, reg.zsf, "phone")
        assert response.status_code == 302
        assert not RevealLog.objects.exists()


def edit_data(resident: Resident, **changes) -> dict:
    """The edit form as the browser posts it: every field with its current value."""
    data = {
        "name": resident.name,
        "gender": resident.gender,
        "id_number": resident.id_number or "",
        "birth_date": resident.birth_date.isoformat(),
        "phone": resident.phone,
        "relation": resident.relation,
        "residence_type": resident.residence_type,
        "care_tags": list(resident.care_tags),
        "note": resident.note,
    }
    if resident.moved_out:
        data["moved_out"] = "on"
    if resident.deceased:
        data["deceased"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def row(resident: Resident) -> dict:
    return Resident.objects.filter(pk=resident.pk).values().get()


class TestResidentEdit:
    def url(self, resident):
        return reverse("resident-edit", args=[resident.pk])

    def test_form_shows_the_current_values(self, client, role_users, reg):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        response = client.get(self.url(reg.zsf))
        html = text(response)
        assert response.status_code == 200
        assert 'value="张三丰"' in html and f'value="{ZSF_PHONE}"' in html
        assert 'value="1960-03-08"' in html

    def test_the_phone_box_takes_a_number_typed_with_spaces_or_plus86(
        self, client, role_users, reg
    ):
        """A browser cuts typing and pasting at `maxlength`: '+86 138 1234 5678' must fit."""
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        html = text(client.get(self.url(reg.zsf)))
        phone_input = re.search(r'<input[^>]*name="phone"[^>]*>', html).group(0)
        assert 'maxlength="11"' not in phone_input

    def test_a_valid_change_is_saved_and_shown(self, client, role_users, reg):
        worker = login(client, role_users, RoleKind.MICROGRID_WORKER)
        worker.first_name = "刘芳"
        worker.save(update_fields=["first_name"])
        response = client.post(
            self.url(reg.zsf), edit_data(reg.zsf, phone="+86 139-0000-1111"), follow=True
        )
        assert response.redirect_chain == [(reverse("resident-detail", args=[reg.zsf.pk]), 302)]
        reg.zsf.refresh_from_db()
        assert reg.zsf.phone == "13900001111"
        html = text(response)
        assert "张三丰的修改已保存。" in html
        assert "刘芳" in html and "138****5678" in html and "139****1111" in html
        assert "13900001111" not in html

    def test_full_width_digits_are_saved_not_a_server_error(self, client, role_users, reg):
        login(client, role_users, RoleKind.MICROGRID_WORKER)
        response = client.post(self.url(reg.zsf), edit_data(reg.zsf, phone="139１２３４５６７８"))
        assert response.status_code == 302
        reg.zsf.refresh_from_db()
        assert reg.zsf.phone == "13912345678"

    def test_care_tags_are_saved(self, client, role_users, reg):
        login(client, role_users, RoleKind.GRID_LEADER)
        client.post(self.url(reg.zsf), edit_data(reg.zsf, care_tags=["veteran", "disabled"]))
        reg.zsf.refresh_from_db()
        assert reg.zsf.care_tags == ["disabled", "veteran"]

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"phone": "12345678901"}, "phone", "手机号为11位数字，以13至19开头"),
            ({"phone": "1381234567"}, "phone", "手机号为11位数字"),
            ({"birth_date": "1960-08-03"}, "birth_date", "身份证号中的出生日期是 1960-03-08。"),
            ({"gender": "F"}, "gender", "该身份证号属于男性。"),
            ({"id_number": "321003196003080038"}, "id_number", "校验码（最后一位）不符"),
            ({"id_number": "3210031960030800"}, "id_number", "这个号码有16位"),
            ({"name": "  "}, "name", "这个字段是必填项。"),
        ],
    )
    def test_an_invalid_change_shows_the_chinese_error_and_saves_nothing(
        self, client, role_users, reg, changes, field, message
    ):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        before = row(reg.zsf)
        response = client.post(self.url(reg.zsf), edit_data(reg.zsf, note="不该保存", **changes))
        assert response.status_code == 200
        html = text(response)
        assert message in field_errors(html, field)
        assert 'class="field has-error"' in html
        assert row(reg.zsf) == before

    def test_a_second_head_is_refused_naming_the_head(self, client, role_users, reg):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        before = row(reg.lxy)
        response = client.post(self.url(reg.lxy), edit_data(reg.lxy, relation="head"))
        assert response.status_code == 200
        assert field_errors(text(response), "relation") == (
            "本户已有户主：张三丰。请先修改其与户主关系。"
        )
        assert row(reg.lxy) == before

    def test_another_person_s_id_is_refused_naming_their_household(self, client, role_users, reg):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        before = row(reg.zxm)
        response = client.post(
            self.url(reg.zxm),
            edit_data(reg.zxm, id_number=ZSF_ID, birth_date="1960-03-08", gender="M"),
        )
        assert (
            field_errors(text(response), "id_number")
            == "该身份证号已登记在其他居民名下。请先在名册中查找：此人可能已迁移。"
        )
        assert row(reg.zxm) == before

    def test_assessor_may_look_but_not_edit(self, client, role_users, reg):
        login(client, role_users, RoleKind.ASSESSOR)
        assert detail(client, reg.zsf).status_code == 200
        before = row(reg.zsf)
        assert client.get(self.url(reg.zsf)).status_code == 403
        assert (
            client.post(self.url(reg.zsf), edit_data(reg.zsf, phone="13900001111")).status_code
            == 403
        )
        validate = client.post(
            self.url(reg.zsf), edit_data(reg.zsf, _validate="phone", phone="1"), **HTMX
        )
        assert validate.status_code == 403
        assert row(reg.zsf) == before

    def test_command_centre_may_look_but_not_edit(self, client, role_users, reg):
        login(client, role_users, RoleKind.COMMAND_CENTRE)
        assert detail(client, reg.zsf).status_code == 200
        assert client.get(self.url(reg.zsf)).status_code == 403


class TestMaskedNumbersInTheEditForm:
    """Editing is no back door to the full numbers: who may not reveal a number does not get
    it in the form either, and leaving the box empty keeps it."""

    def test_grid_leader_sees_the_id_masked_and_keeps_it_by_leaving_it_empty(
        self, client, role_users, reg
    ):
        login(client, role_users, RoleKind.GRID_LEADER)
        html = text(client.get(reverse("resident-edit", args=[reg.zsf.pk])))
        assert ZSF_ID not in html
        assert 'placeholder="3210**********0037"' in html
        response = client.post(
            reverse("resident-edit", args=[reg.zsf.pk]),
            edit_data(reg.zsf, id_number="", note="已核实"),
        )
        assert response.status_code == 302
        reg.zsf.refresh_from_db()
        assert (reg.zsf.id_number, reg.zsf.note) == (ZSF_ID, "已核实")

    def test_grid_leader_may_still_correct_the_id_number(self, client, role_users, reg):
        login(client, role_users, RoleKind.GRID_LEADER)
        corrected = id_number_for(BORN, "M", sequence=7)
        client.post(
            reverse("resident-edit", args=[reg.zsf.pk]), edit_data(reg.zsf, id_number=corrected)
        )
        reg.zsf.refresh_from_db()
        assert reg.zsf.id_number == corrected

    def test_a_form_shown_again_after_an_error_does_not_reveal_the_id(
        self, client, role_users, reg
    ):
        login(client, role_users, RoleKind.GRID_LEADER)
        response = client.post(
            reverse("resident-edit", args=[reg.zsf.pk]),
            edit_data(reg.zsf, id_number="", phone="123"),
        )
        assert response.status_code == 200
        assert ZSF_ID not in text(response)

    def test_clerk_sees_the_id_in_full(self, client, role_users, reg):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        assert f'value="{ZSF_ID}"' in text(client.get(reverse("resident-edit", args=[reg.zsf.pk])))


class TestValidateAsYouType:
    def validate(self, client, resident, field, **changes):
        return client.post(
            reverse("resident-edit", args=[resident.pk]),
            edit_data(resident, _validate=field, **changes),
            **HTMX,
        )

    def test_a_bad_phone_gets_just_that_field_s_error(self, client, role_users, reg):
        login(client, role_users, RoleKind.MICROGRID_WORKER)
        before = row(reg.zsf)
        response = self.validate(client, reg.zsf, "phone", phone="12345")
        html = text(response).strip()
        assert response.status_code == 200
        assert html.startswith('<div class="field-errors" id="err-phone"')
        assert "<form" not in html and "<html" not in html
        assert "手机号为11位数字" in field_errors(html, "phone")
        assert row(reg.zsf) == before

    def test_a_good_value_clears_the_error_and_still_saves_nothing(self, client, role_users, reg):
        login(client, role_users, RoleKind.MICROGRID_WORKER)
        before = row(reg.zsf)
        response = self.validate(client, reg.zsf, "phone", phone="13900001111", note="不保存")
        assert field_errors(text(response), "phone") == ""
        assert row(reg.zsf) == before

    def test_only_the_asked_field_is_answered(self, client, role_users, reg):
        login(client, role_users, RoleKind.MICROGRID_WORKER)
        response = self.validate(client, reg.zsf, "gender", phone="12345", gender="F")
        html = text(response)
        assert 'id="err-gender"' in html and "该身份证号属于男性。" in html
        assert "err-phone" not in html and "手机号" not in html

    def test_a_second_head_is_caught_while_choosing(self, client, role_users, reg):
        login(client, role_users, RoleKind.MICROGRID_WORKER)
        response = self.validate(client, reg.lxy, "relation", relation="head")
        assert "张三丰" in field_errors(text(response), "relation")
        reg.lxy.refresh_from_db()
        assert reg.lxy.relation == "spouse"

    def test_out_of_scope_is_404(self, client, role_users, reg):
        login(client, role_users, RoleKind.GRID_LEADER)
        assert self.validate(client, reg.zs, "phone", phone="1").status_code == 404


class TestResidentCreate:
    def url(self, household):
        return reverse("resident-create", args=[household.pk])

    def test_form_page(self, client, role_users, reg):
        login(client, role_users, RoleKind.MICROGRID_WORKER)
        response = client.get(self.url(reg.home))
        assert response.status_code == 200
        assert "添加居民" in text(response) and 'name="id_number"' in text(response)

    def test_a_new_resident_is_saved_findable_by_initials(self, client, role_users, reg):
        login(client, role_users, RoleKind.MICROGRID_WORKER)
        born = datetime.date(2015, 6, 1)
        response = client.post(
            self.url(reg.home),
            {
                "name": "张小花",
                "gender": "F",
                "id_number": id_number_for(born, "F", sequence=40),
                "birth_date": born.isoformat(),
                "phone": "",
                "relation": "grandchild",
                "residence_type": "registered",
                "care_tags": ["left_behind_child"],
            },
        )
        created = Resident.objects.get(name="张小花")
        assert response.status_code == 302
        assert response["Location"] == reverse("resident-detail", args=[created.pk])
        assert (created.household, created.name_initials) == (reg.home, "zxh")
        assert result_names(search(client, q="zxh")) == ["张小花"]

    def test_a_second_head_is_refused(self, client, role_users, reg):
        login(client, role_users, RoleKind.MICROGRID_WORKER)
        response = client.post(
            self.url(reg.home),
            {
                "name": "张大头",
                "gender": "M",
                "birth_date": "1970-01-01",
                "relation": "head",
                "residence_type": "registered",
            },
        )
        assert "张三丰" in field_errors(text(response), "relation")
        assert not Resident.objects.filter(name="张大头").exists()

    def test_as_you_type_on_the_new_resident_form(self, client, role_users, reg):
        login(client, role_users, RoleKind.MICROGRID_WORKER)
        response = client.post(
            self.url(reg.home),
            {"_validate": "id_number", "id_number": ZSF_ID, "name": "冒名者"},
            **HTMX,
        )
        assert text(response).strip().startswith('<div class="field-errors" id="err-id_number"')
        assert (
            field_errors(text(response), "id_number")
            == "该身份证号已登记在其他居民名下。请先在名册中查找：此人可能已迁移。"
        )
        assert not Resident.objects.filter(name="冒名者").exists()

    def test_a_merged_household_takes_no_new_member(self, client, role_users, reg, area):
        from households.services import household_merge

        household_merge(source=reg.home, target=HouseholdFactory(microgrid=area.m111))
        login(client, role_users, RoleKind.MICROGRID_WORKER)
        response = client.post(
            self.url(reg.home),
            {
                "name": "新来的",
                "gender": "F",
                "birth_date": "1990-01-01",
                "relation": "other",
                "residence_type": "floating",
            },
        )
        assert response.status_code == 200
        assert "只有状态正常的户才能添加成员。" in text(response)
        assert not Resident.objects.filter(name="新来的").exists()

    def test_assessor_and_outsiders_are_refused(self, client, role_users, reg):
        login(client, role_users, RoleKind.ASSESSOR)
        assert client.get(self.url(reg.home)).status_code == 403
        login(client, role_users, RoleKind.GRID_LEADER)
        assert client.get(self.url(reg.v2_home)).status_code == 404
        assert client.post(self.url(reg.g12_home), {"name": "x"}).status_code == 404


def household_page(client, household, **extra):
    return client.get(reverse("household-detail", args=[household.pk]), **extra)


def member_names(html: str) -> list[str]:
    table = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r'<a href="/register/residents/\d+/">([^<]+)</a>', table)


class TestHouseholdDetail:
    def test_present_members_in_the_table_and_the_gone_apart(self, client, role_users, reg):
        login(client, role_users, RoleKind.MICROGRID_WORKER)
        response = household_page(client, reg.home)
        html = text(response)
        assert response.status_code == 200
        assert sorted(member_names(html)) == sorted(["张三丰", "李秀英", "张小明"])
        gone = html.split("已迁出或已故", 1)[1]
        assert "(2)" in gone[:20]
        assert "张老四</a> · 已迁出" in gone and "张老五</a> · 已故" in gone
        assert "3210**********0037" in html and ZSF_ID not in html
        assert "槐泗路1号" in html

    def test_the_head_comes_first_then_the_others_oldest_first(self, client, role_users, reg):
        ResidentFactory(
            household=reg.home,
            name="张太公",
            relation="grandparent",
            birth_date=datetime.date(1930, 1, 1),
        )
        reg.zxm.birth_date = datetime.date(1940, 1, 1)
        reg.zxm.save(update_fields=["birth_date"])
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        html = text(household_page(client, reg.home))
        assert member_names(html) == ["张三丰", "张太公", "张小明", "李秀英"]

    def test_shows_the_history_and_the_actions_for_editors(self, client, role_users, reg):
        login(client, role_users, RoleKind.GRID_LEADER)
        html = text(household_page(client, reg.home))
        assert "变更记录" in html
        for name in ("resident-create", "household-split", "household-merge"):
            assert reverse(name, args=[reg.home.pk]) in html

    def test_no_actions_for_an_assessor(self, client, role_users, reg):
        login(client, role_users, RoleKind.ASSESSOR)
        html = text(household_page(client, reg.home))
        assert "张三丰" in html
        assert reverse("household-split", args=[reg.home.pk]) not in html

    def test_htmx_request_gets_the_page_and_the_same_checks(self, client, role_users, reg):
        login(client, role_users, RoleKind.GRID_LEADER)
        assert "张三丰" in text(household_page(client, reg.home, **HTMX))
        assert household_page(client, reg.g12_home, **HTMX).status_code == 404
        assert household_page(client, reg.v2_home).status_code == 404

    def test_supervisor_is_refused(self, client, role_users, reg):
        login(client, role_users, RoleKind.SUPERVISOR)
        assert household_page(client, reg.home).status_code == 403

    def test_query_count_does_not_grow_with_the_members(
        self, client, role_users, reg, django_assert_num_queries
    ):
        login(client, role_users, RoleKind.VILLAGE_CLERK)
        household_page(client, reg.home)
        with django_assert_num_queries(QUERIES_HOUSEHOLD_PAGE):
            household_page(client, reg.home)
        ResidentFactory.create_batch(10, household=reg.home)
        with django_assert_num_queries(QUERIES_HOUSEHOLD_PAGE):
            assert len(member_names(text(household_page(client, reg.home)))) == 13


# user, roles, household, its residents, history (events, user names, current row); the
# capability checks (may see, may edit) are decided from the roles in memory
QUERIES_HOUSEHOLD_PAGE = 6


class TestSplitPage:
    def url(self, household):
        return reverse("household-split", args=[household.pk])

    def test_form_lists_the_present_members(self, client, role_users, reg):
        login(client, role_users, RoleKind.GRID_LEADER)
        html = text(client.get(self.url(reg.home)))
        for name in ("张三丰", "李秀英", "张小明"):
            assert name in html
        assert "张老四" not in html and "张老五" not in html

    def test_split_end_to_end(self, client, role_users, reg):
        login(client, role_users, RoleKind.GRID_LEADER)
        response = client.post(
            self.url(reg.home),
            {"number": "H-112", "members": [reg.zxm.pk], "head": reg.zxm.pk},
            follow=True,
        )
        new = Household.objects.get(number="H-112")
        assert response.redirect_chain == [(reverse("household-detail", args=[new.pk]), 302)]
        html = text(response)
        assert "已分出新户 H-112。" in html
        assert member_names(html) == ["张小明"]
        assert f'href="{reverse("household-detail", args=[reg.home.pk])}">H-111</a>' in html
        old = text(household_page(client, reg.home))
        assert sorted(member_names(old)) == sorted(["张三丰", "李秀英"])
        assert "已分户" not in old

    def test_a_head_not_among_the_movers_shows_an_error(self, client, role_users, reg):
        login(client, role_users, RoleKind.GRID_LEADER)
        response = client.post(
            self.url(reg.home), {"number": "H-112", "members": [reg.zxm.pk], "head": reg.lxy.pk}
        )
        assert response.status_code == 200
        assert "新户主必须是分出的成员之一。" in text(response)
        assert not Household.objects.filter(number="H-112").exists()

    def test_an_existing_number_shows_an_error(self, client, role_users, reg):
        login(client, role_users, RoleKind.GRID_LEADER)
        response = client.post(
            self.url(reg.home), {"number": "H-211", "members": [reg.zxm.pk], "head": reg.zxm.pk}
        )
        assert response.status_code == 200
        assert "户号 H-211 已存在。" in text(response)
        reg.zxm.refresh_from_db()
        assert reg.zxm.household == reg.home

    def test_refused_to_assessor_and_outsiders(self, client, role_users, reg):
        login(client, role_users, RoleKind.ASSESSOR)
        assert client.get(self.url(reg.home)).status_code == 403
        assert client.get(self.url(reg.home), **HTMX).status_code == 403
        login(client, role_users, RoleKind.GRID_LEADER)
        assert "H-111" in text(client.get(self.url(reg.home), **HTMX))
        assert client.get(self.url(reg.g12_home)).status_code == 404
        response = client.post(
            self.url(reg.g12_home), {"number": "X", "members": [reg.zs.pk], "head": reg.zs.pk}
        )
        assert response.status_code == 404
        assert not Household.objects.filter(number="X").exists()


class TestMergePage:
    def url(self, household):
        return reverse("household-merge", args=[household.pk])

    def test_merge_end_to_end(self, client, role_users, reg, area):
        target = HouseholdFactory(microgrid=area.m112, number="H-112")
        ResidentFactory(household=target, name="王大伯", head=True)
        login(client, role_users, RoleKind.GRID_LEADER)
        assert "要并入的户号" in text(client.get(self.url(reg.home)))
        response = client.post(self.url(reg.home), {"target_number": " H-112 "}, follow=True)
        assert response.redirect_chain == [(reverse("household-detail", args=[target.pk]), 302)]
        html = text(response)
        assert "户 H-111 已并入户 H-112。" in html
        assert sorted(member_names(html)) == sorted(["王大伯", "张三丰", "李秀英", "张小明"])
        source = text(household_page(client, reg.home))
        assert '<span class="badge">已并入他户</span>' in source
        assert f'href="{reverse("household-detail", args=[target.pk])}">H-112</a>' in source
        assert reverse("household-merge", args=[reg.home.pk]) not in source
        assert "本户目前没有在册成员。" in source

    def test_merging_into_itself_is_refused(self, client, role_users, reg):
        login(client, role_users, RoleKind.GRID_LEADER)
        response = client.post(self.url(reg.home), {"target_number": "H-111"})
        assert response.status_code == 200
        assert "不能把一户并入它自己。" in text(response)
        reg.home.refresh_from_db()
        assert reg.home.status == "active"

    def test_a_household_outside_the_scope_cannot_be_the_target(self, client, role_users, reg):
        login(client, role_users, RoleKind.GRID_LEADER)
        response = client.post(self.url(reg.home), {"target_number": "H-121"})
        assert "您的职责范围内没有户号 H-121。" in text(response)
        assert reg.home.residents.count() == 5
        assert not reg.g12_home.residents.filter(name="张三丰").exists()

    def test_refused_to_assessor_and_outsiders(self, client, role_users, reg):
        login(client, role_users, RoleKind.ASSESSOR)
        assert client.post(self.url(reg.home), {"target_number": "H-121"}).status_code == 403
        assert client.get(self.url(reg.home), **HTMX).status_code == 403
        login(client, role_users, RoleKind.GRID_LEADER)
        assert client.get(self.url(reg.v2_home)).status_code == 404
        assert client.get(self.url(reg.v2_home), **HTMX).status_code == 404
        reg.home.refresh_from_db()
        assert reg.home.status == "active"


class TestHouseDetail:
    def url(self, house):
        return reverse("house-detail", args=[house.pk])

    def test_shows_the_house_and_its_households(self, client, role_users, reg):
        login(client, role_users, RoleKind.MICROGRID_WORKER)
        response = client.get(self.url(reg.house))
        html = text(response)
        assert response.status_code == 200
        assert "<h1>槐泗路1号</h1>" in html
        assert (
            f'<a href="{reverse("household-detail", args=[reg.home.pk])}">H-111</a> · 正常' in html
        )
        assert "变更记录" in html

    def test_htmx_request_and_outsiders(self, client, role_users, reg):
        login(client, role_users, RoleKind.GRID_LEADER)
        assert "槐泗路1号" in text(client.get(self.url(reg.house), **HTMX))
        assert client.get(self.url(reg.g12_home.house), **HTMX).status_code == 404
        assert client.get(self.url(reg.v2_home.house)).status_code == 404

    def test_roles_without_the_register_are_refused(self, client, role_users, reg):
        login(client, role_users, RoleKind.VOLUNTEER_LEADER)
        assert client.get(self.url(reg.house)).status_code == 403
