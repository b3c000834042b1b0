from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from townexport.services import TownImportError, export_town


class Command(BaseCommand):
    help = (
        "Write one town's rows (every app, the staff accounts they refer to, password hashes "
        "included) and its uploads to a ZIP that `import_town` loads into an empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="The town's code.")
        parser.add_argument("--output", required=True, help="The ZIP file to write.")

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        output = Path(options["output"])
        if output.exists():
            raise CommandError(f"{output} exists already; choose another file name.")
        partial = output.with_name(output.name + ".partial")
        try:
            manifest = export_town(code=options["code"], output=partial, progress=self._say)
        except TownImportError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(str(error)) from error
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.rename(output)
        rows = sum(table["rows"] for table in manifest["tables"])
        self.stdout.write(
            f"Town {options['code']}: {rows} rows, {manifest['media']['files']} files → {output}"
        )
        if manifest["media"]["missing"]:
            self.stderr.write(
                f"{len(manifest['media']['missing'])} uploads were missing from storage (listed in the manifest)."
            )

    def _say(self, message: str) -> None:
        if self.verbosity >= 2:
            self.stdout.write(message)
