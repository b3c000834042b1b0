from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TownExportConfig(AppConfig):
    """`manage.py export_town` and `import_town`: one town's rows of every app and its uploads,
    to a ZIP and back. Reads every app's tables, so it sits at the top with the dashboard."""

    name = "townexport"
    verbose_name = _("Town export and import")
