from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from huaisi.apps import NavItem
from huaisi.roles import Capability


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = _("Households and residents")
    nav_items = (
        NavItem(_("Residents"), "resident-list", Capability.VIEW_RESIDENTS),
        NavItem(_("Import"), "import-create", Capability.IMPORT_REGISTER),
        NavItem(_("Export"), "export-list", Capability.EXPORT_AREAS),
    )

    def ready(self) -> None:
        # The import services queue these tasks; the tasks call those services (see QUEUE).
        from . import tasks
        from .services import importing

        importing.register_tasks(check=tasks.import_check_task, apply=tasks.import_apply_task)

    def seed_demo(self, *, town, options, progress):
        from .demo import seed

        return seed(town=town, options=options, progress=progress)
