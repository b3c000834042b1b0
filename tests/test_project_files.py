"""Every app of ours is packaged and has its tests collected: `dashboard` was once left out of
both, so its 14 tests never ran and a built wheel lacked an installed app."""

import tomllib
from fnmatch import fnmatch
from pathlib import Path

from django.apps import apps
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
PYPROJECT = tomllib.loads((BASE_DIR / "pyproject.toml").read_text(encoding="utf-8"))


def project_apps() -> list[tuple[str, Path]]:
    """(top-level package, folder) of every installed app that lives in this repository."""
    found = []
    for config in apps.get_app_configs():
        folder = Path(config.path).resolve()
        if folder.is_relative_to(BASE_DIR) and ".venv" not in folder.parts:
            found.append((config.name.split(".")[0], folder))
    return found


def test_the_project_apps_are_found():
    names = {name for name, _ in project_apps()}
    assert {"huaisi", "grids", "households", "points", "tickets", "volunteers"} <= names
    assert "dashboard" in names


def test_every_installed_app_is_packaged():
    patterns = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    missing = [name for name, _ in project_apps() if not any(fnmatch(name, p) for p in patterns)]
    assert missing == [], f"add to [tool.setuptools.packages.find] include: {missing}"


def test_every_installed_apps_tests_are_collected():
    testpaths = {
        (BASE_DIR / p).resolve() for p in PYPROJECT["tool"]["pytest"]["ini_options"]["testpaths"]
    }
    missing = [
        name
        for name, folder in project_apps()
        if any(folder.rglob("test_*.py"))
        and not any(folder == path or folder.is_relative_to(path) for path in testpaths)
    ]
    assert missing == [], f"add to [tool.pytest.ini_options] testpaths: {missing}"
