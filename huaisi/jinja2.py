"""The Jinja2 template environment, for the pages whose rendering time counts.

Most pages use Django's template language. A page that is opened again and again and whose
benchmark row must stay near the framework floor (the kiosk's household page, issue 4) is a
Jinja2 template under `<app>/jinja2/`, rendered with `render(..., using="jinja2")`: Jinja2
compiles a template to Python, which renders a list of entries several times faster.

What templates may use beyond Jinja2's own:
- `_("text")` for an interface string. Write it exactly so, `_("…")` first in `{{ }}` and the
  string in double quotes: `manage.py makemessages` finds it there (it reads these files as it
  reads Django's). Placeholders: `{{ _("Points in %(month)s")|format(month=…) }}`. Plural
  forms are chosen in Python (ngettext there) and passed in.
- `url("name", arg, …)`, `static("path")`, the `date` filter (Django's, in local time),
  `language_code()`, `mask_id_number(…)` and `mask_phone(…)` (huaisi.privacy), and
  `render_django(name, context)` to include a Django template shared with pages of the other
  engine.
- A Django page can hold a Jinja2 part the other way round: its view renders the part with
  `render_part(request, name, context)` below and the page prints it (`{{ rows_html }}`).
- Django's Jinja2 backend adds `request`, `csrf_input` and `csrf_token` to every context.
"""

from django.template import defaultfilters
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from jinja2 import Environment, StrictUndefined

from huaisi import privacy


def url(name: str, *args) -> str:
    return reverse(name, args=args)


def date(value, format_string: str | None = None) -> str:
    """Django's `date` filter, on the value in the current time zone (as in its templates)."""
    return defaultfilters.date(template_localtime(value), format_string)


def render_django(template_name: str, context: dict) -> SafeString:
    """A Django template rendered into this one: its output is escaped already and marked so
    (SafeString's __html__), which Jinja2 keeps as it is."""
    return render_to_string(template_name, context)


def render_part(request, template_name: str, context: dict) -> SafeString:
    """A Jinja2 template rendered for a Django page to print as it is (`{{ rows_html }}`):
    Jinja2 escaped what it printed, so the result is marked safe for Django."""
    html = render_to_string(template_name, context, request, using="jinja2")
    return mark_safe(html)  # noqa: S308 - escaped by Jinja2's autoescape


def environment(**options) -> Environment:
    # A misspelt variable is an error, not an empty string: tests catch it.
    options.pop("autoescape", None)
    options["undefined"] = StrictUndefined
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    env = Environment(autoescape=True, **options)
    # Old-style gettext: `_()` returns the translation and `|format` fills it in.
    env.install_gettext_callables(translation.gettext, translation.ngettext, newstyle=False)
    env.globals.update(
        url=url,
        static=static,
        language_code=translation.get_language,
        render_django=render_django,
        mask_id_number=privacy.mask_id_number,
        mask_phone=privacy.mask_phone,
    )
    env.filters["date"] = date
    return env
