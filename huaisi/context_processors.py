from django.apps import apps
from django.urls import reverse

from .access import user_can


def navigation(request) -> dict:
    """The navigation entries this user may open, gathered from each app's `nav_items`."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for config in apps.get_app_configs():
        for item in getattr(config, "nav_items", ()):
            if item.capability is None or user_can(user, item.capability):
                url = reverse(item.url_name)
                items.append({"label": item.label, "url": url, "active": request.path == url})
    return {"nav_items": items}
