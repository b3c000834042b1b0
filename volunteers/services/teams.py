"""Teams, volunteers and their memberships. A person is one Volunteer row (linked to the
register's resident where found); joining and leaving are dated membership rows, never
deleted, so a member can leave and rejoin and the history stays."""

import datetime
import unicodedata

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Resident
from huaisi.access import grants_for
from huaisi.phones import validate_mobile
from huaisi.roles import CAPABILITIES, Level

from ..models import Membership, Participation, ServiceType, Team, Volunteer
from ._common import has_team_role, require


def _clean_phone(phone: str) -> str:
    phone = unicodedata.normalize("NFKC", phone or "").strip()
    if not phone:
        return ""
    try:
        return validate_mobile(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from None


def has_town_role(user, capability: str, town) -> bool:
    """A town role of `town` holding `capability`."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    allowed = CAPABILITIES[capability]
    return any(
        g.kind in allowed and g.level == Level.TOWN and g.ancestors[Level.TOWN] == town.pk
        for g in grants_for(user)
    )


@transaction.atomic(durable=True)
def team_create(
    *, town, by, name: str, service_type: str, village=None, leader=None, leader_name: str
) -> Team:
    """A new team. Decision: the town sets up its teams (the 15 village teams and 槐小保);
    village clerks and team leaders then keep the members."""
    require(has_town_role(by, "manage_teams", town))
    name, leader_name = (name or "").strip(), (leader_name or "").strip()
    _check_team(
        town=town, name=name, leader_name=leader_name, service_type=service_type, village=village
    )
    return Team.objects.create(
        town=town,
        village=village,
        name=name,
        service_type=service_type,
        leader=leader,
        leader_name=leader_name,
    )


def _check_team(*, town, name: str, leader_name: str, service_type: str, village, team=None):
    errors = {}
    same_name = Team.objects.filter(town=town, name=name)
    if team is not None:
        same_name = same_name.exclude(pk=team.pk)
    if not name:
        errors["name"] = _("Enter the team's name.")
    elif same_name.exists():
        errors["name"] = _("The town already has a team of that name.")
    if not leader_name:
        errors["leader_name"] = _("Enter the team leader's name.")
    if service_type not in ServiceType.values:
        errors["service_type"] = _("Choose the team's service type.")
    if village is not None and village.town_id != town.pk:
        errors["village"] = _("This village belongs to another town.")
    if errors:
        raise ValidationError(errors)


TEAM_FIELDS = ("name", "service_type", "village", "leader", "leader_name", "is_active")


@transaction.atomic(durable=True)
def team_update(
    *,
    team: Team,
    by,
    name: str,
    service_type: str,
    village=None,
    leader=None,
    leader_name: str,
    is_active: bool,
) -> Team:
    """Change a team's name, service type, village, leader or active flag (the town
    administrator's). Its members, activities, hours and claimed wishes stay as they are:
    they are history, and an inactive team only stops taking new members, activities and
    claims. The audit trail (pghistory) records every change."""
    team = Team.objects.select_for_update().select_related("town").get(pk=team.pk)
    require(has_town_role(by, "manage_teams", team.town))
    name, leader_name = (name or "").strip(), (leader_name or "").strip()
    _check_team(
        town=team.town,
        name=name,
        leader_name=leader_name,
        service_type=service_type,
        village=village,
        team=team,
    )
    values = {
        "name": name,
        "service_type": service_type,
        "village": village,
        "leader": leader,
        "leader_name": leader_name,
        "is_active": bool(is_active),
    }
    changed = [field for field in TEAM_FIELDS if getattr(team, field) != values[field]]
    for field in changed:
        setattr(team, field, values[field])
    if changed:
        try:
            with transaction.atomic():
                team.save(update_fields=changed)
        except IntegrityError:
            raise ValidationError(
                {"name": _("The town already has a team of that name.")}
            ) from None
    return team


def _find_resident(*, name: str, phone: str, village, town) -> Resident | None:
    """The present resident with exactly this name and mobile number in the village (or the
    town, for a town-wide team): the team leader knows both, so no browsing of the register
    is needed to link a member to their household."""
    if not phone:
        return None
    residents = Resident.objects.filter(name=name, phone=phone, moved_out=False, deceased=False)
    if village is not None:
        residents = residents.filter(household__microgrid__grid__village=village)
    else:
        residents = residents.filter(household__microgrid__grid__village__town=town)
    found = list(residents.select_related("household__microgrid__grid")[:2])
    return found[0] if len(found) == 1 else None


def volunteer_find_or_create(*, team: Team, name: str, phone: str = "") -> Volunteer:
    """The volunteer with this name and number, linked to the register where a resident
    matches; a new one otherwise."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter the member's full name.")})
    phone = _clean_phone(phone)
    resident = _find_resident(name=name, phone=phone, village=team.village, town=team.town)
    if resident is not None:
        existing = Volunteer.objects.filter(resident=resident).first()
        if existing is not None:
            return existing
        return Volunteer.objects.create(
            town=team.town,
            village=resident.household.microgrid.grid.village,
            name=name,
            resident=resident,
            phone=phone,
        )
    village = team.village or team.town.villages.order_by("code").first()
    existing = Volunteer.objects.filter(
        town=team.town, village=village, name=name, phone=phone, resident__isnull=True
    ).first()
    if existing is not None and phone:
        return existing
    return Volunteer.objects.create(town=team.town, village=village, name=name, phone=phone)


