"""Livelihood projects: lists, the yearly summary, the decision, progress, completion."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from grids.models import Village
from huaisi.access import require_capability, user_can
from huaisi.list_filters import ResultCount
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from .. import selectors, services
from ..forms import (
    CompleteForm,
    DecisionForm,
    ProgressForm,
    ProjectForm,
    StartForm,
    apply_errors,
)
from ..models import Project
from ._common import int_or_none, this_year, villages_acting, villages_seen


def _filters(request) -> dict:
    return {
        "year": int_or_none(request.GET.get("year")) or this_year(),
        "village_id": int_or_none(request.GET.get("village")),
        "category": request.GET.get("category", ""),
        "status": request.GET.get("status", ""),
    }


@require_GET
@login_required
@vary_on_headers("HX-Request")
def project_list(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_VOLUNTEERS)
    filters = _filters(request)
    projects = list(selectors.project_list_for_user(user=request.user, **filters))
    context = {
        **filters,
        "projects": projects,
        "result_count": ResultCount(n=len(projects)),
        "villages": villages_seen(request.user),
        "years": _years(request.user, filters["year"]),
        "categories": Project.Category.choices,
        "statuses": Project.Status.choices,
        "can_create": user_can(request.user, Capability.MANAGE_PROJECTS),
    }
    template = "volunteers/project_list.html"
    if request.htmx and request.htmx.target == "project-results":
        template += "#results"
    return render(request, template, context)


def _years(user, year: int) -> list[int]:
    years = set(selectors.project_years(projects=selectors.project_list_for_user(user=user)))
    years |= {year, this_year()}
    return sorted(years, reverse=True)


@require_GET
@login_required
def project_summary(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_VOLUNTEERS)
    year = int_or_none(request.GET.get("year")) or this_year()
    projects = selectors.project_list_for_user(user=request.user, year=year)
    context = {
        "year": year,
        "years": _years(request.user, year),
        "summary": selectors.project_summary(projects=projects),
        "statuses": Project.Status.choices,
    }
    return render(request, "volunteers/project_summary.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def project_create(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_PROJECTS)
    villages = villages_acting(request.user, Capability.MANAGE_PROJECTS)
    if not villages:
        raise PermissionDenied
    village_qs = Village.objects.filter(pk__in=[v.pk for v in villages]).order_by("code")
    form = ProjectForm(request.POST or None, villages=village_qs)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The project was added. Record the villagers' decision before work starts."),
            )
            return redirect("project-detail", pk=project.pk)
    return render(
        request,
        "volunteers/form.html",
        {"form": form, "title": _("New livelihood project"), "back_url": "project-list"},
    )


@require_GET
@login_required
def project_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_VOLUNTEERS)
    project = selectors.project_get_for_user(user=request.user, pk=pk)
    decision = getattr(project, "decision", None)
    context = {
        "project": project,
        "decision": decision,
        "updates": project.updates.all(),
        "can_manage": services.has_role_in_village(
            request.user, Capability.MANAGE_PROJECTS, project.village
        ),
    }
    return render(request, "volunteers/project_detail.html", context)


def _project_step(request, pk, *, form_class, run, title, submit, done, initial=None, intro=""):
    require_capability(request.user, Capability.MANAGE_PROJECTS)
    project = selectors.project_get_for_user(user=request.user, pk=pk)
    if not services.has_role_in_village(request.user, Capability.MANAGE_PROJECTS, project.village):
        raise PermissionDenied
    form = form_class(
        request.POST or None, request.FILES or None, initial=initial(project) if initial else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            run(project, form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("project-detail", pk=project.pk)
    return render(
        request,
        "volunteers/form.html",
        {
            "form": form,
            "title": title,
            "intro": intro or f"{project.village.name} · {project.title}",
            "submit_label": submit,
            "multipart": True,
            "back_url": "project-detail",
            "back_pk": project.pk,
            "back_label": project.title,
        },
    )


def _decision_initial(project):
    decision = getattr(project, "decision", None)
    if decision is None:
        return None
    return {
        name: getattr(decision, name)
        for name in (
            "meeting_date", "attendance", "votes_for", "votes_against", "abstentions", "minutes"
        )
    }  # fmt: skip


@require_http_methods(["GET", "POST"])
@login_required
def project_decision(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _project_step(
        request,
        pk,
        form_class=DecisionForm,
        initial=_decision_initial,
        run=lambda p, d: services.decision_record(project=p, by=request.user, **d),
        title=_("The villagers' decision (one matter, one meeting)"),
        submit=_("Save the decision"),
        done=_("The decision was recorded."),
    )


@require_http_methods(["GET", "POST"])
@login_required
def project_start(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _project_step(
        request,
        pk,
        form_class=StartForm,
        run=lambda p, d: services.project_start(project=p, by=request.user, **d),
        title=_("Start the work"),
        submit=_("Work has started"),
        done=_("The project is in progress."),
    )


@require_http_methods(["GET", "POST"])
@login_required
def project_progress(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _project_step(
        request,
        pk,
        form_class=ProgressForm,
        run=lambda p, d: services.progress_add(project=p, by=request.user, **d),
        title=_("Report progress"),
        submit=_("Save the progress"),
        done=_("The progress was recorded."),
    )


@require_http_methods(["GET", "POST"])
@login_required
def project_complete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _project_step(
        request,
        pk,
        form_class=CompleteForm,
        run=lambda p, d: services.project_complete(
            project=p,
            by=request.user,
            completed_on=d["completed_on"],
            note=d["completion_note"],
        ),
        title=_("Complete the project"),
        submit=_("The project is complete"),
        done=_("The project is complete."),
    )
