"""`{% if user|can:"view_residents" %}`: show a link only to those the page would let in.

Views still check for themselves; this only spares users links that would answer 403.
"""

from django import template

from huaisi.access import user_can

register = template.Library()


@register.filter
def can(user, capability: str) -> bool:
    return user_can(user, capability)
