"""Input parsing for the staff pages of the points programme. The rules themselves (caps, the
civility pact, balances, stock) live in the services, whose messages the views put under the
field they concern."""

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Entry, Good, Rule

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def apply_errors(form: forms.Form, exc) -> None:
    """A service's ValidationError under the fields it names (the rest above the form)."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; each is checked by the service (huaisi.uploads)."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(item, initial) for item in items]


class KeyedForm(forms.Form):
    """A form for a write a double click or a retry could repeat: the key is made when the
    form is first shown and comes back with every submission of it."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = [
            "code", "group", "category", "title", "points", "description", "requires_photo",
            "monthly_cap", "valid_from", "valid_to",
        ]  # fmt: skip
        widgets = {
            "valid_from": DATE,
            "valid_to": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "points": _("Positive to add, negative to deduct."),
            "monthly_cap": _("The most points one household may get from this rule in a month."),
            "valid_to": _("Leave empty while the rule applies."),
        }

    def _post_clean(self):
        # The rulebook's checks (a unique code, the dates in order) run in rule_clean, whose
        # messages the view puts under each field; the model's own would repeat them.
        pass


class EntryForm(KeyedForm):
    household = forms.ModelChoiceField(
        label=_("Household"),
        queryset=None,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Find and choose the household first."),
            "invalid_choice": _("That household is not one you may score. Search again."),
        },
    )
    rule = forms.ModelChoiceField(
        label=_("Rule"),
        queryset=None,
        empty_label=_("Choose a rule"),
        error_messages={"required": _("Choose the rule the deed falls under.")},
    )
    deed_date = forms.DateField(
        label=_("Date of the deed"),
        widget=DATE,
        error_messages={"required": _("Enter the date of the deed.")},
    )
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[
            (Entry.Method.SITE_VISIT, Entry.Method.SITE_VISIT.label),
            (Entry.Method.PHOTO_RECORD, Entry.Method.PHOTO_RECORD.label),
        ],
        initial=Entry.Method.SITE_VISIT,
        widget=forms.RadioSelect,
    )
    basis = forms.CharField(
        label=_("Basis"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done, where and when: the household reads this."),
        error_messages={
            "required": _("Write the basis of the entry: what was done, where and when.")
        },
    )
    photos = PhotosField(
        label=_("Evidence photos"),
        help_text=_("Up to 9 photos (JPEG, PNG or WebP, at most 20 MB each)."),
    )

    def __init__(self, *args, households, rules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households
        self.fields["rule"].queryset = rules
        self.fields["rule"].label_from_instance = rule_label


def rule_label(rule: Rule) -> str:
    label = f"{rule.code} {rule.title} ({rule.points:+d})"
    if rule.requires_photo:
        label += " · " + str(_("photo required"))
    return label


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("reason for rejection"),
        max_length=500,
        widget=forms.TextInput,
        error_messages={"required": _("Give the reason for rejecting the entry.")},
    )


class ReverseForm(KeyedForm):
    reason = forms.CharField(
        label=_("Reason for the correction"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The household reads this as the basis of the correction."),
        error_messages={"required": _("Give the reason for the correction.")},
    )


class PinForm(forms.Form):
    pin = forms.CharField(
        label=_("New PIN"),
        max_length=12,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "new-password", "pattern": "[0-9]*"}
        ),
        help_text=_("4 to 6 digits, chosen by the household."),
        error_messages={"required": _("Enter the PIN.")},
    )
    pin_again = forms.CharField(
        label=_("The PIN again"),
        max_length=12,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "new-password", "pattern": "[0-9]*"}
        ),
        error_messages={"required": _("Enter the PIN a second time.")},
    )

    def clean(self):
        cleaned = super().clean()
        first = unicodedata.normalize("NFKC", cleaned.get("pin") or "").strip()
        second = unicodedata.normalize("NFKC", cleaned.get("pin_again") or "").strip()
        if first and second and first != second:
            self.add_error("pin_again", _("The two PINs differ. Enter the same PIN twice."))
        return cleaned


class StoreOpenForm(forms.Form):
    village = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("name"),
        max_length=100,
        error_messages={"required": _("Enter the supermarket's name.")},
    )

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages


class GoodForm(forms.ModelForm):
    class Meta:
        model = Good
        fields = ["name", "unit", "price_points", "is_active"]
        help_texts = {"unit": _("bag, bottle, kg …")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price_points"].min_value = 1
        self.fields["price_points"].widget.attrs["min"] = 1
        if self.instance.pk is None:
            # A new good is on offer; stock arrives through receipts.
            del self.fields["is_active"]

    def _post_clean(self):
        # The store's checks (a unique name, a price above zero) run in the services.
        pass


class StockReceiptForm(KeyedForm):
    quantity = forms.IntegerField(
        label=_("Quantity received"),
        min_value=1,
        max_value=100_000,
        error_messages={
            "required": _("Enter how many arrived (a whole number above zero)."),
            "invalid": _("Enter how many arrived (a whole number above zero)."),
            "min_value": _("Enter how many arrived (a whole number above zero)."),
        },
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class RefundForm(KeyedForm):
    reason = forms.CharField(
        label=_("Reason for the refund"),
        max_length=200,
        error_messages={"required": _("Give the reason for the refund.")},
    )
