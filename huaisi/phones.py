"""Phone numbers as people type them: one rule for every form and every intake.

`normalise_phone` tidies; it never decides whether the result is acceptable. Each caller
then applies its own check of *what kind* of number it takes: residents and volunteers give a
mobile number (`validate_mobile`), so does the staff roster (`grids.models.mobile_validator`,
the same pattern worded for the roster form), a work order's caller may give a landline
(`tickets.services.intake`: digits, 3–20 of them).
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Mainland mobile numbers: 11 digits starting 13-19 (the virtual-operator 170/171 included).
# The tables' CHECK constraints hold the same pattern (grids, households, volunteers).
MOBILE_PATTERN = r"^1[3-9][0-9]{9}$"
MOBILE_RE = re.compile(MOBILE_PATTERN)

# Spaces and dashes people put between groups of digits ("139 1234 5678", "0571-8888 6666").
SEPARATORS = re.compile(r"[\s\-]+")
# A 13-digit number starting 86 is a mainland number with its country code: no domestic
# number is that long (mobiles have 11 digits, landlines with an area code at most 12).
COUNTRY_CODE = re.compile(r"^(?:\+86|0086|86(?=\d{11}$))")


def normalise_phone(value: str | None) -> str:
    """Full-width digits and signs as ASCII (NFKC), spaces and dashes dropped, a leading +86,
    0086 or 86 (before 11 digits) dropped. Anything else, such as a letter, is kept, so that
    the caller's validator refuses it instead of a number being made up from what is left."""
    phone = unicodedata.normalize("NFKC", value or "").strip()
    phone = SEPARATORS.sub("", phone)
    return COUNTRY_CODE.sub("", phone)


def validate_mobile(value: str | None) -> str:
    """VALUE as a mobile number is stored: tidied by `normalise_phone`, then 11 digits starting
    13–19; raises ValidationError (code "mobile") otherwise."""
    phone = normalise_phone(value)
    if not MOBILE_RE.match(phone):
        raise ValidationError(
            _("A mobile number has 11 digits and starts with 13–19, e.g. 13812345678."),
            code="mobile",
        )
    return phone
