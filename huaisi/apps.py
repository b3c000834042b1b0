from dataclasses import dataclass

from django.apps import AppConfig
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    """One entry of the top navigation, shown to users holding `capability` (None: everyone)."""

    label: str | Promise
    url_name: str
    capability: str | None = None


class HuaisiConfig(AppConfig):
    name = "huaisi"
    verbose_name = _("Huaisi platform")
    # Apps list their pages here; the navigation context processor gathers them in app order.
    nav_items = (NavItem(_("Home"), "home"),)

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .auth import password_flag_on_login

        user_logged_in.connect(password_flag_on_login, dispatch_uid="huaisi-password-flag")
