from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from huaisi.privacy import mask_id_number, mask_phone

from .models import CareTag, House, Household, Resident
from .services import resident_clean

MASKS = {"id_number": mask_id_number, "phone": mask_phone}


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
        # A person's name: the model's "name" reads 名称 (a thing's name) in Chinese.
        labels = {"name": _("Full name")}
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            # "tel", not "numeric": phone keyboards then offer the + of +86 and a space.
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "id_number": forms.TextInput(
                attrs={"autocomplete": "off", "autocapitalize": "characters"}
            ),
        }

    def __init__(self, *args, household: Household, masked: Iterable[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.household = household
        # The model's DB checks expect a normalised number; resident_clean does that first.
        self.fields["id_number"].validators = []
        self.fields["phone"].validators = []
        self.fields["id_number"].required = False
        # "+86 138 1234 5678" is a fine way to type a number: the browser must not cut it at 11.
        self.fields["phone"].widget.attrs.pop("maxlength", None)
        # Numbers the user may not reveal are not sent to the browser: the box starts empty,
        # shows the masked number, and leaving it empty keeps the number on record.
        self.masked = {name for name in masked if getattr(self.instance, name, None)}
        for name in self.masked:
            self.initial[name] = ""
            self.fields[name].widget.attrs["placeholder"] = MASKS[name](
                getattr(self.instance, name)
            )
            self.fields[name].help_text = _("Leave empty to keep the number on record.")

    def _post_clean(self):
        # The register's rules live in one place (services.resident_clean), which also runs
        # the uniqueness checks with readable messages; the model's own validation would only
        # repeat them in less helpful words.
        pass

    def clean(self):
        cleaned = super().clean()
        for name in self.masked:
            if not cleaned.get(name):
                cleaned[name] = getattr(self.instance, name)
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


class HouseForm(forms.ModelForm):
    class Meta:
        model = House
        fields = ["address", "structure", "floors", "floor_area", "use", "lat", "lng"]

    def __init__(self, *args, microgrids=None, **kwargs):
        super().__init__(*args, **kwargs)
        if microgrids is not None:
            self.fields["microgrid"] = forms.ModelChoiceField(
                label=_("Micro-grid"), queryset=microgrids
            )
            self.order_fields(["microgrid", *self.Meta.fields])

    def _post_clean(self):
        # The services check the address and position with readable messages.
        pass


class HouseholdForm(forms.Form):
    number = forms.CharField(label=_("household number"), max_length=32)
    pact_signed_on = forms.DateField(
        label=_("civility pact signed on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty while the household has not signed."),
    )
    house = forms.ModelChoiceField(label=_("house"), queryset=House.objects.none(), required=False)

    def __init__(self, *args, houses, with_number: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = houses
        if not with_number:
            del self.fields["number"]
