"""Security headers: a Content-Security-Policy without inline script, and production settings
that pass `check --deploy` with HSTS and secure cookies.

Production settings are loaded in a fresh interpreter with a production-like environment, the
way tests/test_deployment_files.py does, since this process runs with the test settings.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

PRODUCTION_LIKE = {
    "DEBUG": "false",
    "SECRET_KEY": "test-secret-" + "s" * 40,
    "ALLOWED_HOSTS": "grid.example.org",
    "DATABASE_URL": "postgres://huaisi:pw@db.invalid:5432/huaisi",
    "REDIS_URL": "redis://redis.invalid:6379/0",
}


def production(args: list[str], **extra: str) -> subprocess.CompletedProcess:
    """Run `args` with the production-like environment in place of this one's settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        # The browser tests' live server sets DJANGO_ALLOW_ASYNC_UNSAFE in this process (for
        # Playwright's event loop); production never has it, and check --deploy rejects it.
        if k
        not in {"DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(PRODUCTION_LIKE, DJANGO_SETTINGS_MODULE="huaisi.settings", **extra)
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def production_settings(*names: str, **extra: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}))"
    )
    result = production(["-c", code], **extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
def test_pages_carry_a_policy_that_forbids_inline_script(client):
    directives = policy(client.get("/accounts/login/"))

    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["connect-src"] == ["'self'"]
    assert directives["worker-src"] == ["'self'"]
    assert set(directives["img-src"]) == {"'self'", "data:", "blob:"}
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["base-uri"] == ["'self'"]


def test_logged_in_pages_carry_the_policy_too(client, role_users):
    client.force_login(role_users["town_admin"])
    response = client.get("/")

    assert response.status_code == 200
    assert policy(response)["script-src"] == ["'self'"]


TEMPLATE_DIRS = [REPO / "templates", *REPO.glob("*/templates")]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
HTMX_EVAL = re.compile(r"\shx-on[:-]|\shx-vars=|\"js:", re.IGNORECASE)


def test_no_template_has_inline_script_handlers_or_styles():
    """The policy would block these in the browser; catch them before a user does."""
    found = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for pattern in (INLINE_SCRIPT, HANDLER, STYLE_ATTRIBUTE, HTMX_EVAL):
                    if pattern.search(line):
                        found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not found, "inline script or style the CSP blocks:\n" + "\n".join(found)


@pytest.mark.django_db
def test_map_tile_host_is_allowed_as_an_image_source(client, settings):
    settings.MAP_TILE_URL = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"

    directives = policy(client.get("/accounts/login/"))

    assert set(directives["img-src"]) == {"'self'", "data:", "blob:", "https://*.tiles.example.org"}
    assert directives["script-src"] == ["'self'"]


def test_production_settings_use_hsts_and_secure_cookies():
    value = production_settings(
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
    )
    assert value["SECURE_HSTS_SECONDS"] >= 31536000
    assert value["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert value["SECURE_SSL_REDIRECT"] is True
    assert value["SESSION_COOKIE_SECURE"] is True
    assert value["CSRF_COOKIE_SECURE"] is True
    assert value["SESSION_COOKIE_HTTPONLY"] is True


def test_production_settings_pass_check_deploy():
    result = production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_production_responses_carry_hsts(client, settings):
    # The same middleware as production, with production's values, over HTTPS.
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/accounts/login/", secure=True)

    assert response.headers["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains")
