import sys

from django.core.management.base import BaseCommand

from points.selectors import ledger_differences


class Command(BaseCommand):
    help = (
        "Recompute every household's points balance from the ledger (approved entries less "
        "redemptions, refunds given back) and every good's stock from receipts and baskets; "
        "print each difference. Exit code 1 if there is any."
    )

    def handle(self, *args, **options):
        balances, stock = ledger_differences()
        for number, passbook, held, expected in balances:
            self.stdout.write(
                f"household {number} passbook {passbook or '(none)'}: balance {held} "
                f"held, {expected} from the ledger"
            )
        for store, good, held, expected in stock:
            self.stdout.write(f"{store} {good}: stock {held} held, {expected} from the records")
        if balances or stock:
            self.stderr.write(
                f"{len(balances)} balance(s) and {len(stock)} stock level(s) differ from the ledger."
            )
            sys.exit(1)
        self.stdout.write(
            self.style.SUCCESS("Every balance and stock level agrees with the ledger.")
        )
