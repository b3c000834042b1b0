"""Pages anyone may open without logging in: checking a service certificate's code, and each
village's livelihood projects. They show no personal data beyond a volunteer's name."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from grids.models import Village

from .. import selectors, services
from ..forms import CertificateCheckForm
from ._common import int_or_none, this_year


@require_GET
def certificate_check(request) -> HttpResponse:
    form = CertificateCheckForm(request.GET or None)
    certificate = None
    checked = False
    if form.is_valid():
        checked = True
        certificate = selectors.certificate_check(
            code=services.normalise_code(form.cleaned_data["code"])
        )
    return render(
        request,
        "volunteers/certificate_check.html",
        {"form": form, "certificate": certificate, "checked": checked},
    )


@require_GET
def project_public_villages(request) -> HttpResponse:
    villages = Village.objects.select_related("town").order_by("town__code", "code")
    return render(request, "volunteers/public_villages.html", {"villages": villages})


@require_GET
def project_public_list(request, pk: int) -> HttpResponse:
    village = Village.objects.filter(pk=pk).first()
    if village is None:
        raise Http404
    year = int_or_none(request.GET.get("year")) or this_year()
    projects = list(selectors.public_projects(village=village, year=year))
    summary = selectors.project_summary(
        projects=selectors.Project.objects.filter(village=village, year=year)
    )
    return render(
        request,
        "volunteers/public_projects.html",
        {
            "village": village,
            "year": year,
            "years": [this_year() - n for n in range(0, 4)],
            "projects": projects,
            "summary": summary,
        },
    )
