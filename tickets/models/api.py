"""The city platform's intake API clients (tickets/views/api.py): who may send orders, by a
token kept only as its hash."""

import hashlib

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def api_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiClient(models.Model):
    """A city-platform system allowed to post orders to one town through the intake API.

    Only a SHA-256 hash of its bearer token is kept: the token is shown once, when the client
    is made (`manage.py hotline_client_create`), and a lost token is replaced, not recovered.
    A token of 256 random bits needs no slow hash; looking the hash up by index also keeps the
    check free of timing differences on the secret. Revoke a client by deactivating it."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=80, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="apiclient_name_not_blank"),
            models.CheckConstraint(
                condition=Q(token_hash__regex=r"^[0-9a-f]{64}$"),  # noqa: S106 - a hash's form
                name="apiclient_token_hash_hex",
            ),
        ]

    def __str__(self) -> str:
        return self.name
