from django.core.management.base import BaseCommand

from workcalendar.services import calendar_fill_from_package, package_years


class Command(BaseCommand):
    help = (
        "Enter the holiday calendar of every year the chinesecalendar package knows and the "
        "calendar lacks (idempotent: years already entered are left as they are). Runs after "
        "every migrate too."
    )

    def handle(self, *args, **options):
        years = calendar_fill_from_package()
        known = package_years()
        if years:
            self.stdout.write(f"Entered {len(years)} year(s): {years[0]}–{years[-1]}.")
        else:
            self.stdout.write(f"Nothing to do: {known.start}–{known.stop - 1} are all entered.")
