from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from grids.selectors import towns_for_user
from huaisi.access import require_capability
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from .selectors import checklist as checklist_lines


@require_GET
@login_required
def checklist(request: HtmxHttpRequest) -> HttpResponse:
    """The town administrator's moving-in checklist: each line green when done, or what is
    missing with links to the pages that fix it."""
    require_capability(request.user, Capability.MANAGE_AREAS)
    town = towns_for_user(user=request.user, capability=Capability.MANAGE_AREAS).first()
    if town is None:
        raise PermissionDenied
    lines = checklist_lines(town=town, today=timezone.localdate())
    context = {"town": town, "lines": lines, "done": sum(line.done for line in lines)}
    return render(request, "onboarding/checklist.html", context)
