"""What the volunteers services share: who acts for which team or village, photos, keys."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from huaisi.access import grants_for
from huaisi.roles import CAPABILITIES, Level
from huaisi.uploads import CheckedImage, check_image

MAX_PHOTOS = 6
MAX_KEY_LENGTH = 64

# What a team's own leader may do for the team without a role scoped to where it works.
LEADER_CAPABILITIES = frozenset({"manage_teams", "log_activities", "confirm_hours", "claim_wishes"})


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def has_role_in_village(user, capability: str, village) -> bool:
    """A role holding `capability` for `village`: a town role of its town, or a role in the
    village itself or in one of its grids or micro-grids (grid staff log patrols and wishes
    in their own village)."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    allowed = CAPABILITIES[capability]
    for grant in grants_for(user):
        if grant.kind not in allowed:
            continue
        if grant.level == Level.TOWN and grant.ancestors[Level.TOWN] == village.town_id:
            return True
        if grant.ancestors.get(Level.VILLAGE) == village.pk:
            return True
    return False


def has_team_role(user, capability: str, team, *, village=None) -> bool:
    """Whether `user` may use `capability` for `team` (in `village`, where the action takes
    place): the team's own leader, a town role of the team's town, or a village role of the
    team's village (or of `village`, for a town-wide team)."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    if team.leader_id == user.pk and capability in LEADER_CAPABILITIES:
        return True
    where = team.village if team.village_id else village
    if where is None:
        allowed = CAPABILITIES[capability]
        return any(
            g.kind in allowed and g.level == Level.TOWN and g.ancestors[Level.TOWN] == team.town_id
            for g in grants_for(user)
        )
    return has_role_in_village(user, capability, where)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def clean_key(idempotency_key: str) -> str:
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationError(
            _("This form has expired. Reload the page and try again."), code="bad_key"
        )
    return key


def check_photos(photos, *, required: bool = False) -> list[CheckedImage]:
    photos = [p for p in (photos or []) if p]
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(
            {"photos": _("At most %(n)s photos at a time.") % {"n": MAX_PHOTOS}}, code="too_many"
        )
    if required and not photos:
        raise ValidationError({"photos": _("Add at least one photo.")}, code="photo_required")
    checked = []
    for index, photo in enumerate(photos, start=1):
        try:
            checked.append(check_image(photo, stem=f"photo-{index}"))
        except ValidationError as exc:
            raise ValidationError(
                {"photos": _("Photo %(n)s: %(error)s") % {"n": index, "error": exc.messages[0]}}
            ) from None
    return checked


def save_photos(checked: list[CheckedImage], **owner) -> None:
    from ..models import Photo

    for photo in checked:
        Photo.objects.create(
            image=photo.image,
            thumbnail=photo.thumbnail,
            width=photo.width,
            height=photo.height,
            **owner,
        )
