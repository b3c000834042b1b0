"""Every read of the register: its search and pages (`register`), the map's GeoJSON (`map`).
The public names are re-exported here."""

from .map import (  # noqa: F401 - the package's public names
    MARKER_CATEGORIES,
    MarkerCategory,
    grid_get_for_map,
    grid_map_data,
    marker_category,
    village_get_for_map,
    village_map_data,
)
from .register import (  # noqa: F401
    SEARCH_LIMIT,
    house_get_for_editor,
    house_get_for_user,
    household_get_for_editor,
    household_get_for_user,
    resident_get_for_user,
    resident_search_for_user,
    reveals_of_resident,
)
