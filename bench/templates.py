"""The list rows in each template language, measured on the same data in the same run (issue 15).

    python -m huaisi.devstack exec .venv/bin/python -m bench.templates [--households N]
        [--rounds N] [--reuse]

The dispatch board, a unit's inbox and the resident search draw their rows as named partials
of their Django pages. Until issue 15 they were Jinja2 parts printed into those pages; those
parts are kept under bench/jinja2/ only for this measurement. On the demo town in
`<db>_bench` (seeded unless `--reuse` finds it seeded already) it measures, for each page:

- rows: the page's own rows (a page of 50 orders, or the first 50 residents), from the page's
  context, drawn by the Django partial and by the Jinja2 part, interleaved;
- page: the whole page through Django's test client (middleware, session, the view's queries,
  the page template), once with the Django partial and once with the Jinja2 part printed in
  its place (the view's `render` swapped for the run), interleaved.

Both variants are first checked to produce the same HTML (whitespace aside). It prints p50 and
p95 in ms, and the Jinja2/Django ratio of the medians.
"""

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from . import harness
from .harness import say

BENCH_JINJA2 = Path(__file__).resolve().parent / "jinja2"
# The rows partial and everything in it (the loop and the row partial inside).
ROWS_PARTIAL = re.compile(
    r"\{% partialdef rows inline %\}.*?\{% endpartialdef %\}"
    r"(?:\{% endfor %\}\{% endpartialdef %\})?",
    re.S,
)


def parse_args(argv: list[str]):
    parser = argparse.ArgumentParser(prog="python -m bench.templates")
    parser.add_argument("--households", type=int, default=3000, help="passed to seed_demo")
    parser.add_argument("--rounds", type=int, default=200, help="timed rounds per variant")
    parser.add_argument("--reuse", action="store_true", help="keep a seeded bench database")
    return parser.parse_args(argv)


def prepare_database(db: harness.BenchDatabase, args) -> None:
    seeded = False
    if args.reuse:
        try:
            with db.connect() as conn:
                seeded = bool(conn.execute("SELECT count(*) FROM tickets_workorder").fetchone()[0])
        except Exception:
            seeded = False
    os.environ.update(harness.bench_environment(db.url))
    if seeded:
        say(f"reusing {db.name}")
        return
    db.recreate()
    say(f"{db.name} (re)created; migrating and seeding {args.households} households")
    harness.manage("migrate", "--no-input", "-v", "0")
    harness.manage("seed_demo", "--households", str(args.households))


def _saved(ours: str, theirs: str) -> str:
    """Both outputs written to files to compare, named for the error message."""
    folder = Path(tempfile.mkdtemp(prefix="bench-templates-"))
    (folder / "django.html").write_text(squeeze(ours).replace("><", ">\n<"), encoding="utf-8")
    (folder / "jinja2.html").write_text(squeeze(theirs).replace("><", ">\n<"), encoding="utf-8")
    return f" (see {folder}/django.html and jinja2.html)"


def squeeze(html: str) -> str:
    """HTML without its whitespace differences and its CSRF tokens (masked anew each time)."""
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1…", html)
    html = re.sub(r'("X-CSRFToken": ")[^"]+', r"\1…", html)
    return re.sub(r"\s+", " ", html).replace("> <", "><").strip()


@dataclass
class Case:
    """One page: its view module, path and user; the Django partial and the Jinja2 part that
    draw its rows; what both need besides the page's context (`rows_context`)."""

    label: str
    module: ModuleType
    url: str
    username: str
    page: str
    django_rows: str
    jinja_rows: str
    rows_context: Callable[[dict], dict]


