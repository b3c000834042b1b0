from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .selectors import Cursor, Kind


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.CHOICES, required=False)
    user = forms.CharField(label=_("User name"), max_length=150, required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    before = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_user(self):
        username = self.cleaned_data["user"].strip()
        if not username:
            return None
        found = get_user_model().objects.filter(username=username).only("pk").first()
        if found is None:
            raise forms.ValidationError(_("No user has this user name."), code="unknown_user")
        return found

    def clean_before(self):
        raw = self.cleaned_data["before"]
        if not raw:
            return None
        cursor = Cursor.parse(raw)
        if cursor is None:
            raise forms.ValidationError(
                _("This page link is not valid: start from the first page.")
            )
        return cursor

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned
