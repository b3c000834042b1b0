"""The benchmarks are not run by CI, and they import the project inside their functions, so a
module moved or renamed in the project breaks `make bench` without any test noticing (it
happened: the month helper moved to huaisi.periods). Every name bench/ imports from the
project must exist."""

import ast
import importlib
from pathlib import Path

from django.conf import settings

BENCH = Path(settings.BASE_DIR) / "bench"
OURS = {
    "huaisi", "workcalendar", "grids", "households", "points", "tickets", "volunteers",
    "patrols", "dashboard", "audit", "townexport", "bench",
}  # fmt: skip


def project_imports():
    for path in sorted(BENCH.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module.split(".")[0] in OURS:
                    for alias in node.names:
                        yield path.name, node.lineno, node.module, alias.name
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in OURS:
                        yield path.name, node.lineno, alias.name, None


def test_every_name_the_benchmarks_import_exists():
    missing = []
    for file, line, module_name, name in project_imports():
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            missing.append(f"bench/{file}:{line}: {module_name} ({exc})")
            continue
        if name and name != "*" and not hasattr(module, name):
            try:
                importlib.import_module(f"{module_name}.{name}")
            except ImportError:
                missing.append(f"bench/{file}:{line}: {module_name}.{name}")
    assert missing == []


def test_the_check_reads_the_function_level_imports():
    found = {(module, name) for _, _, module, name in project_imports()}
    assert ("huaisi.periods", "previous_month") in found
