"""Published monthly rankings and half-year honour lists, for staff (read-only; the public
notice board is its own page)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from huaisi.access import require_capability
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from .. import selectors
from ._common import page_of, villages_for_user


@require_GET
@login_required
@vary_on_headers("HX-Request")
def ranking_list(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_POINTS)
    rankings = selectors.publications_for_user(user=request.user)
    honours = selectors.honour_publications_for_user(user=request.user)
    villages = list(villages_for_user(request.user, Capability.VIEW_POINTS))
    village = request.GET.get("village", "")
    if village.isdigit():
        rankings = rankings.filter(village_id=int(village))
        honours = honours.filter(village_id=int(village))
    context = {
        "page": page_of(request, rankings),
        "honours": list(honours[:20]),
        "villages": villages,
        "village": village,
    }
    template = "points/ranking_list.html"
    if request.htmx and request.htmx.target == "ranking-results":
        template += "#results"
    return render(request, template, context)


@require_GET
@login_required
def ranking_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    publication = selectors.ranking_get_for_user(user=request.user, pk=pk)
    rows = list(selectors.ranking_rows(publication=publication))
    return render(request, "points/ranking_detail.html", {"publication": publication, "rows": rows})


@require_GET
@login_required
def honour_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    publication = selectors.honour_get_for_user(user=request.user, pk=pk)
    rows = list(selectors.honour_rows(publication=publication))
    return render(request, "points/honour_detail.html", {"publication": publication, "rows": rows})
