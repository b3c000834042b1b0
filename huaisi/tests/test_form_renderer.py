"""The renderer draws selects and checkbox lists in Python (issue #19): the page a user gets must
be the one Django's widget templates would give, to the character, whatever the choices hold."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.functional import lazy
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from huaisi.form_renderer import Renderer

OURS = Renderer()
DJANGOS = DjangoTemplates()

text = st.lists(
    st.sampled_from(list("ab 1<>&\"'=/槐泗村\n\u00a0") + ["{{", "%s", "{% if %}"]), max_size=6
).map("".join)
value = st.one_of(text, st.integers(-5, 10_000), st.none())
label = st.one_of(
    text,
    st.integers(0, 10_000),
    text.map(mark_safe),
    st.decimals(-1000, 1000, places=2),
    st.dates(),
    st.datetimes(timezones=st.just(datetime.UTC)),
)
choice = st.tuples(value, label)
choices = st.one_of(
    st.lists(choice, max_size=6),
    st.lists(st.tuples(text, st.lists(choice, min_size=1, max_size=3)), max_size=3),
    st.lists(st.one_of(choice, st.tuples(text.filter(bool), st.lists(choice, max_size=2)))),
)
attrs = st.dictionaries(
    st.sampled_from(["id", "class", "required", "disabled", "data-x", "aria-label"]),
    st.one_of(st.booleans(), text, st.integers(0, 9), text.map(mark_safe)),
    max_size=4,
)
widgets = st.sampled_from(
    [forms.Select, forms.SelectMultiple, forms.CheckboxSelectMultiple, forms.NullBooleanSelect]
)


def both(widget, name, current, extra):
    return (
        widget.render(name, current, attrs=extra, renderer=OURS),
        widget.render(name, current, attrs=extra, renderer=DJANGOS),
    )


@settings(max_examples=400, deadline=None)
@given(widgets, choices, attrs, st.one_of(value, st.lists(value, max_size=3)), text)
def test_selects_and_checkbox_lists_read_exactly_as_djangos_templates_draw_them(
    widget_class, options, extra, current, name
):
    widget = widget_class()
    if widget_class is forms.NullBooleanSelect:
        current = current[0] if isinstance(current, list) and current else None
    else:
        widget.choices = options
    ours, djangos = both(widget, name, current, extra)
    assert ours == djangos


def test_a_real_form_with_a_model_choice_list_and_checkboxes_is_drawn_the_same():
    class Form(forms.Form):
        unit = forms.ChoiceField(choices=[("", "请选择"), ("1", "综合行政执法局 <&>")])
        helpers = forms.MultipleChoiceField(
            choices=[("a", "槐泗村"), ("b", mark_safe("<b>前进村</b>"))],
            widget=forms.CheckboxSelectMultiple(attrs={"class": "units"}),
            required=False,
        )
        kind = forms.ChoiceField(
            choices=[("诉求", [("1", "求助"), ("2", "投诉")]), ("3", "其他")],
            widget=forms.Select(attrs={"disabled": True, "hidden": False}),
        )

    data = {"unit": "1", "helpers": ["b"], "kind": "2"}
    form, djangos = Form(data=data), Form(data=data, renderer=DJANGOS)
    for name in ("unit", "helpers", "kind"):
        assert str(form[name]) == str(djangos[name])
    assert "selected>综合行政执法局 &lt;&amp;&gt;</option>" in str(form["unit"])
    assert "<b>前进村</b>" in str(form["helpers"]) and "checked" in str(form["helpers"])


def test_a_lazy_label_and_an_unnamed_empty_choice():
    lazy_label = lazy(lambda: "网格 & 微网格", str)()
    widget = forms.Select(choices=[("", "---------"), ("x", lazy_label)])
    ours = widget.render("f", "x", renderer=OURS)
    assert "网格 &amp; 微网格" in ours
    # The bare dashes become words (issue #17) on the fast path too.
    assert "---------" not in ours and '<option value="">（不选）</option>' in ours


@pytest.mark.parametrize("template_name", ["my/select.html"])
def test_a_widget_with_its_own_option_template_still_goes_through_the_templates(template_name):
    class Custom(forms.Select):
        option_template_name = template_name

    widget = Custom(choices=[("1", "一")])
    with pytest.raises(Exception, match="my/select.html"):
        widget.render("f", "1", renderer=OURS)
