"""The rulebook (评分细则): the staff page, the public printable sheet, and its upkeep."""

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from grids.models import Town
from huaisi.access import grant_towns, require_capability, user_can_in
from huaisi.roles import Capability
from huaisi.views import HtmxHttpRequest

from .. import selectors, services
from ..forms import RuleForm, apply_errors
from ..models import Rule
from ._common import town_for_user


def _grouped(rules) -> list[tuple[str, list[tuple[str, list[Rule]]]]]:
    """[(group label, [(category, [rules])])], in rulebook order (group, then code)."""
    labels = dict(Rule.Group.choices)
    grouped = []
    for group, in_group in groupby(rules, key=lambda rule: rule.group):
        categories: dict[str, list[Rule]] = {}
        for rule in in_group:
            categories.setdefault(rule.category, []).append(rule)
        grouped.append((labels.get(group, group), list(categories.items())))
    return grouped


@require_GET
@login_required
def rule_list(request: HtmxHttpRequest) -> HttpResponse:
    """Every rule of the user's town, in force or not, for any signed-in staff member."""
    town = town_for_user(request.user, request.GET.get("town"))
    rules = list(selectors.rules_for_town(town=town))
    today = timezone.localdate()
    for rule in rules:
        rule.in_force = rule.valid_on(today)
    context = {
        "town": town,
        "groups": _grouped(rules),
        "today": today,
        "can_edit": user_can_in(request.user, Capability.MANAGE_RULEBOOK, town),
    }
    return render(request, "points/rule_list.html", context)


@require_GET
def rule_print(request: HtmxHttpRequest) -> HttpResponse:
    """The published rulebook as a printable sheet, for anyone (it hangs in every village
    hall): the rules in force today, no personal data. The town is the reader's own, the one
    asked for (?town=), or the only town of the installation."""
    towns = Town.objects.order_by("pk")
    town_id = request.GET.get("town", "")
    own = grant_towns(request.user)
    if town_id.isdigit():
        town = towns.filter(pk=int(town_id)).first()
    elif own:
        town = towns.filter(pk=own[0]).first()
    else:
        town = towns.first() if towns[:2].count() == 1 else None
    if town is None:
        raise Http404
    today = timezone.localdate()
    rules = list(selectors.rules_for_town(town=town, on=today))
    return render(
        request,
        "points/rule_print.html",
        {"town": town, "groups": _grouped(rules), "today": today},
    )


def _rule_form_view(request, *, town, rule: Rule | None):
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in RuleForm.Meta.fields}
        try:
            if rule is None:
                saved = services.rule_create(town=town, by=request.user, **fields)
                messages.success(request, _("Rule %(code)s was added.") % {"code": saved.code})
            else:
                saved = services.rule_update(rule=rule, by=request.user, **fields)
                messages.success(
                    request,
                    _(
                        "Rule %(code)s was saved. Entries already made keep the points they "
                        "were given."
                    )
                    % {"code": saved.code},
                )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect(f"{reverse('rule-list')}#rule-{saved.pk}")
    return render(request, "points/rule_form.html", {"form": form, "rule": rule, "town": town})


@require_http_methods(["GET", "POST"])
@login_required
def rule_create(request: HtmxHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_RULEBOOK)
    town = town_for_user(request.user, request.GET.get("town"))
    return _rule_form_view(request, town=town, rule=None)


@require_http_methods(["GET", "POST"])
@login_required
def rule_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule_get_for_user(user=request.user, pk=pk)
    return _rule_form_view(request, town=rule.town, rule=rule)