def cases() -> list[Case]:
    from django.urls import reverse

    from households.views import register
    from tickets.models import CO_OPINION_STATES
    from tickets.templatetags import order_badges
    from tickets.views import board, inbox

    helpers = {
        "state_badge": order_badges.state_badge,
        "deadline_badge": order_badges.deadline_badge,
        "returned_label": order_badges.returned_label,
        "supervision_label": order_badges.supervision_label,
        "urged_label": order_badges.urged_label,
        "co_opinion_states": CO_OPINION_STATES,
        "row_message": None,
        "row_ok": False,
    }
    return [
        # The board's and the inbox's fullest lists: 50 rows a page on the demo town.
        Case("board, all open (command)", board, reverse("order-board") + "?view=open", "command",
             "tickets/board.html", "tickets/board.html#rows", "tickets/_board_rows.html",
             lambda c: {**helpers, "rows": c["page"].rows}),
        Case("inbox, closed (dept01)", inbox, reverse("order-inbox") + "?tab=closed", "dept01",
             "tickets/inbox.html", "tickets/inbox.html#rows", "tickets/_inbox_rows.html",
             lambda c: {**helpers, "rows": c["page"].rows}),
        Case("resident search (clerk01)", register, reverse("resident-list"), "clerk01",
             "households/resident_list.html", "households/resident_list.html#rows",
             "households/_resident_rows.html", lambda c: {"rows": c["rows"]}),
    ]  # fmt: skip


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def measure(case: Case, rounds: int) -> list[tuple[str, list[float], list[float]]]:
    from django.contrib.auth import get_user_model
    from django.http import HttpResponse
    from django.shortcuts import render as django_render
    from django.template import engines
    from django.template.backends.jinja2 import Jinja2
    from django.template.loader import get_template
    from django.test import Client
    from django.utils.safestring import mark_safe

    jinja = Jinja2({
        "NAME": "bench-jinja2", "DIRS": [BENCH_JINJA2], "APP_DIRS": False,
        "OPTIONS": {"environment": "huaisi.jinja2.environment"},
    })  # fmt: skip
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=case.username))

    captured = {}

    def capturing_render(request, template_name, context=None, *args, **kwargs):
        captured.update(request=request, context=dict(context or {}))
        return django_render(request, template_name, context, *args, **kwargs)

    case.module.render = capturing_render
    try:
        assert client.get(case.url).status_code == 200
    finally:
        case.module.render = django_render
    request, context = captured["request"], captured["context"]

    django_part = get_template(case.django_rows)
    jinja_part = jinja.get_template(case.jinja_rows)
    # The page's context, plus its rows by name (the Django partial is cut out of its loop)
    # and, for Jinja2, the helpers the Django filters stand for.
    rows_context = {**context, **case.rows_context(context)}
    ours = django_part.render(rows_context, request)
    theirs = jinja_part.render(rows_context, request)
    if squeeze(ours) != squeeze(theirs):
        raise RuntimeError(
            f"{case.label}: the two engines draw different rows{_saved(ours, theirs)}"
        )

    source = Path(get_template(case.page).origin.name).read_text(encoding="utf-8")
    page_with_part, n = ROWS_PARTIAL.subn("{{ rows_html }}", source)
    assert n == 1, f"{case.page}: rows partial not found"
    jinja_page = engines["django"].from_string(page_with_part)

    def jinja_render(request, template_name, context=None, *args, **kwargs):
        context = dict(context or {})
        # As huaisi.jinja2.render_part did: Jinja2 escaped what it printed.
        rows = jinja_part.render({**context, **case.rows_context(context)}, request)
        context["rows_html"] = mark_safe(rows)  # noqa: S308
        return HttpResponse(jinja_page.render(context, request))

    def page_with(render):
        case.module.render = render
        try:
            response = client.get(case.url)
        finally:
            case.module.render = django_render
        assert response.status_code == 200
        return response.content.decode()

    ours, theirs = page_with(django_render), page_with(jinja_render)
    if squeeze(ours) != squeeze(theirs):
        raise RuntimeError(f"{case.label}: the two pages differ{_saved(ours, theirs)}")

    samples = {"rows django": [], "rows jinja2": [], "page django": [], "page jinja2": []}
    for round_number in range(rounds + 5):
        times = {
            "rows django": timed(lambda: django_part.render(rows_context, request)),
            "rows jinja2": timed(lambda: jinja_part.render(rows_context, request)),
            "page django": timed(lambda: page_with(django_render)),
            "page jinja2": timed(lambda: page_with(jinja_render)),
        }
        if round_number >= 5:  # warm-up rounds untimed
            for key, value in times.items():
                samples[key].append(value)
    count = len(rows_context["rows"])
    return [
        (f"{count} rows", samples["rows django"], samples["rows jinja2"]),
        ("page", samples["page django"], samples["page jinja2"]),
    ]


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    source_url = os.environ.get("DATABASE_URL")
    if not source_url or not os.environ.get("REDIS_URL"):
        print("DATABASE_URL and REDIS_URL are unset: run it through huaisi.devstack exec.")
        return 2
    db = harness.BenchDatabase(source_url)
    prepare_database(db, args)
    harness.setup_django()
    lines = [
        f"{'page':<28} {'part':<8} {'Django p50/p95 ms':>18} {'Jinja2 p50/p95 ms':>18} "
        f"{'J/D p50':>8}"
    ]
    for case in cases():
        say(f"{case.label}: {args.rounds} rounds")
        for part, django_ms, jinja_ms in measure(case, args.rounds):
            d50, j50 = statistics.median(django_ms), statistics.median(jinja_ms)
            lines.append(
                f"{case.label:<28} {part:<8} {d50:>8.2f} / {p95(django_ms):>7.2f} "
                f"{j50:>8.2f} / {p95(jinja_ms):>7.2f} {j50 / d50:>8.2f}"
            )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
