"""The Chinese catalogue is complete: every interface string has a reviewed translation."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def problems(catalogue: polib.POFile) -> list[str]:
    found = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {entry.msgid!r}")
        elif entry.msgid_plural:
            if not all(entry.msgstr_plural.values()):
                found.append(f"untranslated plural: {entry.msgid!r}")
        elif not entry.msgstr:
            found.append(f"untranslated: {entry.msgid!r}")
    return found


def test_committed_catalogue_has_no_untranslated_or_fuzzy_entry():
    catalogue = polib.pofile(str(CATALOGUE))
    assert len(catalogue) > 50, "the catalogue looks empty"
    assert problems(catalogue) == []


def test_catalogue_covers_every_string_in_the_sources(tmp_path):
    """Re-extract the strings from the code into a copy of the catalogue: a string added to a
    template or module without its translation shows up here as untranslated."""
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("GNU gettext (xgettext) is missing in CI: .ci/run installs it")
        pytest.skip("GNU gettext is not installed: apt-get install gettext")
    copy = tmp_path / "locale"
    shutil.copytree(ROOT / "locale", copy, ignore=shutil.ignore_patterns("*.mo"))
    env = {**os.environ, "HUAISI_LOCALE_DIR": str(copy)}
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-location",
            "--ignore",
            ".venv/*",
            "--ignore",
            "var/*",
            "--ignore",
            "bench/*",
            "--ignore",
            "tests/*",
            "--ignore",
            "*/tests/*",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    regenerated = polib.pofile(str(copy / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert problems(regenerated) == [], "run `make messages` and translate the new strings"


JINJA_CALL = re.compile(r"""\b_\(\s*(["'])(.*?)\1\s*\)""")


def test_every_string_of_the_jinja2_templates_reaches_the_catalogue():
    """makemessages reads the Jinja2 templates (huaisi/jinja2.py) as Django's: it finds
    `{{ _("text") }}` only with `_(` first in the braces and the string alone inside. A
    `_("…")` anywhere else would be shown in English however it was translated before."""
    catalogue = {entry.msgid: entry for entry in polib.pofile(str(CATALOGUE))}
    templates = sorted(ROOT.glob("*/jinja2/**/*.html"))
    assert templates, "no Jinja2 templates found"
    misplaced, missing, unextracted = [], [], []
    for path in templates:
        source = path.read_text(encoding="utf-8")
        # Jinja2's own i18n forms work at run time but makemessages never sees them.
        for form in re.finditer(r"\{%-?\s*trans\b|\b(?:n|p)?gettext\(", source):
            unextracted.append(f"{path.relative_to(ROOT)}: {form.group(0)}")
        for match in JINJA_CALL.finditer(source):
            where = f"{path.relative_to(ROOT)}: {match.group(0)}"
            before = source[: match.start()].rstrip()
            if not before.endswith("{{"):
                misplaced.append(where)
            entry = catalogue.get(match.group(2))
            if entry is None or not entry.msgstr:
                missing.append(where)
    assert unextracted == [], 'write {{ _("…") }}; choose plural forms in Python'
    assert misplaced == [], 'write these as {{ _("…") }}, first in their braces'
    assert missing == [], "run `make messages` and translate these"
