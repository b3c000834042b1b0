from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from huaisi.periods import previous_half
from points.services import honours_publish, parse_half


class Command(BaseCommand):
    help = (
        "Publish the half-year honour list (红榜) of every village for a half year that has "
        "ended (default: the previous one). Villages already published are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--half", help="2026H1 or 2026H2 (default: the previous half)")

    def handle(self, *args, **options):
        try:
            half = parse_half(options["half"]) if options["half"] else previous_half()
            count = honours_publish(half=half)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        label = f"{half.year}H{1 if half.month == 1 else 2}"
        self.stdout.write(f"{label}: {count} village honour list(s) published now.")
