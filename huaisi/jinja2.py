"""The Jinja2 template environment, for the kiosk.

Every page is a Django template except the kiosk's (`points/jinja2/`), which is Jinja2
throughout and self-contained: opened at every sign-in, its household page must stay near the
framework floor (issue 4), and Jinja2 compiles a template to Python, which renders its lists
several times faster. A Jinja2 part inside a Django page was tried for the board, inbox and
search rows and measured against Django partials (issue 15, README "Template engines"): the
gain did not pay for a second language on those pages, so there are none. Pages are rendered
with `render(..., using="jinja2")`.

What templates may use beyond Jinja2's own:
- `_("text")` for an interface string. Write it exactly so, `_("…")` first in `{{ }}` and the
  string in double quotes: `manage.py makemessages` finds it there (it reads these files as it
  reads Django's). Placeholders: `{{ _("Points in %(month)s")|format(month=…) }}`. Plural
  forms are chosen in Python (ngettext there) and passed in.
- `url("name", arg, …)`, `static("path")`, the `date` filter (Django's, in local time),
  `language_code()`, `mask_id_number(…)` and `mask_phone(…)` (huaisi.privacy), and
  `render_django(name, context)` to include a Django template shared with pages of the other
  engine (the kiosk's idle screen shows the notice board's ranking and honours).
- Django's Jinja2 backend adds `request`, `csrf_input` and `csrf_token` to every context.
"""

from django.template import defaultfilters
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString
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
