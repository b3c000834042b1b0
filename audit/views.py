"""The town's audit trail page (/audit/): filters, one page of lines, the next page's link."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from huaisi.access import require_capability
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from . import selectors
from .forms import AuditFilterForm


@require_GET
@login_required
@vary_on_headers("HX-Request")
def audit_list(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_AUDIT)
    form = AuditFilterForm(request.GET or None)
    lines, more, next_url = [], False, ""
    if not form.is_bound or form.is_valid():
        filters = form.cleaned_data if form.is_bound else {}
        lines, more = selectors.audit_lines(
            towns=selectors.audit_towns_of(user=request.user), filters=filters
        )
        if more:
            query = {k: v for k, v in request.GET.items() if k != "before" and v}
            query["before"] = lines[-1].cursor
            next_url = f"{reverse('audit-list')}?{urlencode(query)}"
    template = "audit/audit_list.html#results" if request.htmx else "audit/audit_list.html"
    return render(
        request,
        template,
        {"form": form, "lines": lines, "more": more, "next_url": next_url},
    )
