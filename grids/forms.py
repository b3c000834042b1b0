"""Input parsing and the messages people see when something is wrong.

Every message is an English source string translated in locale/zh_Hans; a form that does not
validate changes nothing, because the views call a service only with a valid form.
"""

import datetime
import json
import math
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huaisi.phones import normalise_phone
from huaisi.roles import RoleKind

from .models import mobile_validator

# Boundaries come from survey offices and GIS tools; a village's is a few thousand points,
# far below this. Anything bigger is most likely the wrong file.
MAX_BOUNDARY_BYTES = 1024 * 1024
BOUNDARY_EXTENSIONS = (".geojson", ".json")
POLYGON_TYPES = ("Polygon", "MultiPolygon")

code_validator = RegexValidator(
    r"^[A-Za-z0-9_-]{1,32}$",
    _("Use letters, digits, '-' or '_' only, at most 32 characters."),
)


class LiveValidationMixin:
    """Fields listed in `live_fields` check themselves as people type: an htmx POST to the
    page's own URL, answered with just that field's errors (the page's `errors` partial).

    `live_fields` maps a field to the other fields its check needs (a latitude is checked
    with its longitude); only those are sent, so a large pasted boundary is not re-sent on
    every key press of the name.
    """

    live_fields: dict[str, tuple[str, ...]] = {}

    def enable_live_validation(self, url: str) -> None:
        for name, together in self.live_fields.items():
            if name not in self.fields:
                continue
            field = self.fields[name]
            auto_id = self[name].auto_id
            # The ids Django itself points aria-describedby at; the errors container is always
            # on the page, so a screen reader hears a live error as it appears.
            described_by = [f"{auto_id}_helptext"] if field.help_text else []
            described_by.append(f"{auto_id}_error")
            slow = isinstance(field.widget, forms.Textarea)
            field.widget.attrs.update(
                {
                    "hx-post": url,
                    "hx-trigger": "change" if slow else "input changed delay:500ms, change",
                    "hx-target": f"#{auto_id}_error",
                    "hx-swap": "outerHTML",
                    "hx-params": ",".join((name, *together)),
                    "aria-describedby": " ".join(described_by),
                }
            )

    def live_ok(self, name: str) -> str:
        """A confirmation to show under a field that checked out (none by default)."""
        return ""


# --- Areas ------------------------------------------------------------------------------


class CoordinateField(forms.DecimalField):
    """Degrees, rounded to six decimal places (about 0.1 m), checked against a range."""

    def __init__(self, *, limit: int, invalid: str, out_of_range: str, **kwargs):
        self.limit, self.out_of_range = limit, out_of_range
        super().__init__(required=False, error_messages={"invalid": invalid}, **kwargs)
        self.widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        value = super().to_python(value.strip() if isinstance(value, str) else value)
        if value is None:
            return None
        if not value.is_finite() or abs(value) > self.limit:
            raise ValidationError(self.out_of_range, code="out_of_range")
        return value.quantize(Decimal("0.000001"))

    def validate(self, value):
        # Django's own checks would repeat the range in a less helpful wording.
        if value in self.empty_values and self.required:
            raise ValidationError(self.error_messages["required"], code="required")


def _bad_boundary(message, **params) -> ValidationError:
    return ValidationError(message, code="bad_boundary", params=params)


def _check_position(position, where: str) -> list[float]:
    if (
        not isinstance(position, list)
        or len(position) not in (2, 3)
        or not all(
            isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n)
            for n in position
        )
    ):
        raise _bad_boundary(
            _("%(where)s: each point must be [longitude, latitude] in numbers."), where=where
        )
    lng, lat = position[0], position[1]
    if not -180 <= lng <= 180 or not -90 <= lat <= 90:
        raise _bad_boundary(
            _(
                "%(where)s: the point [%(lng)s, %(lat)s] is out of range. Points are "
                "[longitude, latitude]: longitude -180 to 180, latitude -90 to 90."
            ),
            where=where,
            lng=lng,
            lat=lat,
        )
    return [float(lng), float(lat)]


