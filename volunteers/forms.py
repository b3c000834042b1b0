"""Input parsing for the volunteers pages. The rules (the 24-hour day, memberships, votes
within attendance, status steps) live in the services, whose messages the views put under the
field they concern."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Activity, Membership, Project, ServiceType
from .services.projects import decision_clean

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
COUNT = forms.NumberInput(attrs={"inputmode": "numeric", "min": "0"})


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError under the fields it names (the rest above the form)."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def new_key() -> str:
    return uuid.uuid4().hex


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; each is checked by the service (huaisi.uploads)."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        )
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(item, initial) for item in items]


class TeamForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    service_type = forms.ChoiceField(label=_("service type"), choices=ServiceType.choices)
    village = forms.ModelChoiceField(
        label=_("village or community"),
        queryset=None,
        required=False,
        empty_label=_("Town-wide"),
    )
    leader_name = forms.CharField(label=_("team leader"), max_length=50)
    leader = forms.ModelChoiceField(
        label=_("team leader (account)"),
        queryset=None,
        required=False,
        help_text=_("The account that confirms the team's hours, if the leader has one."),
    )

    def __init__(self, *args, villages, leaders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.fields["leader"].queryset = leaders
        self.fields["leader"].label_from_instance = lambda u: (
            f"{u.first_name or u.username} ({u.username})"
        )


class TeamEditForm(TeamForm):
    is_active = forms.BooleanField(
        label=_("active"),
        required=False,
        help_text=_(
            "An inactive team keeps its members and hours but takes no new members, "
            "activities or wishes."
        ),
    )


class MemberForm(forms.Form):
    volunteer = forms.ModelChoiceField(
        label=_("Former member or known volunteer"),
        queryset=None,
        required=False,
        empty_label=_("— a new person (enter the name below) —"),
    )
    name = forms.CharField(label=_("full name"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("mobile phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_(
            "With the name, links the member to their household in the register when both match."
        ),
    )
    role = forms.ChoiceField(label=_("role in the team"), choices=Membership.Role.choices)
    joined_on = forms.DateField(label=_("joined on"), widget=DATE)

    def __init__(self, *args, volunteers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = volunteers
        self.initial.setdefault("joined_on", timezone.localdate())

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("volunteer") and not (cleaned.get("name") or "").strip():
            self.add_error("name", _("Enter the member's full name, or choose a volunteer."))
        return cleaned


class LeaveForm(forms.Form):
    left_on = forms.DateField(label=_("left on"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("left_on", timezone.localdate())


class ActivityForm(forms.Form):
    """The activity, and one hours box per member of the team (empty: did not take part)."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    kind = forms.ChoiceField(label=_("kind"), choices=Activity.Kind.choices)
    date = forms.DateField(label=_("date"), widget=DATE)
    village = forms.ModelChoiceField(label=_("village or community"), queryset=None)
    grid = forms.ModelChoiceField(label=_("grid"), queryset=None, required=False)
    place = forms.CharField(label=_("place"), max_length=200)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}))
    staff = forms.ModelMultipleChoiceField(
        label=_("grid staff on the patrol"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    leaflets = forms.IntegerField(
        label=_("leaflets handed out"), min_value=0, required=False, widget=COUNT
    )
    lectures = forms.IntegerField(label=_("lectures"), min_value=0, required=False, widget=COUNT)
    lecture_attendance = forms.IntegerField(
        label=_("lecture attendance"), min_value=0, required=False, widget=COUNT
    )
    screenings = forms.IntegerField(
        label=_("films and audio played"), min_value=0, required=False, widget=COUNT
    )
    posters = forms.IntegerField(
        label=_("posters put up"), min_value=0, required=False, widget=COUNT
    )
    forwards = forms.IntegerField(
        label=_("messages forwarded"), min_value=0, required=False, widget=COUNT
    )
    photos = PhotosField(label=_("photos"))

    COUNT_FIELDS = (
        "leaflets",
        "lectures",
        "lecture_attendance",
        "screenings",
        "posters",
        "forwards",
    )

    def __init__(self, *args, villages, grids, staff, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.fields["grid"].queryset = grids
        self.fields["grid"].label_from_instance = lambda g: f"{g.village.name} · {g.name}"
        self.fields["staff"].queryset = staff
        self.fields["staff"].label_from_instance = lambda u: u.first_name or u.username
        self.members = members
        self.initial.setdefault("idempotency_key", new_key())
        self.initial.setdefault("date", timezone.localdate())
        if villages.count() == 1:
            self.initial.setdefault("village", villages.first())
        self.hours_rows = []
        for membership in members:
            name = f"hours_{membership.volunteer_id}"
            self.fields[name] = forms.DecimalField(
                label=membership.volunteer.name,
                required=False,
                min_value=0,
                max_digits=4,
                decimal_places=1,
                widget=forms.NumberInput(
                    attrs={"inputmode": "decimal", "step": "0.5", "min": "0", "max": "24"}
                ),
            )
        self.hours_fields = [self[f"hours_{m.volunteer_id}"] for m in members]

    def participants(self) -> list:
        chosen = []
        for membership in self.members:
            value = self.cleaned_data.get(f"hours_{membership.volunteer_id}")
            if value:
                chosen.append((membership.volunteer, value))
        return chosen

    def counts(self) -> dict:
        return {name: self.cleaned_data.get(name) or 0 for name in self.COUNT_FIELDS}


class CertificateForm(forms.Form):
    period_from = forms.DateField(label=_("from"), widget=DATE)
    period_to = forms.DateField(label=_("until"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.initial.setdefault("period_from", today.replace(month=1, day=1))
        self.initial.setdefault("period_to", today)


class CertificateCheckForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class WishForm(forms.Form):
    resident = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("wish"), max_length=200)
    details = forms.CharField(
        label=_("details"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ClaimForm(forms.Form):
    team = forms.ModelChoiceField(label=_("team"), queryset=None)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        if len(teams) == 1:
            self.initial.setdefault("team", teams[0])


class FulfilForm(forms.Form):
    fulfilment = forms.CharField(
        label=_("how it was fulfilled"), widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label=_("photos"), help_text=_("At least one photo."))


class CloseForm(forms.Form):
    feedback = forms.CharField(
        label=_("resident's feedback"), widget=forms.Textarea(attrs={"rows": 3})
    )
    satisfied = forms.TypedChoiceField(
        label=_("satisfied"),
        choices=[("yes", _("Satisfied")), ("no", _("Not satisfied"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )


class ProjectForm(forms.Form):
    village = forms.ModelChoiceField(label=_("village or community"), queryset=None)
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("title"), max_length=200)
    category = forms.ChoiceField(label=_("category"), choices=Project.Category.choices)
    lead_name = forms.CharField(label=_("led by (party secretary)"), max_length=50)
    budget = forms.DecimalField(
        label=_("budget (yuan)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"}),
    )
    description = forms.CharField(
        label=_("description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.initial.setdefault("year", timezone.localdate().year)
        if villages.count() == 1:
            self.initial.setdefault("village", villages.first())


class DecisionForm(forms.Form):
    meeting_date = forms.DateField(label=_("meeting date"), widget=DATE)
    attendance = forms.IntegerField(label=_("attendance"), min_value=0, widget=COUNT)
    votes_for = forms.IntegerField(label=_("votes for"), min_value=0, widget=COUNT)
    votes_against = forms.IntegerField(label=_("votes against"), min_value=0, widget=COUNT)
    abstentions = forms.IntegerField(label=_("abstentions"), min_value=0, initial=0, widget=COUNT)
    minutes = forms.CharField(label=_("minutes"), widget=forms.Textarea(attrs={"rows": 4}))

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        for field, message in decision_clean(**cleaned).items():
            self.add_error(field, message)
        return cleaned


class StartForm(forms.Form):
    started_on = forms.DateField(label=_("started on"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("started_on", timezone.localdate())


class ProgressForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=DATE)
    percent = forms.IntegerField(label=_("percent done"), min_value=0, max_value=100, widget=COUNT)
    note = forms.CharField(label=_("progress"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label=_("photos"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("date", timezone.localdate())


class CompleteForm(forms.Form):
    completed_on = forms.DateField(label=_("completed on"), widget=DATE)
    completion_note = forms.CharField(
        label=_("completion report"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("completed_on", timezone.localdate())
