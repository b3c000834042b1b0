"""Masking of personal numbers (PIPL): every page and export shows these unless the viewer
revealed the full number, which is logged by the app that holds it."""


def mask_id_number(value: str | None) -> str:
    """3210**********1234: the region prefix and the last four stay readable."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
