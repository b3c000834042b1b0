"""The project's form renderer: Django's own, except that

- no select offers Django's bare "---------" as its empty choice (issue #17: people did not
  know what it meant). Django puts "---------" first in every select of a model field with
  choices and of a ModelChoiceField unless the form names it. Forms that name their empty
  choice keep their words; for the others the empty choice reads "Choose…" (请选择……) when the
  field is required and "(none)" (（不选）) when it may be left empty. Done here, at rendering,
  so every form of every app, present and future, is covered without each one remembering it.
- a select and a list of checkboxes are drawn here in Python, to the character what Django's
  widget templates draw (huaisi/tests/test_form_renderer.py compares the two), instead of one
  template include per option and per attribute: an order page draws two unit lists of 60
  and more choices, which cost 12 of its 45 ms through the templates (issue #19). A widget
  whose template or option template is not Django's own still goes through the templates.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

DASHES = "---------"
SELECT = "django/forms/widgets/select.html"
SELECT_OPTION = "django/forms/widgets/select_option.html"
CHECKBOX_SELECT = "django/forms/widgets/checkbox_select.html"
CHECKBOX_OPTION = "django/forms/widgets/checkbox_option.html"


def _shown(value) -> str:
    """`{{ value }}` in a template with autoescaping on."""
    return conditional_escape(str(localize(template_localtime(value))))


def _formatted(value) -> str:
    """`{{ value|stringformat:'s' }}`: the filter keeps a safe value safe."""
    text = "%s" % (str(value) if isinstance(value, tuple) else value)
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {_shown(name)}" if value is True else f' {_shown(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _select(widget: dict) -> str:
    parts = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in options:
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_shown(option['label'])}</option>\n"  # select_option.html's last line
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _checkbox_select(widget: dict) -> str:
    """django/forms/widgets/multiple_input.html with checkbox_option.html for each option."""
    id_ = widget["attrs"].get("id")
    css = widget["attrs"].get("class")
    parts = ["<div"]
    if id_:
        parts.append(f' id="{_shown(id_)}"')
    if css:
        parts.append(f' class="{_shown(css)}"')
    parts.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{_shown(group)}</label>")
        for option in options:
            parts.append("<div>\n    ")
            wrap = option.get("wrap_label")
            if wrap:
                for_id = option["attrs"].get("id")
                parts.append(f'<label for="{_shown(for_id)}">' if for_id else "<label>")
            value = option["value"]
            parts.append(
                f'<input type="{_shown(option["type"])}" name="{_shown(option["name"])}"'
                + (f' value="{_formatted(value)}"' if value is not None else "")
                + f"{_attrs(option['attrs'])}>\n"  # input.html's last line
            )
            if wrap:
                parts.append(f" {_shown(option['label'])}</label>")
            # The last lines of input_option.html and checkbox_option.html.
            parts.append("\n\n</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


def _options_are(widget: dict, template_name: str) -> bool:
    return all(
        option.get("template_name") == template_name
        for _group, options, _index in widget.get("optgroups", ())
        for option in options
    )


class Renderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name == SELECT:
            widget = context.get("widget") or {}
            for _group, options, _index in widget.get("optgroups", ()):
                for option in options:
                    if option.get("label") == DASHES and option.get("value") in ("", None):
                        option["label"] = _("Choose…") if widget.get("required") else _("(none)")
            if _options_are(widget, SELECT_OPTION):
                return _select(
                    widget
                )  # Widget.render marks it safe, as it does the templates' output
        elif template_name == CHECKBOX_SELECT:
            widget = context.get("widget") or {}
            if _options_are(widget, CHECKBOX_OPTION):
                return _checkbox_select(widget)
        return super().render(template_name, context, request=request)
