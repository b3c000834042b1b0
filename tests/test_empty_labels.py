"""No select on any page offers Django's bare "---------" as its empty choice: an optional
field says what leaving it empty means ("（不选）", "全部"), a required one asks to choose.

Every page of the role matrix is opened as the superuser (who may open all of them); the
forms a page shows are the ones its users fill in.
"""

import re

import pytest

from tests.test_role_matrix import MATRIX, SUPER, users_by_role  # noqa: F401 (a fixture)

PAGES = sorted(name for name, (_, expected) in MATRIX.items() if expected[SUPER] == 200)


@pytest.mark.django_db
def test_no_select_shows_the_bare_dashes(area, client, users_by_role, settings):  # noqa: F811
    settings.HEALTHZ_CELERY_TIMEOUT = 0.2
    client.force_login(users_by_role[SUPER])
    offenders = []
    for name in PAGES:
        build, _ = MATRIX[name]
        path = build(area)
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        for select in re.findall(r"<select\b[^>]*>.*?</select>", html, flags=re.S):
            if ">---------<" in select:
                name = re.search(r'name="([^"]*)"', select)
                offenders.append(f"{path} {name.group(1) if name else select[:80]}")
    assert not offenders, "these selects offer a bare '---------' choice:\n" + "\n".join(offenders)