def _check_polygon(rings, where: str) -> list:
    if not isinstance(rings, list) or not rings:
        raise _bad_boundary(
            _("%(where)s: a polygon needs at least one ring of points."), where=where
        )
    checked = []
    for index, ring in enumerate(rings, start=1):
        ring_where = _("%(where)s, ring %(number)s") % {"where": where, "number": index}
        if not isinstance(ring, list) or len(ring) < 4:
            raise _bad_boundary(
                _("%(where)s: a ring needs at least 4 points (the last repeats the first)."),
                where=ring_where,
            )
        points = [_check_position(p, ring_where) for p in ring]
        if points[0] != points[-1]:
            raise _bad_boundary(
                _("%(where)s is not closed: its last point must be the same as its first."),
                where=ring_where,
            )
        checked.append(points)
    return checked


def parse_boundary(text: str) -> dict:
    """A GeoJSON Polygon or MultiPolygon from pasted or uploaded text, as the geometry to
    store. A Feature, or a FeatureCollection of exactly one Feature (what geojson.io and most
    GIS tools save), is unwrapped to its geometry. Altitudes are dropped."""
    if len(text.encode("utf-8")) > MAX_BOUNDARY_BYTES:
        raise _bad_boundary(
            _("The boundary is larger than 1 MB. Simplify it in your GIS tool first.")
        )

    def refuse_constant(name):
        raise ValueError(name)

    try:
        data = json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as exc:
        raise _bad_boundary(
            _("The boundary is not valid JSON (line %(line)s, column %(column)s)."),
            line=exc.lineno,
            column=exc.colno,
        ) from None
    except (ValueError, RecursionError):
        raise _bad_boundary(_("The boundary is not valid JSON.")) from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise _bad_boundary(
                _("The file holds a FeatureCollection of %(count)s features; give exactly one."),
                count=len(features) if isinstance(features, list) else 0,
            )
        data = features[0]
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    kind = data.get("type") if isinstance(data, dict) else None
    if kind not in POLYGON_TYPES:
        raise _bad_boundary(
            _("The boundary must be a GeoJSON Polygon or MultiPolygon, not %(kind)s."),
            kind=kind or _("something else"),
        )
    coordinates = data.get("coordinates")
    if kind == "Polygon":
        return {"type": kind, "coordinates": _check_polygon(coordinates, str(_("Polygon")))}
    if not isinstance(coordinates, list) or not coordinates:
        raise _bad_boundary(_("A MultiPolygon needs at least one polygon."))
    polygons = [
        _check_polygon(polygon, str(_("Polygon %(number)s") % {"number": index}))
        for index, polygon in enumerate(coordinates, start=1)
    ]
    return {"type": kind, "coordinates": polygons}


def read_boundary_file(upload) -> str:
    if not upload.name.lower().endswith(BOUNDARY_EXTENSIONS):
        raise _bad_boundary(_("Upload a .geojson or .json file."))
    if upload.size > MAX_BOUNDARY_BYTES:
        raise _bad_boundary(
            _("The boundary is larger than 1 MB. Simplify it in your GIS tool first.")
        )
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _bad_boundary(_("The file is not UTF-8 text; save it as GeoJSON again.")) from None


def _degrees(value: Decimal | None) -> str:
    """32.466000 as people write it: 32.466."""
    return "" if value is None else f"{value.normalize():f}"


class AreaForm(LiveValidationMixin, forms.Form):
    """Name, centre and boundary: what a village, a grid and a micro-grid share."""

    name = forms.CharField(label=_("Name"), max_length=100, strip=True)
    centre_lat = CoordinateField(
        label=_("Centre latitude"),
        limit=90,
        invalid=_("Enter the latitude as decimal degrees, for example 32.478."),
        out_of_range=_("Latitude lies between -90 and 90 degrees (Huaisi is near 32.5)."),
    )
    centre_lng = CoordinateField(
        label=_("Centre longitude"),
        limit=180,
        invalid=_("Enter the longitude as decimal degrees, for example 119.3775."),
        out_of_range=_("Longitude lies between -180 and 180 degrees (Huaisi is near 119.4)."),
    )
    boundary_text = forms.CharField(
        label=_("Boundary (GeoJSON)"),
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "code"}),
        help_text=_(
            "A Polygon or MultiPolygon with points as [longitude, latitude]. Leave empty for "
            "no boundary."
        ),
    )
    boundary_file = forms.FileField(
        label=_("…or upload a .geojson file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json"}),
        help_text=_("At most 1 MB. A file replaces the text above."),
    )

    live_fields = {
        "name": (),
        "centre_lat": ("centre_lng",),
        "centre_lng": ("centre_lat",),
        "boundary_text": (),
    }

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "centre_lat": _degrees(instance.centre_lat),
                "centre_lng": _degrees(instance.centre_lng),
                "boundary_text": json.dumps(instance.boundary, ensure_ascii=False)
                if instance.boundary
                else "",
            }
        super().__init__(*args, **kwargs)

    def clean_boundary_text(self):
        text = self.cleaned_data["boundary_text"]
        return parse_boundary(text) if text else None

    def clean_boundary_file(self):
        upload = self.cleaned_data["boundary_file"]
        return parse_boundary(read_boundary_file(upload)) if upload else None

    def clean(self):
        cleaned = super().clean()
        lat, lng = cleaned.get("centre_lat"), cleaned.get("centre_lng")
        lat_ok = "centre_lat" not in self.errors
        lng_ok = "centre_lng" not in self.errors
        if lat_ok and lng_ok and (lat is None) != (lng is None):
            missing = "centre_lng" if lng is None else "centre_lat"
            self.add_error(missing, _("Enter both latitude and longitude, or leave both empty."))
        if cleaned.get("boundary_file"):
            cleaned["boundary"] = cleaned["boundary_file"]
        else:
            cleaned["boundary"] = cleaned.get("boundary_text")
        return cleaned

    def area_values(self) -> dict:
        return {
            "name": self.cleaned_data["name"],
            "centre_lat": self.cleaned_data["centre_lat"],
            "centre_lng": self.cleaned_data["centre_lng"],
            "boundary": self.cleaned_data["boundary"],
        }


