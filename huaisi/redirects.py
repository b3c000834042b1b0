"""Where a form goes back to after it is done: the `next` it carried, when that is safe."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest) -> str | None:
    """The `next` of the form (POST), else of the query string, when it points to this site
    (same host, and https when the request is); None otherwise, so that an address a link or
    a crafted form supplies can never send a user to another site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None
