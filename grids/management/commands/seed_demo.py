import sys
import time

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from grids.models import Town

DEMO_TOWN_CODE = "HS-DEMO"


class ProgressBar:
    """A one-line progress bar on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, stream=sys.stderr, width: int = 30):
        self.stream, self.width = stream, width
        self.tty = stream.isatty()
        self.last = None

    def __call__(self, label: str, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        filled = int(self.width * fraction)
        line = f"{label:<12} [{'#' * filled}{'.' * (self.width - filled)}] {fraction:6.1%}"
        if self.tty:
            self.stream.write("\r" + line + ("\n" if done >= total else ""))
        elif (label, int(fraction * 4)) != self.last or done >= total:
            self.stream.write(line + "\n")
        self.last = (label, int(fraction * 4))
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Build (or complete) the demo town: 13 villages, 2 communities, 33 grids, ~300 micro-grids, "
        "departments, staff for every role, and each app's own demo data. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--households",
            type=int,
            default=20000,
            help="How many households the register apps create (20000 is the full town).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when any town exists already (used by `make run`).",
        )

    def handle(self, *args, **options):
        if options["households"] < 0:
            raise CommandError("--households must be zero or more")
        if options["if_empty"] and Town.objects.exists():
            self.stdout.write("A town exists already; the demo seed is skipped.")
            return
        started = time.monotonic()
        # The raw stream: Django's OutputWrapper would end every redraw with a newline.
        progress = ProgressBar(options.get("stderr") or sys.stderr)
        with transaction.atomic():
            town, _ = Town.objects.update_or_create(
                code=DEMO_TOWN_CODE,
                defaults={
                    "name": "槐泗镇（演示）",
                    "is_demo": True,
                    "centre_lat": "32.478000",
                    "centre_lng": "119.377500",
                },
            )
        # Each app seeds its own data through its AppConfig's `seed_demo` hook, in
        # INSTALLED_APPS order, which is dependency order: an app's rows may need a lower app's.
        for config in apps.get_app_configs():
            seed = getattr(config, "seed_demo", None)
            if seed is None:
                continue
            with transaction.atomic():
                summary = seed(town=town, options=options, progress=progress)
            counts = ", ".join(f"{k} {v}" for k, v in summary.items())
            self.stdout.write(f"{config.label}: {counts}")
        # Fresh statistics: until autovacuum gets round to the new rows the planner takes the
        # tables for empty and picks nested loops over whole towns (a search then scans them).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(f"Demo town {town.name} ready in {time.monotonic() - started:.1f} s")
        )
