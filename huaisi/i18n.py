"""Compile the translation catalogues with polib, so no system gettext is needed to run."""

from pathlib import Path

import polib


def compile_catalogs(base_dir: Path) -> list[Path]:
    compiled = []
    for po_path in sorted((base_dir / "locale").glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        compiled.append(mo_path)
    return compiled