class AreaCreateForm(AreaForm):
    """A new grid or micro-grid: an area with a code, unique within its parent."""

    code = forms.CharField(label=_("Code"), max_length=32, validators=[code_validator])
    field_order = ["code", "name"]
    live_fields = {"code": (), **AreaForm.live_fields}


# --- Departments ------------------------------------------------------------------------


class DepartmentForm(LiveValidationMixin, forms.Form):
    town = forms.ModelChoiceField(label=_("Town"), queryset=None, empty_label=None)
    code = forms.CharField(label=_("Code"), max_length=32, validators=[code_validator])
    name = forms.CharField(label=_("Name"), max_length=100)
    is_active = forms.BooleanField(
        label=_("Receives work orders"),
        required=False,
        initial=True,
        help_text=_("Untick for a department that has closed or merged; it keeps its history."),
    )

    live_fields = {"code": (), "name": ()}

    def __init__(self, *args, towns=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # A department's code is how other systems refer to it; it stays fixed.
            del self.fields["town"], self.fields["code"]
        else:
            del self.fields["is_active"]
            self.fields["town"].queryset = towns
            first_two = list(towns[:2])
            if len(first_two) == 1:
                # Most installations carry one town: no need to ask.
                self.fields["town"].widget = forms.HiddenInput()
                self.fields["town"].initial = first_two[0].pk


# --- Staff and rosters ------------------------------------------------------------------


class PhoneField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=20, **kwargs)
        self.widget = forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "off", "placeholder": "13912345678"}
        )

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        phone = normalise_phone(value)
        mobile_validator(phone)
        return phone


class StaffForm(LiveValidationMixin, forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    phone = PhoneField(label=_("Work phone"))
    title = forms.CharField(
        label=_("Job title"),
        max_length=60,
        required=False,
        help_text=_("Optional, for example 村党总支书记."),
    )

    live_fields = {"phone": ()}


class Position:
    """One seat on a roster: a role kind over one area or department."""

    def __init__(self, kind: str, scope, holder_name: str = ""):
        self.kind, self.scope, self.holder_name = kind, scope, holder_name

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.scope.pk}"


