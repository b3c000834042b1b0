"""Micro-wishes: recorded → claimed → fulfilled → closed, each step a compare-and-set on
the old status, so two teams claiming at once get one claim and one clear refusal."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Resident

from ..models import Wish
from ._common import check_photos, has_role_in_village, has_team_role, require, save_photos


@transaction.atomic(durable=True)
def wish_record(*, resident: Resident, by, title: str, details: str = "") -> Wish:
    resident = Resident.objects.select_related("household__microgrid__grid__village").get(
        pk=resident.pk
    )
    microgrid = resident.household.microgrid
    village = microgrid.grid.village
    require(has_role_in_village(by, "manage_wishes", village))
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Enter what the resident wishes for.")})
    if not resident.is_present:
        raise ValidationError(
            {"resident": _("%(name)s has moved out or died.") % {"name": resident.name}}
        )
    return Wish.objects.create(
        resident=resident,
        village=village,
        microgrid=microgrid,
        title=title,
        details=(details or "").strip(),
        recorded_by=by,
        recorded_at=timezone.now(),
    )


def _refuse_stale(wish: Wish, expected: str) -> None:
    current = Wish.objects.select_related("team").get(pk=wish.pk)
    if current.status == Wish.Status.CLAIMED and expected == Wish.Status.RECORDED:
        raise ValidationError(
            _("This wish was already claimed by %(team)s.") % {"team": current.team.name},
            code="already_claimed",
        )
    raise ValidationError(
        _("This wish is now “%(status)s”; reload the page to see its latest state.")
        % {"status": current.get_status_display()},
        code="stale",
    )


@transaction.atomic(durable=True)
def wish_claim(*, wish: Wish, team, by) -> Wish:
    """A team takes the wish on. A wish is claimed once: a second claim is refused."""
    require(has_team_role(by, "claim_wishes", team, village=wish.village))
    if not team.is_active:
        raise ValidationError(_("This team is no longer active."))
    if team.town_id != wish.village.town_id or (
        team.village_id and team.village_id != wish.village_id
    ):
        raise ValidationError(
            {
                "team": _("%(team)s does not serve %(village)s.")
                % {"team": team.name, "village": wish.village.name}
            }
        )
    changed = Wish.objects.filter(pk=wish.pk, status=Wish.Status.RECORDED).update(
        status=Wish.Status.CLAIMED, team=team, claimed_by=by, claimed_at=timezone.now()
    )
    if changed != 1:
        _refuse_stale(wish, Wish.Status.RECORDED)
    wish.refresh_from_db()
    return wish


@transaction.atomic(durable=True)
def wish_fulfil(*, wish: Wish, by, fulfilment: str, photos) -> Wish:
    """The claiming team reports the wish fulfilled, with at least one photo."""
    wish = Wish.objects.select_related("team__village", "team__town", "village").get(pk=wish.pk)
    if wish.team is None:
        _refuse_stale(wish, Wish.Status.CLAIMED)
    require(has_team_role(by, "claim_wishes", wish.team, village=wish.village))
    fulfilment = (fulfilment or "").strip()
    if not fulfilment:
        raise ValidationError({"fulfilment": _("Describe how the wish was fulfilled.")})
    checked = check_photos(photos, required=True)
    changed = Wish.objects.filter(pk=wish.pk, status=Wish.Status.CLAIMED).update(
        status=Wish.Status.FULFILLED, fulfilment=fulfilment, fulfilled_at=timezone.now()
    )
    if changed != 1:
        _refuse_stale(wish, Wish.Status.CLAIMED)
    save_photos(checked, wish=wish)
    wish.refresh_from_db()
    return wish


@transaction.atomic(durable=True)
def wish_close(*, wish: Wish, by, feedback: str, satisfied: bool) -> Wish:
    """The resident's feedback, recorded by grid staff, closes the wish."""
    require(has_role_in_village(by, "manage_wishes", wish.village))
    feedback = (feedback or "").strip()
    if not feedback:
        raise ValidationError({"feedback": _("Enter what the resident said.")})
    changed = Wish.objects.filter(pk=wish.pk, status=Wish.Status.FULFILLED).update(
        status=Wish.Status.CLOSED,
        feedback=feedback,
        satisfied=satisfied,
        closed_by=by,
        closed_at=timezone.now(),
    )
    if changed != 1:
        _refuse_stale(wish, Wish.Status.FULFILLED)
    wish.refresh_from_db()
    return wish
