from django.apps import apps
from django.urls import reverse

from .access import user_can
from .services import PASSWORD_CHANGE_SESSION_KEY


def navigation(request) -> dict:
    """The navigation entries this user may open, gathered from each app's `nav_items`."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    if request.session.get(PASSWORD_CHANGE_SESSION_KEY):
        # Until the first password is chosen every page leads back to that one: no menu.
        return {"nav_items": []}
    items = []
    seen: set[str] = set()
    for config in apps.get_app_configs():
        for item in getattr(config, "nav_items", ()):
            if item.url_name in seen:
                continue
            if item.capability is None or user_can(user, item.capability):
                seen.add(item.url_name)
                url = reverse(item.url_name)
                items.append({"label": item.label, "url": url, "active": request.path == url})
    return {"nav_items": items}