class RoleAssignForm(LiveValidationMixin, forms.Form):
    """Who takes which seat from which day: an existing account by user name, or (town
    administrators only) a new account made in the same step."""

    position = forms.ChoiceField(
        label=_("Role"), error_messages={"invalid_choice": _("Choose one of the roles listed.")}
    )
    starts_on = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    username = forms.CharField(
        label=_("User name of an existing account"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
    )
    new_username = forms.CharField(
        label=_("User name"),
        max_length=150,
        required=False,
        validators=[UnicodeUsernameValidator()],
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    phone = PhoneField(label=_("Work phone"), required=False)
    title = forms.CharField(label=_("Job title"), max_length=60, required=False)
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Give it to the new colleague in person; at least 8 characters. They must "
            "choose their own password at their first log-in."
        ),
    )

    NEW_ACCOUNT_FIELDS = ("new_username", "full_name", "phone", "title", "password")
    live_fields = {"username": (), "new_username": (), "phone": ()}

    def __init__(
        self,
        *args,
        positions: list[Position],
        actor,
        may_create_accounts: bool,
        may_assign_self: bool,
        **kwargs,
    ):
        kwargs.setdefault("initial", {}).setdefault("starts_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.positions = {p.key: p for p in positions}
        self.fields["position"].choices = _grouped_choices(positions)
        self.may_create_accounts = may_create_accounts
        self.may_assign_self = may_assign_self
        if not may_create_accounts:
            for name in self.NEW_ACCOUNT_FIELDS:
                del self.fields[name]
        self.existing_user = None

    def live_ok(self, name: str) -> str:
        if name == "username" and self.existing_user is not None:
            return _("Account of %(name)s.") % {
                "name": self.existing_user.first_name or self.existing_user.username
            }
        return ""

    def clean_position(self):
        key = self.cleaned_data["position"]
        if key not in self.positions:
            raise ValidationError(_("Choose one of the roles listed."))
        return self.positions[key]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if not username:
            return ""
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise ValidationError(_("No active account has this user name."))
        self.existing_user = user
        return username

    def clean_new_username(self):
        username = self.cleaned_data.get("new_username", "").strip()
        if username and get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError(_("This user name is taken; choose another."))
        return username

    def clean(self):
        cleaned = super().clean()
        wants_new = self.may_create_accounts and any(
            cleaned.get(name) for name in ("new_username", "full_name", "phone", "password")
        )
        has_existing = bool(cleaned.get("username")) or "username" in self.errors
        if wants_new and has_existing:
            raise ValidationError(
                _("Give either the user name of an existing account or a new account, not both.")
            )
        if not wants_new and not has_existing:
            raise ValidationError(
                _("Give the user name of an existing account, or fill in a new account.")
                if self.may_create_accounts
                else _("Give the user name of an existing account.")
            )
        if wants_new:
            for name in ("new_username", "full_name", "phone", "password"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("Needed for a new account."))
            password = cleaned.get("password")
            if password and "password" not in self.errors:
                probe = get_user_model()(
                    username=cleaned.get("new_username", ""),
                    first_name=cleaned.get("full_name", ""),
                )
                try:
                    validate_password(password, probe)
                except ValidationError as error:
                    self.add_error("password", [_own_wording(e) for e in error.error_list])
        elif (
            self.existing_user is not None
            and self.existing_user.pk == self.actor.pk
            and not self.may_assign_self
        ):
            # Separation of duties: a clerk naming themselves assessor would review their own
            # entries. Town administrators staff the whole town and may take a seat themselves.
            self.add_error("username", _("You cannot give a role to your own account."))
        cleaned["creates_account"] = wants_new
        return cleaned


def _own_wording(error: ValidationError) -> ValidationError:
    # Django 5.2 reworded its "too short" message (%(min_length)d became %d) and its Chinese
    # catalogue has not caught up, so that one would show in English.
    if error.code == "password_too_short":
        return ValidationError(
            _("The password is too short: it needs at least %(count)s characters."),
            code=error.code,
            params={"count": error.params["min_length"]},
        )
    return error


def _grouped_choices(positions: list[Position]) -> list:
    groups: dict[str, list] = {}
    for position in positions:
        # The kind again in each option: a closed select shows only the chosen option.
        label = f"{RoleKind(position.kind).label} · {position.scope}"
        if position.holder_name:
            label = _("%(area)s (now: %(name)s)") % {"area": label, "name": position.holder_name}
        groups.setdefault(position.kind, []).append((position.key, label))
    choices: list = [("", "—")]
    for kind, options in groups.items():
        choices.append((RoleKind(kind).label, options))
    return choices


class RoleEndForm(forms.Form):
    ends_on = forms.DateField(
        label=_("Last day in the role"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("ends_on", timezone.localdate())
        super().__init__(*args, **kwargs)


def parse_roster_date(raw: str | None) -> tuple[datetime.date, str | None]:
    """The day a roster is shown for, from `?on=YYYY-MM-DD`: today when absent, and today
    with a message when it is not a date."""
    today = timezone.localdate()
    if not raw:
        return today, None
    try:
        day = datetime.date.fromisoformat(raw.strip())
    except ValueError:
        day = None
    if day is None or day.year < 1900:
        return today, str(
            _("“%(value)s” is not a date like 2025-06-30; showing today's roster.")
            % {"value": raw[:20]}
        )
    return day, None
