"""The board's saved views: a dispatcher saves the board's filters under a name, renames,
shares with the town's other dispatchers (or stops sharing) and deletes their own views.

Only the owner changes a view (`NotPermitted` otherwise). Saving and renaming lock the owner's
account row first, so two saves of one owner at once run one after the other: the second sees
the first's name (refused, `ViewNameTaken`, or the same view when the filters are the same too:
a double click saves once) and its count (at most `MAX_VIEWS_PER_USER`). Renaming, sharing and
deleting are a compare-and-set on the view still being there and the actor's: a view deleted
meanwhile (in another tab) is `ViewGone`, never a half-done change.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Town

from ..board_filters import MAX_VIEWS_PER_USER, BoardFilters, clean_view_name
from ..models import BoardView
from .core import _require, is_command_centre


class ViewNameTaken(ValidationError):
    """The owner has another view of this name (whatever its case)."""


class ViewGone(ValidationError):
    """The view is no longer there: its owner deleted it meanwhile."""

    def __init__(self):
        super().__init__(
            _(
                "This saved view is no longer there (it was deleted meanwhile): nothing was "
                "changed."
            ),
            code="gone",
        )


def _lock_owner(actor) -> None:
    get_user_model().objects.select_for_update().filter(pk=actor.pk).values_list("pk").get()


def _named(views: QuerySet[BoardView], name: str) -> QuerySet[BoardView]:
    """VIEWS named NAME whatever the case, as the unique index compares them."""
    return views.alias(lower_name=Lower("name")).filter(lower_name=Lower(Value(name)))


def _name_taken(name: str) -> ViewNameTaken:
    return ViewNameTaken(
        _("You have a view named “%(name)s” already: choose another name.") % {"name": name},
        code="name_taken",
    )


def _require_owner(actor, view: BoardView) -> None:
    _require(view.owner_id == actor.pk, _("Only the one who saved a view may change it."))


@transaction.atomic(durable=True)
def board_view_save(
    *, actor, town: Town, name: str, filters: BoardFilters, shared: bool = False
) -> tuple[BoardView, bool]:
    """Save FILTERS as the actor's view NAME in TOWN (the actor dispatches there). Returns the
    view and whether it was made: the same name with the same filters is the view saved
    already (a double click), the same name with other filters `ViewNameTaken`."""
    _require(is_command_centre(actor, town.pk), _("Only the town's command centre may do this."))
    name = clean_view_name(name)
    _lock_owner(actor)
    mine = BoardView.objects.filter(owner=actor)
    same = _named(mine, name).first()
    if same is not None:
        if same.query == filters.query and same.town_id == town.pk:
            return same, False
        raise _name_taken(same.name)
    if mine.count() >= MAX_VIEWS_PER_USER:
        raise ValidationError(
            _("You have %(n)s saved views, the most one may keep: delete one first.")
            % {"n": MAX_VIEWS_PER_USER},
            code="too_many",
        )
    now = timezone.now()
    view = BoardView.objects.create(
        town=town,
        owner=actor,
        name=name,
        query=filters.query,
        shared=shared,
        created_at=now,
        updated_at=now,
    )
    return view, True


@transaction.atomic(durable=True)
def board_view_rename(*, actor, view: BoardView, name: str) -> BoardView:
    """Give the actor's VIEW another name, unique among their views."""
    _require_owner(actor, view)
    name = clean_view_name(name)
    _lock_owner(actor)
    clash = _named(BoardView.objects.filter(owner=actor), name).exclude(pk=view.pk).first()
    if clash is not None:
        raise _name_taken(clash.name)
    now = timezone.now()
    if BoardView.objects.filter(pk=view.pk, owner=actor).update(name=name, updated_at=now) != 1:
        raise ViewGone()
    view.name, view.updated_at = name, now
    return view


@transaction.atomic(durable=True)
def board_view_share(*, actor, view: BoardView, shared: bool) -> BoardView:
    """Show the actor's VIEW to the town's other dispatchers as a tab (SHARED), or stop."""
    _require_owner(actor, view)
    now = timezone.now()
    if BoardView.objects.filter(pk=view.pk, owner=actor).update(shared=shared, updated_at=now) != 1:
        raise ViewGone()
    view.shared, view.updated_at = shared, now
    return view


@transaction.atomic(durable=True)
def board_view_delete(*, actor, view: BoardView) -> None:
    """Delete the actor's VIEW (a colleague who had it as a shared tab no longer does)."""
    _require_owner(actor, view)
    deleted, _rows = BoardView.objects.filter(pk=view.pk, owner=actor).delete()
    if deleted != 1:
        raise ViewGone()
