"""Every write to the register. Each keeps the register's rules: valid, agreeing ID numbers,
one record per person, one head per household, history kept (pghistory records each row
change with the user and page from the request context)."""

import datetime
import unicodedata
from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin, pinyin

from huaisi.phones import validate_mobile

from ..models import House, Household, Resident, RevealLog
from ..validation import check_id_agrees, validate_id_number, validate_person_name

RESIDENT_FIELDS = (
    "name", "gender", "id_number", "birth_date", "phone", "relation", "residence_type",
    "care_tags", "note", "moved_out", "deceased",
)  # fmt: skip


def pinyin_keys(name: str) -> tuple[str, str]:
    """('zsf', 'zhangsanfeng') for 张三丰; letters and digits in a name pass through.

    A surname read differently from the everyday word (曾 zeng/ceng, 单 shan/dan, 仇 qiu/chou)
    gets every reading's initials, space-separated ("cgf zgf" for 曾国藩), so typing either
    finds the person; the selectors match at the start of any variant."""
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    rest = "".join(letters[1:]).lower()
    first = pinyin(name[:1], style=Style.FIRST_LETTER, heteronym=True, errors="default")
    variants = sorted({(reading + rest).lower() for reading in (first[0] if first else [""])})
    full = "".join(lazy_pinyin(name, errors="default")).lower()
    return " ".join(variants)[:50], full[:200]


def resident_clean(*, data: dict, instance: Resident | None = None, household: Household) -> dict:
    """Normalise and check one resident's fields; raise ValidationError naming each bad field.

    Used by the forms (to show errors as the user types) and by the services (so no path can
    skip the checks)."""
    errors: dict[str, ValidationError] = {}
    cleaned = dict(data)
    name = cleaned.get("name")
    if name is None or (isinstance(name, str) and not name.strip()):
        errors["name"] = ValidationError(_("Enter the resident's name."), code="required")
        name = ""
    else:
        # What an ID card can carry (validation.validate_person_name): markup, control
        # characters and digits are refused; look-alike dots and spacing are tidied.
        try:
            name = validate_person_name(name)
        except ValidationError as exc:
            errors["name"] = exc
    cleaned["name"] = name
    id_number = (cleaned.get("id_number") or "").strip()
    if id_number:
        try:
            id_number = validate_id_number(id_number)
        except ValidationError as exc:
            errors["id_number"] = exc
        else:
            errors.update(
                check_id_agrees(
                    id_number=id_number,
                    birth_date=cleaned.get("birth_date"),
                    gender=cleaned.get("gender"),
                )
            )
            clash = Resident.objects.filter(id_number=id_number)
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                errors["id_number"] = ValidationError(
                    # Not naming the holder: they may live outside the editor's areas.
                    _(
                        "This ID number is already registered to another resident. Search the "
                        "register for it: the person may have moved."
                    ),
                    code="id_duplicate",
                )
    cleaned["id_number"] = id_number or None
    # NFKC turns the full-width digits Chinese input methods type into ASCII ones.
    phone = unicodedata.normalize("NFKC", cleaned.get("phone") or "").strip()
    if phone:
        try:
            phone = validate_mobile(phone)
        except ValidationError as exc:
            errors["phone"] = exc
    cleaned["phone"] = phone
    if not cleaned.get("birth_date") and "birth_date" not in errors:
        errors["birth_date"] = ValidationError(_("Enter the birth date."), code="required")
    elif cleaned.get("birth_date") and cleaned["birth_date"] > timezone.localdate():
        errors["birth_date"] = ValidationError(_("The birth date is in the future."), code="future")
    present = not (cleaned.get("moved_out") or cleaned.get("deceased"))
    if cleaned.get("relation") == Resident.Relation.HEAD and present:
        heads = Resident.objects.filter(
            household=household, relation=Resident.Relation.HEAD, moved_out=False, deceased=False
        )
        if instance is not None:
            heads = heads.exclude(pk=instance.pk)
        head = heads.first()
        if head is not None:
            errors["relation"] = ValidationError(
                _("This household already has a head: %(name)s. Change that first.")
                % {"name": head.name},
                code="second_head",
            )
    cleaned["care_tags"] = sorted(set(cleaned.get("care_tags") or []))
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic(durable=True)
def resident_create(*, household: Household, **fields) -> Resident:
    """A new member joins only an active household: a merged or split-up one is history."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.status != Household.Status.ACTIVE:
        raise ValidationError(
            {NON_FIELD_ERRORS: _("Only an active household takes new members.")},
            code="household_inactive",
        )
    cleaned = resident_clean(data=fields, household=household)
    initials, full = pinyin_keys(cleaned["name"])
    return Resident.objects.create(
        household=household,
        name_initials=initials,
        name_pinyin=full,
        **{k: cleaned[k] for k in RESIDENT_FIELDS if k in cleaned},
    )


@transaction.atomic(durable=True)
def resident_update(*, resident: Resident, **fields) -> Resident:
    """Change the given fields; the others stay as they are."""
    locked = Resident.objects.select_for_update().get(pk=resident.pk)
    data = {k: getattr(locked, k) for k in RESIDENT_FIELDS}
    data.update(fields)
    cleaned = resident_clean(data=data, instance=locked, household=locked.household)
    changed = [k for k in RESIDENT_FIELDS if getattr(locked, k) != cleaned[k]]
    if not changed:
        return locked
    for key in changed:
        setattr(locked, key, cleaned[key])
    if "name" in changed:
        locked.name_initials, locked.name_pinyin = pinyin_keys(locked.name)
        changed += ["name_initials", "name_pinyin"]
    locked.save(update_fields=[*changed, "updated_at"])
    return locked


@transaction.atomic(durable=True)
def reveal_record(*, user, resident: Resident, field: str, path: str = "") -> RevealLog:
    """Log that `user` saw `resident`'s full `field`; the caller shows it only after this."""
    if field not in RevealLog.Field.values:
        raise ValidationError(_("Unknown field."))
    return RevealLog.objects.create(user=user, resident=resident, field=field, path=path[:200])


