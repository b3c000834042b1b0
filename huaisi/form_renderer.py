"""The project's form renderer: Django's own, except that no select offers Django's bare
"---------" as its empty choice (issue #17: people did not know what it meant).

Django puts "---------" first in every select of a model field with choices and of a
ModelChoiceField unless the form names it. Forms that name their empty choice keep their
words; for the others the empty choice reads "Choose…" (请选择……) when the field is required
and "(none)" (（不选）) when it may be left empty. Done here, at rendering, so every form of
every app, present and future, is covered without each one remembering it.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext as _

DASHES = "---------"
SELECTS = {"django/forms/widgets/select.html"}


class Renderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name in SELECTS:
            widget = context.get("widget") or {}
            for _group, options, _index in widget.get("optgroups", ()):
                for option in options:
                    if option.get("label") == DASHES and option.get("value") in ("", None):
                        option["label"] = _("Choose…") if widget.get("required") else _("(none)")
        return super().render(template_name, context, request=request)
