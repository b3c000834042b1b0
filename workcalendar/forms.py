from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FIRST_YEAR, LAST_YEAR, DayKind, SpecialDay
from .services import CSV_MAX_BYTES


class SpecialDayForm(forms.Form):
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=DayKind.choices, widget=forms.RadioSelect)
    name = forms.CharField(
        label=_("Name"),
        max_length=SpecialDay._meta.get_field("name").max_length,
        help_text=_("As the notice names it, e.g. 春节 or 国庆节."),
    )
    notice = forms.CharField(
        label=_("Notice"),
        required=False,
        max_length=SpecialDay._meta.get_field("notice").max_length,
        help_text=_("The notice the day comes from, e.g. 国办发明电〔2026〕…号."),
    )

    def clean_date(self):
        day = self.cleaned_data["date"]
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise forms.ValidationError(
                _("The year must lie between %(first)s and %(last)s."),
                params={"first": FIRST_YEAR, "last": LAST_YEAR},
            )
        return day


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: date, kind (holiday or workday; 休 or 班), name, notice. UTF-8 or GBK; "
            "a header row is optional."
        ),
    )
    mark_years_entered = forms.BooleanField(
        label=_("The file holds the whole schedule of its years: mark them as entered"),
        required=False,
        initial=True,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(kb)s KB."), params={"kb": CSV_MAX_BYTES // 1024}
            )
        return upload


class YearEnterForm(forms.Form):
    notice = forms.CharField(
        label=_("Notice"),
        required=False,
        max_length=200,
        help_text=_("The State Council notice the year's schedule comes from."),
    )


class YearChoiceForm(forms.Form):
    year = forms.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR)
