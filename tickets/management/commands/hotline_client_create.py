from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from grids.models import Town
from tickets.services.clients import api_client_create


class Command(BaseCommand):
    help = (
        "Create a client of the hotline intake API (the city platform) and print its bearer "
        "token once. Only a hash of the token is stored: keep the printed token safe."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="A name for the client, e.g. 扬州12345平台.")
        parser.add_argument(
            "--town", help="The code of the town it posts orders to; needed when there are several."
        )

    def handle(self, *args, **options):
        towns = Town.objects.order_by("code")
        if options.get("town"):
            towns = towns.filter(code=options["town"])
        found = list(towns[:2])
        if not found:
            raise CommandError(
                f"No town with code {options['town']!r}"
                if options.get("town")
                else "There is no town yet."
            )
        if len(found) > 1:
            raise CommandError("There are several towns: name one with --town CODE.")
        try:
            client, token = api_client_create(town=found[0], name=options["name"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stderr.write(
            f"Client {client.name!r} (town {found[0].code}) created. Its token follows; it is "
            "shown only this once. Send it as:  Authorization: Bearer <token>"
        )
        self.stdout.write(token)
