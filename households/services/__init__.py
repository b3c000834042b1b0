"""Every write to the register: households, houses and residents (`register`, re-exported
here), the import of spreadsheets with its background jobs (`importing`), and exports, which
log every full number they reveal (`exporting`)."""

from .register import (  # noqa: F401 - the package's public names
    HOUSE_FIELDS,
    RESIDENT_FIELDS,
    house_create,
    house_update,
    household_create,
    household_merge,
    household_split,
    household_update,
    pinyin_keys,
    resident_clean,
    resident_create,
    resident_update,
    reveal_record,
)
