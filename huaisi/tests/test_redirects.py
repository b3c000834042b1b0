"""Where a form goes back to (huaisi.redirects.safe_next): this site only."""

import pytest
from django.test import RequestFactory

from huaisi.redirects import safe_next


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/orders/board/?view=overdue", "/orders/board/?view=overdue"),
        ("http://testserver/areas/", "http://testserver/areas/"),
        ("https://evil.example/", None),
        ("//evil.example/", None),
        ("javascript:alert(1)", None),
        ("", None),
    ],
)
def test_only_addresses_on_this_site_are_followed(target, expected):
    assert safe_next(RequestFactory().post("/x/", {"next": target})) == expected
    assert safe_next(RequestFactory().get("/x/", {"next": target})) == expected


def test_the_form_wins_over_the_query_string():
    request = RequestFactory().post("/x/?next=/from-link/", {"next": "/from-form/"})
    assert safe_next(request) == "/from-form/"
