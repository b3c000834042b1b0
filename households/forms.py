from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import CareTag, Household, Resident
from .services import resident_clean


class ResidentForm(forms.ModelForm):
    care_tags = forms.MultipleChoiceField(
        label=_("care tags"),
        choices=CareTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Resident
        fields = [
            "name", "gender", "id_number", "birth_date", "phone", "relation", "residence_type",
            "care_tags", "note", "moved_out", "deceased",
        ]  # fmt: skip
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "phone": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "id_number": forms.TextInput(
                attrs={"autocomplete": "off", "autocapitalize": "characters"}
            ),
        }

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = household
        # The model's DB checks expect a normalised number; resident_clean does that first.
        self.fields["id_number"].validators = []
        self.fields["phone"].validators = []
        self.fields["id_number"].required = False

    def _post_clean(self):
        # The register's rules live in one place (services.resident_clean), which also runs
        # the uniqueness checks with readable messages; the model's own validation would only
        # repeat them in less helpful words.
        pass

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned.update(
                resident_clean(
                    data=cleaned,
                    instance=self.instance if self.instance.pk else None,
                    household=self.household,
                )
            )
        except ValidationError as exc:
            for field, errors in exc.error_dict.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, errors)
                elif field not in self.fields:
                    self.add_error(None, errors)
        return cleaned


class SplitForm(forms.Form):
    number = forms.CharField(label=_("New household number"), max_length=32)
    members = forms.ModelMultipleChoiceField(
        label=_("Members who move"),
        queryset=Resident.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    head = forms.ModelChoiceField(
        label=_("Head of the new household"), queryset=Resident.objects.none()
    )

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        present = household.residents.filter(moved_out=False, deceased=False).order_by("birth_date")
        self.fields["members"].queryset = present
        self.fields["head"].queryset = present


class MergeForm(forms.Form):
    target_number = forms.CharField(label=_("Household number to merge into"), max_length=32)