@transaction.atomic(durable=True)
def household_split(
    *, household: Household, members: Iterable[Resident], number: str, head: Resident
) -> Household:
    """分户: move `members` out of `household` into a new household `number` headed by `head`.

    The old household keeps its history and stays active while anyone is left in it; the new
    one records where it came from."""
    source = Household.objects.select_for_update().get(pk=household.pk)
    if source.status != Household.Status.ACTIVE:
        raise ValidationError(_("Only an active household can be split."))
    member_ids = {m.pk for m in members}
    if head.pk not in member_ids:
        raise ValidationError(_("The new head must be one of the members who move."))
    movers = list(Resident.objects.select_for_update().filter(pk__in=member_ids, household=source))
    if len(movers) != len(member_ids) or not movers:
        raise ValidationError(_("Choose members of this household to move."))
    number = number.strip()
    if not number:
        raise ValidationError({"number": _("Enter the new household number.")})
    if Household.objects.filter(number=number).exists():
        raise ValidationError(
            {"number": _("Household number %(number)s exists already.") % {"number": number}}
        )
    new = Household.objects.create(
        number=number,
        house=source.house,
        microgrid=source.microgrid,
        pact_signed_on=None,
        split_from=source,
    )
    for resident in movers:
        resident.household = new
        resident.relation = (
            Resident.Relation.HEAD if resident.pk == head.pk else Resident.Relation.OTHER
        )
        resident.save(update_fields=["household", "relation", "updated_at"])
    if not source.residents.filter(moved_out=False, deceased=False).exists():
        source.status = Household.Status.SPLIT
        source.save(update_fields=["status", "updated_at"])
    return new


