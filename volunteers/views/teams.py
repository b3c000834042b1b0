"""Teams, members, volunteers' hours and certificates."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from huaisi.access import require_capability
from huaisi.roles import Capability, RoleKind
from huaisi.selectors import roles_in_force
from huaisi.views import HtmxHttpRequest

from .. import selectors, services
from ..forms import CertificateForm, LeaveForm, MemberForm, TeamEditForm, TeamForm, apply_errors
from ..models import Volunteer
from ._common import this_year, town_of_user


@require_GET
@login_required
@vary_on_headers("HX-Request")
def team_list(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_VOLUNTEERS)
    teams = list(selectors.team_list_for_user(user=request.user))
    town = teams[0].town if teams else None
    context = {
        "teams": teams,
        "can_create": town is not None
        and services.has_town_role(request.user, Capability.MANAGE_TEAMS, town),
    }
    return render(request, "volunteers/team_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def team_create(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_TEAMS)
    town = town_of_user(request.user)
    if not services.has_town_role(request.user, Capability.MANAGE_TEAMS, town):
        raise PermissionDenied
    form = TeamForm(
        request.POST or None, villages=town.villages.order_by("code"), leaders=_leaders()
    )
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(town=town, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Team %(name)s was created.") % {"name": team.name})
            return redirect("team-detail", pk=team.pk)
    return render(
        request,
        "volunteers/form.html",
        {"form": form, "title": _("New volunteer team"), "back_url": "team-list"},
    )


def _leaders(current=None):
    """Accounts that may lead a team: volunteer team leaders in force today (and the team's
    present leader, whose role may have ended)."""
    in_force = Q(
        pk__in=roles_in_force(on=timezone.localdate())
        .filter(kind=RoleKind.VOLUNTEER_LEADER)
        .values("user_id")
    )
    if current is not None:
        in_force |= Q(pk=current)
    return get_user_model().objects.filter(in_force).order_by("username")


@require_http_methods(["GET", "POST"])
@login_required
def team_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_TEAMS)
    team = selectors.team_get_for_user(user=request.user, pk=pk)
    if not services.has_town_role(request.user, Capability.MANAGE_TEAMS, team.town):
        raise PermissionDenied
    form = TeamEditForm(
        request.POST or None,
        villages=team.town.villages.order_by("code"),
        leaders=_leaders(team.leader_id),
        initial={field: getattr(team, field) for field in services.TEAM_FIELDS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_update(team=team, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Team %(name)s was saved.") % {"name": team.name})
            return redirect("team-detail", pk=team.pk)
    return render(
        request,
        "volunteers/form.html",
        {
            "form": form,
            "title": _("Edit %(team)s") % {"team": team.name},
            "back_url": "team-detail",
            "back_pk": team.pk,
            "back_label": team.name,
        },
    )


@require_GET
@login_required
def team_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_VOLUNTEERS)
    team = selectors.team_get_for_user(user=request.user, pk=pk)
    year = this_year()
    members = selectors.team_members(team=team, year=year)
    recent = list(selectors.activity_list_for_user(user=request.user, team=team)[:10])
    user = request.user
    context = {
        "team": team,
        "year": year,
        "members": members,
        "activities": recent,
        "can_manage": services.has_team_role(user, Capability.MANAGE_TEAMS, team),
        "can_edit": services.has_town_role(user, Capability.MANAGE_TEAMS, team.town),
        "can_log": team.is_active and bool(log_villages(user, team)),
    }
    return render(request, "volunteers/team_detail.html", context)


def log_villages(user, team) -> list:
    """The villages where the user may log an activity of `team`."""
    within = team.town.villages.all()
    if team.village_id:
        within = within.filter(pk=team.village_id)
    return [
        v
        for v in within.order_by("code")
        if services.has_team_role(user, Capability.LOG_ACTIVITIES, team, village=v)
    ]


@require_http_methods(["GET", "POST"])
@login_required
def member_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_VOLUNTEERS)
    team = selectors.team_get_for_user(user=request.user, pk=pk)
    if not services.has_team_role(request.user, Capability.MANAGE_TEAMS, team):
        raise PermissionDenied
    # Known people: former members of this team, and volunteers of the team's village who are
    # not in it now.
    current = team.memberships.filter(left_on__isnull=True).values("volunteer_id")
    known_here = Q(memberships__team=team)
    if team.village_id:
        known_here |= Q(village_id=team.village_id)
    known = Volunteer.objects.filter(known_here).exclude(pk__in=current).distinct().order_by("name")
    form = MemberForm(
        request.POST or None, volunteers=known, initial={"volunteer": request.GET.get("volunteer")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.membership_add(
                team=team,
                by=request.user,
                role=data["role"],
                joined_on=data["joined_on"],
                volunteer=data["volunteer"],
                name=data["name"],
                phone=data["phone"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            volunteer = membership.volunteer
            if volunteer.resident_id:
                message = _("%(name)s joined the team (linked to their household).")
            else:
                message = _("%(name)s joined the team.")
            messages.success(request, message % {"name": volunteer.name})
            return redirect("team-detail", pk=team.pk)
    return render(
        request,
        "volunteers/form.html",
        {
            "form": form,
            "title": _("Add a member to %(team)s") % {"team": team.name},
            "back_url": "team-detail",
            "back_pk": team.pk,
            "back_label": team.name,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def membership_end(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_VOLUNTEERS)
    membership = selectors.membership_get_for_user(user=request.user, pk=pk)
    team = membership.team
    if not services.has_team_role(request.user, Capability.MANAGE_TEAMS, team):
        raise PermissionDenied
    form = LeaveForm(request.POST or None)
    if membership.left_on is not None:
        form = None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.membership_end(
                membership=membership, by=request.user, left_on=form.cleaned_data["left_on"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s has left the team.") % {"name": membership.volunteer.name}
            )
            return redirect("team-detail", pk=team.pk)
    return render(
        request,
        "volunteers/form.html",
        {
            "form": form,
            "title": _("%(name)s leaves %(team)s")
            % {"name": membership.volunteer.name, "team": team.name},
            "intro": _("Joined on %(date)s as %(role)s.")
            % {"date": membership.joined_on.isoformat(), "role": membership.get_role_display()},
            "done": membership.left_on
            and _("This membership ended on %(date)s.") % {"date": membership.left_on.isoformat()},
            "back_url": "team-detail",
            "back_pk": team.pk,
            "back_label": team.name,
        },
    )


@require_GET
@login_required
def volunteer_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_VOLUNTEERS)
    volunteer = selectors.volunteer_get_for_user(user=request.user, pk=pk)
    memberships = list(selectors.volunteer_memberships(volunteer=volunteer))
    context = {
        "volunteer": volunteer,
        "memberships": memberships,
        "years": selectors.volunteer_hours(volunteer=volunteer),
        "pending": selectors.volunteer_pending_hours(volunteer=volunteer),
        "recent": selectors.volunteer_recent(volunteer=volunteer),
        "certificates": volunteer.certificates.order_by("-issued_at"),
        "can_issue": _may_issue(request.user, memberships),
        "certificate_form": CertificateForm(),
    }
    return render(request, "volunteers/volunteer_detail.html", context)


def _may_issue(user, memberships) -> bool:
    """Whether `user` leads one of the teams of these memberships (past ones too: a
    certificate may cover hours served before leaving)."""
    return any(services.has_team_role(user, Capability.CONFIRM_HOURS, m.team) for m in memberships)


@require_http_methods(["GET", "POST"])
@login_required
def certificate_issue(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.CONFIRM_HOURS)
    volunteer = selectors.volunteer_get_for_user(user=request.user, pk=pk)
    # The form is refused as the service refuses its POST: only for a leader of one of the
    # volunteer's teams, not for any leader who can see the volunteer.
    if not _may_issue(request.user, selectors.volunteer_memberships(volunteer=volunteer)):
        raise PermissionDenied
    form = CertificateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            certificate = services.certificate_issue(
                volunteer=volunteer, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("certificate-detail", pk=certificate.pk)
    return render(
        request,
        "volunteers/form.html",
        {
            "form": form,
            "title": _("Service certificate for %(name)s") % {"name": volunteer.name},
            "intro": _("The certificate states the confirmed hours in the period."),
            "submit_label": _("Issue the certificate"),
            "back_url": "volunteer-detail",
            "back_pk": volunteer.pk,
            "back_label": volunteer.name,
        },
    )


@require_GET
@login_required
def certificate_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_VOLUNTEERS)
    certificate = selectors.certificate_get_for_user(user=request.user, pk=pk)
    check_url = request.build_absolute_uri(reverse("certificate-check"))
    return render(
        request,
        "volunteers/certificate_detail.html",
        {"certificate": certificate, "check_url": check_url},
    )
