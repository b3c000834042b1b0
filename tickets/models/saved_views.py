"""Saved views of the dispatch board (issue 19): a dispatcher's filters kept under a name,
shown as tabs above the board, to themselves or, shared, to the town's other dispatchers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from huaisi.roles import Level


class BoardView(models.Model):
    """One dispatcher's named filters of their town's board.

    `query` is the board's query string as `tickets.board_filters.BoardFilters.query` writes
    it (only the board's filter keys); it is read again each time its tab is drawn, so an id
    that no longer fits drops out rather than breaking the tab. A view is a preference of its
    owner, not a record of the town's work: it goes when the account goes (CASCADE), and no
    other row refers to it. Names are unique per owner whatever their case."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="board_views",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=40)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    shared = models.BooleanField(_("shared with the team"), default=False)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    area_paths = {Level.TOWN: "town"}

    class Meta:
        verbose_name = _("saved board view")
        verbose_name_plural = _("saved board views")
        constraints = [
            models.UniqueConstraint(Lower("name"), "owner", name="boardview_owner_name_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="boardview_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name
