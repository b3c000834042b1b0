from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from grids.models import Town
from huaisi.periods import parse_month
from tickets.services import supervision_report_publish


class Command(BaseCommand):
    help = (
        "Publish the frozen monthly supervision report (督查通报) of a finished month for every "
        "town, or one. A report published already is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="The month, as YYYY-MM (2026-10).")
        parser.add_argument("--town", help="A town code; all towns when left out.")

    def handle(self, *args, **options):
        month = parse_month(options["month"])
        if month is None:
            raise CommandError("--month must look like 2026-10")
        towns = Town.objects.order_by("code")
        if options.get("town"):
            towns = towns.filter(code=options["town"])
            if not towns.exists():
                raise CommandError(f"No town with code {options['town']!r}")
        for town in towns:
            try:
                report, created = supervision_report_publish(town=town, month=month)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            state = "published" if created else "already published"
            self.stdout.write(f"{town.code} {month:%Y-%m}: {state}, {len(report.rows)} units")
