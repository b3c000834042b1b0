"""The register's writes: each keeps its rule, refuses with a message a clerk can act on, and
leaves nothing half-saved when it refuses."""

import datetime

import pghistory
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from conftest import make_user
from households import services
from households.models import Household, Resident, RevealLog
from households.selectors import resident_search_for_user
from households.tests.factories import HouseholdFactory, ResidentFactory, id_number_for
from huaisi.audit import history_of
from huaisi.roles import RoleKind

pytestmark = pytest.mark.django_db

BORN = datetime.date(1960, 3, 8)


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def household(area):
    return HouseholdFactory(microgrid=area.m111, number="HS-0001")


def new_resident(household, **fields) -> Resident:
    data = {
        "name": "张三丰",
        "gender": "M",
        "birth_date": BORN,
        "id_number": id_number_for(BORN, "M"),
        "phone": "13812345678",
        "relation": Resident.Relation.HEAD,
    }
    data.update(fields)
    return services.resident_create(household=household, **data)


def refused(call, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return caught.value.message_dict


def search(user, query: str) -> list[str]:
    return [r.name for r in resident_search_for_user(user=user, query=query)]


class TestPinyinKeys:
    def test_create_fills_the_initials_and_the_full_pinyin(self, household):
        resident = new_resident(household)
        resident.refresh_from_db()
        assert (resident.name_initials, resident.name_pinyin) == ("zsf", "zhangsanfeng")

    def test_a_renamed_resident_is_found_by_the_new_initials_only(self, household, role_users):
        resident = new_resident(household)
        clerk = role_users[RoleKind.VILLAGE_CLERK]
        assert search(clerk, "zsf") == ["张三丰"]

        services.resident_update(resident=resident, name="李四光")

        resident.refresh_from_db()
        assert (resident.name_initials, resident.name_pinyin) == ("lsg", "lisiguang")
        assert search(clerk, "lsg") == ["李四光"]
        assert search(clerk, "zsf") == []

    def test_the_name_is_trimmed_and_required(self, household):
        assert new_resident(household, name="  王五 ").name == "王五"
        errors = refused(new_resident, household=household, name=" ", id_number=None)
        assert errors["name"] == ["请填写居民姓名。"]


class TestNormalisation:
    def test_phone_and_id_are_stored_in_their_compact_form(self, household):
        resident = new_resident(
            household, phone="+86 138-1234-5678", id_number=id_number_for(BORN, "M").lower()
        )
        resident.refresh_from_db()
        assert resident.phone == "13812345678"
        assert resident.id_number == id_number_for(BORN, "M")

    def test_full_width_phone_digits_from_a_chinese_input_method_are_accepted(self, household):
        resident = new_resident(household, phone="１３８１２３４５６７８")
        resident.refresh_from_db()
        assert resident.phone == "13812345678"

    def test_a_resident_without_id_number_is_stored_with_none(self, household):
        first = new_resident(household, id_number="", name="甲")
        second = new_resident(household, id_number=None, name="乙", relation="child")
        assert first.id_number is None and second.id_number is None


class TestOneHead:
    def test_a_second_head_is_refused_naming_the_first(self, household):
        new_resident(household)
        errors = refused(
            new_resident,
            household=household,
            name="李秀英",
            gender="F",
            id_number=id_number_for(datetime.date(1962, 5, 1), "F"),
            birth_date=datetime.date(1962, 5, 1),
        )
        assert errors == {"relation": ["本户已有户主：张三丰。请先修改其与户主关系。"]}
        assert list(household.residents.values_list("name", flat=True)) == ["张三丰"]

    def test_promoting_a_member_to_head_is_refused_while_the_head_lives_there(self, household):
        new_resident(household)
        spouse = ResidentFactory(household=household, relation="spouse", name="李秀英")
        errors = refused(services.resident_update, resident=spouse, relation="head", note="新户主")
        assert "张三丰" in errors["relation"][0]
        spouse.refresh_from_db()
        assert (spouse.relation, spouse.note) == ("spouse", "")

    @pytest.mark.parametrize("gone", ["moved_out", "deceased"])
    def test_a_new_head_is_allowed_once_the_old_one_is_gone(self, household, gone):
        head = new_resident(household)
        spouse = ResidentFactory(household=household, relation="spouse", name="李秀英")
        services.resident_update(resident=head, **{gone: True})

        services.resident_update(resident=spouse, relation="head")

        spouse.refresh_from_db()
        assert spouse.relation == "head"
        heads = household.residents.filter(relation="head").order_by("name")
        assert [(r.name, r.is_present) for r in heads] == [("张三丰", False), ("李秀英", True)]

    def test_heads_of_different_households_do_not_clash(self, household, area):
        new_resident(household)
        other = HouseholdFactory(microgrid=area.m111)
        new_resident(other, name="王五", id_number=None)
        assert Resident.objects.filter(relation="head").count() == 2


class TestInactiveHousehold:
    def test_a_merged_household_takes_no_new_member(self, household, area):
        target = HouseholdFactory(microgrid=area.m111)
        services.household_merge(source=household, target=target)
        errors = refused(new_resident, household=household)
        assert errors == {"__all__": ["只有状态正常的户才能添加成员。"]}
        assert not Resident.objects.exists()


class TestDuplicateId:
    def test_an_id_already_registered_is_refused_without_naming_the_holder(self, household, area):
        new_resident(household)
        elsewhere = HouseholdFactory(microgrid=area.m211, number="HS-0999")
        errors = refused(new_resident, household=elsewhere, name="张山峰")
        assert errors == {
            "id_number": ["该身份证号已登记在其他居民名下。请先在名册中查找：此人可能已迁移。"]
        }
        assert not elsewhere.residents.exists()

    def test_an_id_typed_in_lower_case_is_the_same_person(self, household):
        new_resident(household)
        errors = refused(
            new_resident,
            household=household,
            name="另一人",
            relation="child",
            id_number=" " + id_number_for(BORN, "M").lower(),
        )
        assert errors["id_number"][0].startswith("该身份证号已登记在其他居民名下")

    def test_update_refuses_another_person_s_id_and_saves_none_of_the_change(self, household):
        head = new_resident(household)
        child = ResidentFactory(household=household, phone="13900000000")
        errors = refused(
            services.resident_update,
            resident=child,
            id_number=head.id_number,
            birth_date=BORN,
            gender="M",
            phone="13911112222",
        )
        assert errors["id_number"][0].startswith("该身份证号已登记在其他居民名下")
        child.refresh_from_db()
        assert child.phone == "13900000000"
        assert child.id_number != head.id_number

    def test_keeping_one_s_own_id_is_no_duplicate(self, household):
        head = new_resident(household)
        services.resident_update(resident=head, note="核实无误")
        head.refresh_from_db()
        assert head.note == "核实无误"


class TestNothingHalfSaved:
    def test_every_bad_field_is_named_and_nothing_is_written(self, household):
        head = new_resident(household)
        before = Resident.objects.filter(pk=head.pk).values().get()
        errors = refused(
            services.resident_update,
            resident=head,
            phone="12345",
            birth_date=datetime.date(1961, 3, 8),
            gender="F",
            note="不应保存",
        )
        assert set(errors) == {"phone", "birth_date", "gender"}
        assert "1960-03-08" in errors["birth_date"][0]
        assert "男性" in errors["gender"][0]
        assert "11位" in errors["phone"][0]
        assert Resident.objects.filter(pk=head.pk).values().get() == before

    def test_a_refused_create_leaves_no_row(self, household):
        errors = refused(new_resident, household=household, id_number="321003196003080011")
        assert "校验码" in errors["id_number"][0]
        assert not Resident.objects.exists()

    def test_a_future_birth_date_is_refused(self, household):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        errors = refused(new_resident, household=household, id_number=None, birth_date=tomorrow)
        assert errors == {"birth_date": ["出生日期不能晚于今天。"]}

    def test_an_update_that_changes_nothing_writes_no_history(self, household):
        head = new_resident(household)
        entries = len(history_of(head))
        services.resident_update(resident=head, phone="138 1234 5678", name="张三丰")
        assert len(history_of(head)) == entries


@pytest.fixture
def family(area):
    """Household F-1 in V1G1M1: head 张大山, spouse 王桂兰, son 张小军, daughter-in-law 陈美."""
    home = HouseholdFactory(microgrid=area.m111, number="F-1")
    return {
        "household": home,
        "head": ResidentFactory(household=home, name="张大山", relation="head"),
        "spouse": ResidentFactory(household=home, name="王桂兰", relation="spouse"),
        "son": ResidentFactory(household=home, name="张小军", relation="child"),
        "in_law": ResidentFactory(household=home, name="陈美", relation="child_in_law"),
    }


def members(household: Household) -> dict[str, str]:
    return dict(household.residents.values_list("name", "relation"))


class TestSplit:
    def test_members_move_to_a_new_household_headed_by_the_chosen_one(self, family):
        old = family["household"]
        new = services.household_split(
            household=old,
            members=[family["son"], family["in_law"]],
            number="F-2",
            head=family["son"],
        )
        assert members(new) == {"张小军": "head", "陈美": "other"}
        assert new.split_from == old
        assert (new.microgrid, new.house) == (old.microgrid, old.house)
        old.refresh_from_db()
        assert old.status == Household.Status.ACTIVE
        assert members(old) == {"张大山": "head", "王桂兰": "spouse"}

    def test_the_moved_resident_s_history_records_the_old_household(self, family):
        services.household_split(
            household=family["household"],
            members=[family["son"]],
            number="F-2",
            head=family["son"],
        )
        changes = {c.label: (c.old, c.new) for c in history_of(family["son"])[0].changes}
        assert changes["与户主关系"] == ("子女", "户主")
        assert len(changes) == 2, "the move to another household is recorded too"

    def test_the_history_names_the_old_and_new_household_numbers(self, family):
        services.household_split(
            household=family["household"],
            members=[family["son"]],
            number="F-2",
            head=family["son"],
        )
        changes = {c.label: (c.old, c.new) for c in history_of(family["son"])[0].changes}
        assert changes["户"] == ("F-1", "F-2")

    def test_a_household_emptied_by_the_split_is_marked_split_and_kept(self, family):
        old = family["household"]
        everyone = [family[k] for k in ("head", "spouse", "son", "in_law")]
        services.household_split(household=old, members=everyone, number="F-2", head=family["son"])
        old.refresh_from_db()
        assert old.status == Household.Status.SPLIT
        assert not old.residents.exists()
        status_change = [c for e in history_of(old) for c in e.changes if c.label == "状态"]
        assert [(c.old, c.new) for c in status_change] == [("正常", "已分户")]

    def test_a_household_with_only_gone_members_left_is_marked_split(self, family):
        old = family["household"]
        services.resident_update(resident=family["spouse"], deceased=True)
        services.household_split(
            household=old,
            members=[family["head"], family["son"], family["in_law"]],
            number="F-2",
            head=family["head"],
        )
        old.refresh_from_db()
        assert old.status == Household.Status.SPLIT
        assert members(old) == {"王桂兰": "spouse"}

    def test_a_head_not_among_the_movers_is_refused(self, family):
        with pytest.raises(ValidationError) as caught:
            services.household_split(
                household=family["household"],
                members=[family["son"]],
                number="F-2",
                head=family["in_law"],
            )
        assert caught.value.messages == ["新户主必须是分出的成员之一。"]
        assert not Household.objects.filter(number="F-2").exists()
        assert len(members(family["household"])) == 4

    def test_an_existing_number_is_refused_and_nobody_moves(self, family, area):
        HouseholdFactory(microgrid=area.m211, number="TAKEN")
        errors = refused(
            services.household_split,
            household=family["household"],
            members=[family["son"]],
            number=" TAKEN ",
            head=family["son"],
        )
        assert errors == {"number": ["户号 TAKEN 已存在。"]}
        family["son"].refresh_from_db()
        assert (family["son"].household, family["son"].relation) == (family["household"], "child")

    def test_members_of_another_household_are_refused(self, family, area):
        stranger = ResidentFactory(household__microgrid=area.m111)
        with pytest.raises(ValidationError) as caught:
            services.household_split(
                household=family["household"],
                members=[family["son"], stranger],
                number="F-2",
                head=family["son"],
            )
        assert caught.value.messages == ["请选择本户要分出的成员。"]
        assert not Household.objects.filter(number="F-2").exists()

    def test_an_inactive_household_cannot_be_split(self, family, area):
        target = HouseholdFactory(microgrid=area.m111)
        services.household_merge(source=family["household"], target=target)
        with pytest.raises(ValidationError) as caught:
            services.household_split(
                household=family["household"],
                members=[family["son"]],
                number="F-2",
                head=family["son"],
            )
        assert caught.value.messages == ["只有状态正常的户才能分户。"]


class TestMerge:
    def test_everyone_joins_the_target_and_the_former_head_becomes_other(self, family, area):
        target = HouseholdFactory(microgrid=area.m111, number="T-1")
        ResidentFactory(household=target, name="李老汉", relation="head")
        source = family["household"]

        result = services.household_merge(source=source, target=target)

        assert result == target
        assert members(target) == {
            "李老汉": "head",
            "张大山": "other",
            "王桂兰": "spouse",
            "张小军": "child",
            "陈美": "child_in_law",
        }
        source.refresh_from_db()
        assert (source.status, source.merged_into) == (Household.Status.MERGED, target)
        assert not source.residents.exists()

    def test_merging_into_itself_is_refused(self, family):
        with pytest.raises(ValidationError) as caught:
            services.household_merge(source=family["household"], target=family["household"])
        assert caught.value.messages == ["不能把一户并入它自己。"]

    def test_merged_households_cannot_take_part_in_another_merge(self, family, area):
        target = HouseholdFactory(microgrid=area.m111, number="T-1")
        third = HouseholdFactory(microgrid=area.m111, number="T-2")
        services.household_merge(source=family["household"], target=target)
        for source, into in ((family["household"], third), (third, family["household"])):
            with pytest.raises(ValidationError) as caught:
                services.household_merge(source=source, target=into)
            assert caught.value.messages == ["两户的状态都必须正常。"]
        assert members(target).keys() == {"张大山", "王桂兰", "张小军", "陈美"}
        assert not third.residents.exists()


class TestReveal:
    def test_each_call_writes_exactly_one_row(self, family, role_users):
        clerk = role_users[RoleKind.VILLAGE_CLERK]
        services.reveal_record(
            user=clerk, resident=family["head"], field="id_number", path="/r/1/reveal/id_number/"
        )
        assert RevealLog.objects.count() == 1
        services.reveal_record(user=clerk, resident=family["head"], field="phone", path="/p")
        logs = list(
            RevealLog.objects.order_by("pk").values_list("user", "resident", "field", "path")
        )
        assert logs == [
            (clerk.pk, family["head"].pk, "id_number", "/r/1/reveal/id_number/"),
            (clerk.pk, family["head"].pk, "phone", "/p"),
        ]

    def test_an_unknown_field_is_refused_without_a_row(self, family, role_users):
        with pytest.raises(ValidationError):
            services.reveal_record(
                user=role_users[RoleKind.VILLAGE_CLERK], resident=family["head"], field="name"
            )
        assert not RevealLog.objects.exists()


class TestAuditHistory:
    def test_history_names_who_changed_which_field_with_masked_phones(self, family):
        clerk = make_user("clerk2", first_name="孙丽")
        head = family["head"]
        services.resident_update(resident=head, phone="13800001111")
        with pghistory.context(user=clerk.pk, url=f"/register/residents/{head.pk}/edit/"):
            services.resident_update(resident=head, phone="13922223333", note="换了新号")

        latest = history_of(head)[0]
        assert latest.who == "孙丽"
        assert latest.page == f"/register/residents/{head.pk}/edit/"
        assert latest.action == "update"
        changes = {c.label: (c.old, c.new) for c in latest.changes}
        assert changes == {"手机号": ("138****1111", "139****3333"), "备注": ("—", "换了新号")}
        shown = str([(e.who, e.changes) for e in history_of(head)])
        for full in ("13800001111", "13922223333", head.id_number):
            assert full not in shown

    def test_history_lists_newest_first_with_the_creation_last(self, household):
        head = new_resident(household)
        services.resident_update(resident=head, name="张三峰")
        services.resident_update(resident=head, name="张三丰")
        entries = history_of(head)
        assert [e.action for e in entries] == ["update", "update", "insert"]
        assert [(c.old, c.new) for c in entries[0].changes] == [("张三峰", "张三丰")]
        assert [(c.old, c.new) for c in entries[1].changes] == [("张三丰", "张三峰")]
        assert entries[0].who == "—"  # no request, no user: shown as a dash, not an error