@transaction.atomic(durable=True)
def membership_add(
    *,
    team: Team,
    by,
    role: str,
    joined_on: datetime.date,
    volunteer: Volunteer | None = None,
    name: str = "",
    phone: str = "",
) -> Membership:
    """Add someone to a team (a new person, or a volunteer rejoining): one open membership
    per person and team, and a rejoining starts after the last leaving."""
    require(has_team_role(by, "manage_teams", team))
    if not team.is_active:
        raise ValidationError(_("This team is no longer active."))
    if joined_on is None:
        raise ValidationError({"joined_on": _("Enter the date of joining.")})
    if joined_on > timezone.localdate():
        raise ValidationError({"joined_on": _("The date of joining is in the future.")})
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Choose the member's role.")})
    if volunteer is None:
        volunteer = volunteer_find_or_create(team=team, name=name, phone=phone)
    Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    memberships = Membership.objects.filter(team=team, volunteer=volunteer)
    if memberships.filter(left_on__isnull=True).exists():
        raise ValidationError(
            _("%(name)s is already a member of %(team)s.")
            % {"name": volunteer.name, "team": team.name},
            code="already_member",
        )
    last = memberships.order_by("-left_on").first()
    if last is not None and joined_on <= last.left_on:
        raise ValidationError(
            {
                "joined_on": _("%(name)s left this team on %(left)s; rejoining must be later.")
                % {"name": volunteer.name, "left": last.left_on.isoformat()}
            }
        )
    try:
        with transaction.atomic():
            return Membership.objects.create(
                team=team, volunteer=volunteer, role=role, joined_on=joined_on
            )
    except IntegrityError:
        raise ValidationError(
            _("%(name)s is already a member of %(team)s.")
            % {"name": volunteer.name, "team": team.name}
        ) from None


@transaction.atomic(durable=True)
def membership_end(*, membership: Membership, by, left_on: datetime.date) -> Membership:
    """Record a member's leaving (compare-and-set on the open membership). Hours logged for
    them in the team after that day would lose their footing, so such a date is refused."""
    team = membership.team
    require(has_team_role(by, "manage_teams", team))
    if left_on is None:
        raise ValidationError({"left_on": _("Enter the date of leaving.")})
    if left_on > timezone.localdate():
        raise ValidationError({"left_on": _("The date of leaving is in the future.")})
    if left_on < membership.joined_on:
        raise ValidationError(
            {
                "left_on": _("The member joined on %(date)s; they cannot leave before that.")
                % {"date": membership.joined_on.isoformat()}
            }
        )
    later = (
        Participation.objects.filter(
            volunteer_id=membership.volunteer_id, activity__team=team, activity__date__gt=left_on
        )
        .select_related("activity")
        .order_by("activity__date")
        .first()
    )
    if later is not None:
        raise ValidationError(
            {
                "left_on": _(
                    "Hours are logged for %(name)s in this team on %(date)s, after that day."
                )
                % {"name": membership.volunteer.name, "date": later.activity.date.isoformat()}
            }
        )
    changed = Membership.objects.filter(pk=membership.pk, left_on__isnull=True).update(
        left_on=left_on
    )
    if changed != 1:
        raise ValidationError(_("This membership has already ended."), code="already_ended")
    membership.refresh_from_db(fields=["left_on"])
    return membership


def memberships_on(*, team: Team, day: datetime.date, volunteer_ids) -> set[int]:
    """The ids of the volunteers who were members of `team` on `day`."""
    return set(
        Membership.objects.filter(team=team, volunteer_id__in=volunteer_ids, joined_on__lte=day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=day))
        .values_list("volunteer_id", flat=True)
    )