@transaction.atomic(durable=True)
def household_merge(*, source: Household, target: Household) -> Household:
    """合户: everyone in `source` joins `target`; `source` is kept, marked merged into it.

    The former head joins as 'other' (the target has its own head)."""
    if source.pk == target.pk:
        raise ValidationError(_("A household cannot be merged into itself."))
    # Lock both in id order, so two merges at once cannot deadlock.
    locked = {
        h.pk: h
        for h in Household.objects.select_for_update()
        .filter(pk__in=[source.pk, target.pk])
        .order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    if source.status != Household.Status.ACTIVE or target.status != Household.Status.ACTIVE:
        raise ValidationError(_("Both households must be active."))
    for resident in Resident.objects.select_for_update().filter(household=source):
        resident.household = target
        if resident.relation == Resident.Relation.HEAD:
            resident.relation = Resident.Relation.OTHER
        resident.save(update_fields=["household", "relation", "updated_at"])
    source.status = Household.Status.MERGED
    source.merged_into = target
    source.save(update_fields=["status", "merged_into", "updated_at"])
    return target


@transaction.atomic(durable=True)
def household_update(
    *, household: Household, pact_signed_on: datetime.date | None, house: House | None
) -> Household:
    """Signing the civility pact makes the household eligible for points; the house must lie in
    the household's own village."""
    locked = (
        Household.objects.select_for_update().select_related("microgrid__grid").get(pk=household.pk)
    )
    errors = {}
    if pact_signed_on and pact_signed_on > timezone.localdate():
        errors["pact_signed_on"] = ValidationError(_("The signing date is in the future."))
    if house is not None and house.village_id != locked.microgrid.grid.village_id:
        errors["house"] = ValidationError(_("The house lies in another village."))
    if errors:
        raise ValidationError(errors)
    changed = [
        k
        for k, v in (("pact_signed_on", pact_signed_on), ("house", house))
        if getattr(locked, k) != v
    ]
    for key in changed:
        setattr(locked, key, pact_signed_on if key == "pact_signed_on" else house)
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    return locked


HOUSE_FIELDS = ("address", "structure", "floors", "floor_area", "use", "lat", "lng")


def _check_house(*, village, microgrid, data: dict, instance: House | None = None) -> None:
    errors = {}
    if microgrid.grid.village_id != village.pk:
        errors["microgrid"] = ValidationError(_("The micro-grid lies in another village."))
    address = (data.get("address") or "").strip()
    if not address:
        errors["address"] = ValidationError(_("Enter the address."))
    else:
        clash = House.objects.filter(village=village, address=address)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["address"] = ValidationError(
                _("This village already has a house at this address.")
            )
    if (data.get("lat") is None) != (data.get("lng") is None):
        errors["lng"] = ValidationError(_("Give both latitude and longitude, or neither."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic(durable=True)
def house_create(*, microgrid, **fields) -> House:
    village = microgrid.grid.village
    _check_house(village=village, microgrid=microgrid, data=fields)
    fields["address"] = fields["address"].strip()
    return House.objects.create(
        village=village, microgrid=microgrid, **{k: fields[k] for k in HOUSE_FIELDS if k in fields}
    )


@transaction.atomic(durable=True)
def house_update(*, house: House, **fields) -> House:
    locked = House.objects.select_for_update().select_related("microgrid__grid").get(pk=house.pk)
    data = {k: getattr(locked, k) for k in HOUSE_FIELDS} | fields
    _check_house(village=locked.village, microgrid=locked.microgrid, data=data, instance=locked)
    data["address"] = data["address"].strip()
    changed = [k for k in HOUSE_FIELDS if getattr(locked, k) != data[k]]
    for key in changed:
        setattr(locked, key, data[key])
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    return locked


@transaction.atomic(durable=True)
def household_create(
    *, number: str, microgrid, house: House | None, pact_signed_on: datetime.date | None
) -> Household:
    number = (number or "").strip()
    errors = {}
    if not number:
        errors["number"] = ValidationError(_("Enter the household number."))
    elif Household.objects.filter(number=number).exists():
        errors["number"] = ValidationError(
            _("Household number %(number)s exists already.") % {"number": number}
        )
    if house is not None and house.village_id != microgrid.grid.village_id:
        errors["house"] = ValidationError(_("The house lies in another village."))
    if pact_signed_on and pact_signed_on > timezone.localdate():
        errors["pact_signed_on"] = ValidationError(_("The signing date is in the future."))
    if errors:
        raise ValidationError(errors)
    return Household.objects.create(
        number=number, microgrid=microgrid, house=house, pact_signed_on=pact_signed_on
    )
