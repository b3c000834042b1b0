import zipfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from townexport.services import TownImportError, import_town


class Command(BaseCommand):
    help = (
        "Load a town written by `export_town` into this database, which must be migrated to the "
        "same migrations and otherwise empty: ids are kept. One transaction; a refusal or a "
        "failure changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The ZIP file written by export_town.")

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        path = Path(options["archive"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        try:
            manifest = import_town(path=path, progress=self._say)
        except (TownImportError, zipfile.BadZipFile) as error:
            raise CommandError(str(error)) from error
        rows = sum(table["rows"] for table in manifest["tables"])
        self.stdout.write(f"Town {manifest['town']['code']}: {rows} rows imported.")

    def _say(self, message: str) -> None:
        if self.verbosity >= 2:
            self.stdout.write(message)
