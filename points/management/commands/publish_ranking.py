import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from huaisi.periods import parse_month, previous_month
from points.services import ranking_publish


def month_option(text: str) -> datetime.date:
    month = parse_month(text)
    if month is None:
        raise CommandError(f"--month must look like 2026-10, not {text!r}")
    return month


class Command(BaseCommand):
    help = (
        "Publish the monthly points ranking of every village for a month that has ended "
        "(default: last month). Villages already published are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: the previous month)")

    def handle(self, *args, **options):
        month = month_option(options["month"]) if options["month"] else previous_month()
        try:
            count = ranking_publish(month=month)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"{month:%Y-%m}: {count} village ranking(s) published now.")
