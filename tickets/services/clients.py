"""Clients of the city platform's intake API: making one, and recognising its token."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Town

from ..models import ApiClient, api_token_hash


@transaction.atomic(durable=True)
def api_client_create(*, town: Town, name: str) -> tuple[ApiClient, str]:
    """A new client of `town` and its bearer token, which is returned here and nowhere else
    (only its hash is stored). Names are unique, so a client is never made twice by mistake."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the client a name.")})
    if len(name) > 80:
        raise ValidationError({"name": _("At most %(n)s characters.") % {"n": 80}})
    if ApiClient.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A client with this name exists already.")})
    token = secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        town=town, name=name, token_hash=api_token_hash(token), created_at=timezone.now()
    )
    return client, token
