"""Input of the work-order pages: parsing and messages. The services decide and enforce."""

from django import forms
from django.forms.models import ModelChoiceIteratorValue
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Grid, Village

from .board_filters import BoardFilters, BoardLookups, clean_view_name, saved_filters
from .models import Satisfaction, Source, Unit, Urgency, WorkOrder
from .services.attachments import MAX_FILES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked by the service (type, size, image)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/*,.pdf,.doc,.docx,.xls,.xlsx"})
        )
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            _("Photos, PDF or office documents; at most %(n)s files.") % {"n": MAX_FILES},
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return str(obj)


class UnitsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return str(obj)


def _offer_units(form: forms.Form, names: tuple[str, ...], units, shown: list[Unit] | None):
    """Make UNITS (a queryset) what the fields NAMES accept. SHOWN, the same units already
    read, are what they offer: the order page shows four unit lists (dispatch, joint handling)
    and read the town's units once for each of them."""
    for name in names:
        field = form.fields[name]
        field.queryset = units
        if shown is None:
            continue
        choices = [(ModelChoiceIteratorValue(u.pk, u), field.label_from_instance(u)) for u in shown]
        if getattr(field, "empty_label", None) is not None:
            choices.insert(0, ("", field.empty_label))
        field.widget.choices = choices


# --- Workflow actions ----------------------------------------------------------------------


class DispatchForm(forms.Form):
    lead_unit = UnitChoiceField(
        queryset=Unit.objects.none(),
        label=_("Lead unit"),
        empty_label=_("Choose the lead unit"),
        error_messages={"required": _("Choose the unit that leads the handling.")},
    )
    co_units = UnitsChoiceField(
        queryset=Unit.objects.none(),
        label=_("Co-handling units"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Instructions"), required=False, max_length=2000, widget=_textarea(2)
    )

    def __init__(self, *args, units, shown_units: list[Unit] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_units(self, ("lead_unit", "co_units"), units, shown_units)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=_textarea(2))


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it returned?"),
        max_length=2000,
        widget=_textarea(3),
        error_messages={"required": _("Say why the order is returned.")},
    )


class ExtensionRequestForm(forms.Form):
    working_days = forms.IntegerField(
        label=_("Extra working days"),
        min_value=1,
        max_value=30,
        error_messages={
            "required": _("Ask for 1 to 30 working days."),
            "min_value": _("Ask for 1 to 30 working days."),
            "max_value": _("Ask for 1 to 30 working days."),
            "invalid": _("Ask for 1 to 30 working days."),
        },
    )
    reason = forms.CharField(
        label=_("Why is more time needed?"),
        max_length=2000,
        widget=_textarea(3),
        error_messages={"required": _("Say why more time is needed.")},
    )


class ExtensionDecideForm(forms.Form):
    request_id = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Approve or refuse the request.")},
    )
    note = forms.CharField(
        label=_("Note (required when refusing)"),
        required=False,
        max_length=2000,
        widget=_textarea(2),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply"),
        max_length=5000,
        widget=_textarea(5),
        error_messages={"required": _("Write the reply.")},
    )
    files = MultipleFileField(label=_("Files"))


class CoOpinionForm(forms.Form):
    text = forms.CharField(
        label=_("Your unit's opinion"),
        help_text=_("What your unit found or did; the lead unit sees it in the timeline."),
        max_length=5000,
        widget=_textarea(4),
        error_messages={"required": _("Write your unit's opinion.")},
    )
    files = MultipleFileField(label=_("Files"))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve the reply")), ("reject", _("Send it back to the unit"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Approve the reply or send it back.")},
    )
    note = forms.CharField(
        label=_("Note (required when sending back)"),
        required=False,
        max_length=2000,
        widget=_textarea(2),
    )


class CallbackForm(forms.Form):
    result = forms.ChoiceField(
        label=_("What did the caller say?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the caller said.")},
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=_textarea(2))


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=_textarea(2),
        help_text=_("Without a callback, say why the caller was not called back."),
    )


class OnSpotForm(forms.Form):
    note = forms.CharField(
        label=_("What was done on the spot?"),
        max_length=2000,
        widget=_textarea(3),
        error_messages={"required": _("Say what was done on the spot.")},
    )
    files = MultipleFileField(label=_("Photos"))


class DuplicateForm(forms.Form):
    original = forms.CharField(
        label=_("Number of the original order"),
        max_length=20,
        error_messages={"required": _("Enter the number of the original order.")},
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=_textarea(2))

    def __init__(self, *args, orders, **kwargs):
        super().__init__(*args, **kwargs)
        self.orders = orders

    def clean_original(self) -> WorkOrder:
        number = self.cleaned_data["original"].strip().upper()
        original = self.orders.filter(number=number).first()
        if original is None:
            raise forms.ValidationError(
                _("No order %(number)s that you may see.") % {"number": number}
            )
        return original


class ExcludeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it left out of assessment?"),
        max_length=500,
        widget=_textarea(2),
        error_messages={"required": _("Say why the order is left out of assessment.")},
    )


class MeetingForm(forms.Form):
    held_at = forms.DateTimeField(
        label=_("Held at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"required": _("Enter when the meeting was held.")},
    )
    units = UnitsChoiceField(
        queryset=Unit.objects.none(),
        label=_("Units that attended"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("A joint meeting brings together at least two units.")},
    )
    attendee_names = forms.CharField(label=_("Attendees"), max_length=2000, widget=_textarea(2))
    minutes = forms.CharField(label=_("Minutes"), max_length=5000, widget=_textarea(4))
    decisions = forms.CharField(label=_("Decisions"), max_length=5000, widget=_textarea(3))
    lead_unit = UnitChoiceField(
        queryset=Unit.objects.none(), label=_("Lead unit"), empty_label=_("Choose the lead unit")
    )

    def __init__(self, *args, units, shown_units: list[Unit] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_units(self, ("units", "lead_unit"), units, shown_units)
        if not self.is_bound:
            self.initial.setdefault(
                "held_at", timezone.localtime().replace(second=0, microsecond=0)
            )


class ScoreForm(forms.Form):
    """One field per checklist item, 0 to its points."""

    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=_textarea(2))

    def __init__(self, *args, items, initial_points=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        initial_points = initial_points or {}
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.IntegerField(
                label=f"{item.title} (0–{item.max_points})",
                min_value=0,
                max_value=item.max_points,
                initial=initial_points.get(str(item.pk)),
                error_messages={
                    k: _("Give 0 to %(n)s points.") % {"n": item.max_points}
                    for k in ("required", "min_value", "max_value", "invalid")
                },
            )
        self.order_fields([f"item_{i.pk}" for i in self.items] + ["note"])

    @property
    def points(self) -> dict[int, int]:
        return {item.pk: self.cleaned_data[f"item_{item.pk}"] for item in self.items}


# --- Intake ------------------------------------------------------------------------------


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.parent.name} › {obj.name}" if obj.parent_id else obj.name


class _IntakeBase(forms.Form):
    category = CategoryChoiceField(
        queryset=None,
        label=_("Category"),
        empty_label=_("Choose a category"),
        error_messages={"required": _("Choose one of the town's categories.")},
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    title = forms.CharField(
        label=_("Title"), max_length=120, error_messages={"required": _("Enter a short title.")}
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        widget=_textarea(5),
        error_messages={"required": _("Describe the matter.")},
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    files = MultipleFileField(label=_("Photos and files"))

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories


class OrderCreateForm(_IntakeBase):
    """Walk-in and phone intake at the command centre (and orders keyed in from the hotline)."""

    source = forms.ChoiceField(
        label=_("Source"),
        choices=[(v, label) for v, label in Source.choices if v != Source.GRID],
        initial=Source.PHONE,
    )
    caller_name = forms.CharField(label=_("Caller name"), max_length=50, required=False)
    caller_phone = forms.CharField(
        label=_("Caller phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    village = forms.ModelChoiceField(
        queryset=Village.objects.none(), label=_("Village or community"), required=False
    )
    upstream_number = forms.CharField(
        label=_("City platform number"), max_length=40, required=False
    )
    upstream_deadline = forms.DateTimeField(
        label=_("City platform deadline"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    field_order = [
        "source", "category", "urgency", "title", "description", "caller_name", "caller_phone",
        "village", "address", "upstream_number", "upstream_deadline", "files",
    ]  # fmt: skip

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages


class GridReportForm(_IntakeBase):
    """A problem found on patrol, in one of the reporter's grids."""

    grid = forms.ModelChoiceField(
        queryset=Grid.objects.none(),
        label=_("Grid"),
        empty_label=None,
        error_messages={"required": _("Choose your grid.")},
    )
    handled_on_spot = forms.BooleanField(label=_("I handled it on the spot"), required=False)
    on_spot_note = forms.CharField(
        label=_("What was done on the spot?"), required=False, max_length=2000, widget=_textarea(2)
    )
    field_order = [
        "grid", "category", "urgency", "title", "description", "address", "files",
        "handled_on_spot", "on_spot_note",
    ]  # fmt: skip

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids

    def clean(self):
        data = super().clean()
        if data.get("handled_on_spot") and not (data.get("on_spot_note") or "").strip():
            self.add_error("on_spot_note", _("Say what was done on the spot."))
        return data


# --- The board's bulk actions ---------------------------------------------------------------

BULK_LIMIT = 50  # a page of the board


class BulkForm(forms.Form):
    """Rows chosen on the board, and what to do with them: dispatch to one lead unit, or mark
    as duplicates of one original order."""

    ACTIONS = (("dispatch", _("Dispatch")), ("duplicate", _("Mark as duplicates")))

    action = forms.ChoiceField(choices=ACTIONS)
    orders = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={"required": _("Choose at least one order.")},
    )
    lead_unit = UnitChoiceField(queryset=Unit.objects.none(), required=False)
    original = forms.CharField(max_length=20, required=False)

    def __init__(self, *args, units, orders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = units
        self.order_queryset = orders
        # Any of the user's order ids is a valid choice; which still can be changed is the
        # services' decision, order by order.
        self.fields["orders"].choices = [(v, v) for v in self.data.getlist("orders")[:BULK_LIMIT]]

    def clean_orders(self) -> list[WorkOrder]:
        ids = self.cleaned_data["orders"]
        if len(self.data.getlist("orders")) > BULK_LIMIT:
            raise forms.ValidationError(
                _("Choose at most %(n)s orders at a time.") % {"n": BULK_LIMIT}
            )
        found = list(self.order_queryset.filter(pk__in=ids).order_by("pk"))
        if not found:
            raise forms.ValidationError(_("Choose at least one order."))
        return found

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action == "dispatch" and not cleaned.get("lead_unit"):
            self.add_error("lead_unit", _("Choose the unit that leads the handling."))
        if action == "duplicate":
            number = (cleaned.get("original") or "").strip().upper()
            original = self.order_queryset.filter(number=number).first() if number else None
            if original is None:
                self.add_error(
                    "original",
                    _("No order %(number)s that you may see.") % {"number": number or "—"},
                )
            cleaned["original"] = original
        return cleaned


# --- The board's saved views ------------------------------------------------------------------


class BoardViewNameForm(forms.Form):
    """A saved view's name (renaming). Its rules are `board_filters.clean_view_name`'s."""

    name = forms.CharField(label=_("Name of the view"), required=False, strip=False)

    def clean_name(self) -> str:
        return clean_view_name(self.cleaned_data["name"])


class BoardViewForm(BoardViewNameForm):
    """Saving the board's filters as a view: its name, whether the team sees it, and the
    filters (the board's query string), kept only if the board would keep every one of them."""

    shared = forms.BooleanField(label=_("Share with the team"), required=False)
    filters = forms.CharField(required=False, strip=False)

    def __init__(self, *args, lookups: BoardLookups, **kwargs):
        super().__init__(*args, **kwargs)
        self.lookups = lookups

    def clean_filters(self) -> BoardFilters:
        return saved_filters(self.cleaned_data["filters"], self.lookups)
